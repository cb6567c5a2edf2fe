"""The console's files as the hub loads them, and the OpenAPI document exported without a server."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from hub.console import ConsoleFiles
from hub.security.headers import console_csp


def test_built_console_is_loaded_compressed_with_types(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<script nonce="__CSP_NONCE__" src="/assets/a.js"></script>')
    script = b"console.log('icafe');" * 200
    (tmp_path / "assets" / "a-1234.js").write_bytes(script)
    (tmp_path / "assets" / "logo.png").write_bytes(b"\x89PNG" + b"\0" * 2000)
    (tmp_path / ".source-hash").write_text("abc")

    files = ConsoleFiles.load(tmp_path)

    assert files.built
    assert files.index is not None
    assert "__CSP_NONCE__" in files.index
    assert sorted(files.files) == ["assets/a-1234.js", "assets/logo.png"]
    js = files.files["assets/a-1234.js"]
    assert js.content_type == "text/javascript; charset=utf-8"
    assert js.gzipped is not None
    assert gzip.decompress(js.gzipped) == script
    assert files.files["assets/logo.png"].gzipped is None  # images are compressed already


def test_unbuilt_console_is_known_as_such(tmp_path: Path) -> None:
    files = ConsoleFiles.load(tmp_path / "missing")
    assert not files.built
    assert files.files == {}


def test_console_policy_allows_only_nonced_styles_and_own_scripts() -> None:
    policy = console_csp("n0nce")
    assert "style-src 'self' 'nonce-n0nce'" in policy
    assert "script-src 'self' 'nonce-n0nce'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    # Only the PDFs the console fetched itself may be framed (receipt and report previews).
    assert "frame-src blob:;" in policy


def test_openapi_document_without_a_server() -> None:
    def printed() -> dict[str, Any]:
        command = [sys.executable, "-m", "icafe", "openapi"]
        run = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
        document: dict[str, Any] = json.loads(run.stdout)
        return document

    # The command prints the document the console's types are generated from, the same every time. (Not
    # compared with one built in this process: Sanic Extensions' builder is process-wide, and apps other
    # tests build here leave their routes in it.)
    document = printed()
    assert printed() == document
    assert document["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in document["paths"]
    assert "/api/v1/pcs" in document["paths"]
    # The console's own routes are not part of the API.
    assert not any(path == "/" or path.startswith("/{") for path in document["paths"])
