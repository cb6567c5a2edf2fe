"""What the console's browser tests share: building the console, the owner's API client, and running one
Playwright spec (admin_web/e2e/) in Debian's Chromium against a hub.

Screenshots go to ICAFE_E2E_SCREENSHOTS (default: a folder under the system's temporary directory).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from icafe.stack import LocalStack

from .conftest import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "admin_web"
CHROMIUM = os.environ.get("ICAFE_CHROMIUM", "/usr/bin/chromium")

needs_node = pytest.mark.skipif(
    shutil.which("npx") is None and not (ROOT / ".venv/bin/npx").exists(), reason="no Node"
)


def console_script(*args: str) -> None:
    subprocess.run([str(CONSOLE / "scripts" / "console.sh"), *args], check=True, cwd=CONSOLE)


def build_console() -> None:
    """Build the console when its sources changed (admin_web/scripts/console.sh build)."""
    console_script("build")


def owner_client(stack: LocalStack) -> httpx.Client:
    login = httpx.post(
        f"{stack.api_url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    login.raise_for_status()
    return httpx.Client(
        base_url=f"{stack.api_url}/api/v1",
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        timeout=15,
    )


def screenshots_dir() -> str:
    return os.environ.get("ICAFE_E2E_SCREENSHOTS") or str(
        Path(tempfile.gettempdir()) / "icafe-console-screenshots"
    )


def run_playwright(spec: str, env: dict[str, str]) -> None:
    """Run one spec; fails with the end of its output. Never downloads a browser: Debian's Chromium is the
    one driven."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium"
    result = subprocess.run(
        [str(CONSOLE / "scripts" / "console.sh"), "npx", "playwright", "test", spec],
        cwd=CONSOLE,
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1", "ICAFE_CHROMIUM": CHROMIUM, **env},
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )
    print(result.stdout[-6000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
