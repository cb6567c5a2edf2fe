"""The Ansible role of the Linux agent run for real on this machine (`ansible-playbook -c local`) against a
throw-away root: a private mount namespace with overlays on /etc, /opt and /var, so the role's user, venv,
unit and files land in folders of the test's own and vanish with the namespace. Then the installed files
and their owners and modes, `systemd-analyze verify` of the installed unit, and the installed agent started
as the unit says (its ExecStartPre enrolls it: the test approves the PC through the API meanwhile; then
its ExecStart, as the unit's user) until the hub sees it online.

There is no systemd running here (no PID 1 to start units), so the role runs with icafe_agent_start=false
and the test starts the unit's two commands itself, as its user; and apt is skipped (Debian's python3 and
python3-venv are installed by `make system-deps`)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

from .conftest import ADMIN_PASSWORD, SECURITY_ENV, login, pc_status, wait_until

ROOT = Path(__file__).resolve().parents[2]
PC = "pc-role"
OVERLAID = ("etc", "opt", "var")

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="mounts overlays in a namespace of its own: needs root"),
    pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)"),
    pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs Debian's python3"),
]

DRIVER = textwrap.dedent(
    """\
    set -eu
    # A throw-away root: what the role writes under /etc, /opt and /var lands in $ROOT/upper.
    for d in {overlaid}; do
      mkdir -p "$ROOT/upper/$d" "$ROOT/work/$d"
      mount -t overlay overlay -o "lowerdir=/$d,upperdir=$ROOT/upper/$d,workdir=$ROOT/work/$d" "/$d"
    done
    "$PLAYBOOK_BIN" -c local -i localhost, "$ROOT/play.yml" -e "@$ROOT/vars.json" > "$ROOT/ansible.log" 2>&1
    echo role-done
    unit=/etc/systemd/system/icafe-agent.service
    systemd-analyze verify "$unit" > "$ROOT/verify.log" 2>&1 && echo verify-ok || echo verify-failed
    user=$(sed -n 's/^User=//p' "$unit")
    pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
    start=$(sed -n 's/^ExecStart=//p' "$unit")
    # What systemd would do: the unit's commands as its user, the first until it succeeds.
    runuser -u "$user" -- $pre > "$ROOT/enroll.log" 2>&1
    echo enrolled
    runuser -u "$user" -- $start > "$ROOT/agent.log" 2>&1 &
    agent=$!
    while [ ! -e "$ROOT/stop" ]; do sleep 0.2; done
    kill -TERM "$agent"; wait "$agent" || true
    echo stopped
    """
).format(overlaid=" ".join(OVERLAID))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("role-stack"),
        http_port=free_port(),
        admin_password=ADMIN_PASSWORD,
        pcs=0,
        hub_env={"ICAFE_MONGO_DB": f"icafe_role_{uuid.uuid4().hex[:8]}", **SECURITY_ENV},
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_signer()
        local.start_hub()
        yield local
    finally:
        local.stop()


def _wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = out.glob("icafe-*.whl")
    return wheel


def _owner(root: Path, path: Path) -> str:
    """The name of a file's owner as the throw-away root's /etc/passwd says (the role made the user)."""
    uid = path.stat().st_uid
    for line in (root / "upper" / "etc" / "passwd").read_text().splitlines():
        name, _, number, *_ = line.split(":")
        if int(number) == uid:
            return name
    return pwd.getpwuid(uid).pw_name


def test_the_linux_agent_role_installs_an_agent_that_enrolls_and_connects(
    stack: LocalStack, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {login(stack)}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=30) as api:
        code = api.post("/enrollment-codes", json={"uses": 1}).json()["code"]
        variables = {
            "ansible_python_interpreter": "/usr/bin/python3",
            "icafe_agent_pc_id": PC,
            "icafe_agent_hub_url": stack.api_url,
            "icafe_agent_enroll_code": code,
            "icafe_agent_wheel": str(_wheel(tmp_path / "dist")),
            "icafe_agent_apt_packages": [],
            "icafe_agent_start": False,
            "icafe_agent_simulated": True,
        }
        (tmp_path / "vars.json").write_text(json.dumps(variables))
        (tmp_path / "play.yml").write_text(
            "- name: The icafe agent on this machine\n  hosts: localhost\n  roles: [icafe_agent]\n"
        )
        (tmp_path / "driver.sh").write_text(DRIVER)
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(tmp_path / "home"),
            "ROOT": str(tmp_path),
            "PLAYBOOK_BIN": str(Path(sys.executable).parent / "ansible-playbook"),
            "ANSIBLE_ROLES_PATH": str(ROOT / "ansible" / "roles"),
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
        }
        driver = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "bash", str(tmp_path / "driver.sh")],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert driver.stdout is not None
            done = driver.stdout.readline().strip()
            ansible_log = (tmp_path / "ansible.log").read_text()
            assert done == "role-done", ansible_log[-4000:]
            assert "failed=0" in ansible_log, ansible_log[-4000:]
            verified = driver.stdout.readline().strip()
            assert verified == "verify-ok", (tmp_path / "verify.log").read_text()

            # The files the role installed, in the throw-away root.
            upper = tmp_path / "upper"
            config = upper / "etc" / "icafe" / "agent"
            assert (upper / "opt" / "icafe" / "venv" / "bin" / "icafe").is_file()
            assert config.stat().st_mode & 0o777 == 0o700
            assert _owner(tmp_path, config) == "icafe-agent"
            key = config / "pc.key"
            assert key.stat().st_mode & 0o777 == 0o600
            assert _owner(tmp_path, key) == "icafe-agent"
            assert (config / "enrollment.json").is_file()
            assert os.readlink(config / "state") == "/var/lib/icafe-agent"
            unit = (upper / "etc" / "systemd" / "system" / "icafe-agent.service").read_text()
            assert "ExecStartPre=/opt/icafe/venv/bin/icafe enroll --out /etc/icafe/agent" in unit
            assert (
                "ExecStart=/opt/icafe/venv/bin/icafe agent-launcher"
                " --config /etc/icafe/agent/agent.toml --simulated" in unit
            )
            assert (upper / "etc" / "polkit-1" / "rules.d" / "50-icafe-agent.rules").is_file()
            assert "icafe-agent:" in (upper / "etc" / "passwd").read_text()
            assert "icafe-agent:" not in Path("/etc/passwd").read_text(), "the role changed the real /etc"

            # The PC asked while the role ran; the unit's first command waits for the technician.
            enrollment = wait_until(lambda: _pending(api), 30, "the PC's request listed")
            approved = api.post(f"/enrollments/{enrollment['id']}/approve", json={})
            assert approved.status_code == 200, approved.text
            assert driver.stdout.readline().strip() == "enrolled", (tmp_path / "enroll.log").read_text()
            wait_until(lambda: pc_status(api, PC) == "online", 60, "the installed agent online")
            assert (config / "agent.toml").is_file()
            assert _owner(tmp_path, config / "pc.crt") == "icafe-agent"
            (tmp_path / "stop").touch()
            assert driver.stdout.readline().strip() == "stopped"
            assert driver.wait(timeout=30) == 0
        finally:
            (tmp_path / "stop").touch()
            if driver.poll() is None:
                driver.send_signal(signal.SIGTERM)
                driver.wait(timeout=30)


def _pending(api: httpx.Client) -> dict[str, object] | None:
    for pc in api.get("/pcs", params={"status": "pending"}).json()["items"]:
        if pc["id"] == PC:
            found: dict[str, object] = pc["enrollment"]
            return found
    return None
