"""Agent updates end to end (README "Fleet updates"): real agent processes under their launcher
(``icafe agent-launcher --simulated``), releases built by ``icafe agent-package``'s builder, uploaded to the
hub and rolled out in rings; the agent checks each package's hash before it installs anything, and a new
version that does not come online is replaced by the previous one by the launcher itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge_agent import __version__ as RUNNING
from edge_agent.config import load_agent_config
from icafe.agent_package import build_package
from icafe.stack import LocalStack

from .conftest import ADMIN_CONFIRMATION, pc_status, start_launched_agent, wait_until

pytestmark = pytest.mark.integration

PCS = ("pc-fleet-1", "pc-fleet-2")
# A new version that fails to come online is replaced within this (a crash is seen at once).
TRIAL_S = 20
UPDATE_S = 30


@pytest.fixture(scope="module")
def releases(stack: LocalStack, token: str) -> Iterator[dict[str, Path]]:
    """Both PCs' agents running under their launchers, online; each PC's releases folder."""
    for pc_id in PCS:
        start_launched_agent(stack, pc_id, trial_s=TRIAL_S)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=15) as client:
        wait_until(lambda: all(pc_status(client, pc) == "online" for pc in PCS), 30, "both PCs online")
    yield {
        pc_id: load_agent_config(stack.agents_dir / pc_id / "agent.toml").state_dir / "releases"
        for pc_id in PCS
    }
    for pc_id in PCS:
        stack.supervisor.stop(f"agent-{pc_id}")


def upload(api: httpx.Client, version: str, data: bytes) -> dict[str, Any]:
    response = api.post(
        "/agent-releases",
        params={"version": version},
        content=data,
        headers={"Content-Type": "application/gzip"},
    )
    assert response.status_code == 201, response.text
    release: dict[str, Any] = response.json()
    return release


def roll_out(api: httpx.Client, version: str, ring: str, pc_id: str | None = None) -> dict[str, Any]:
    body = {"version": version, "ring": ring, "pc_id": pc_id, "confirmation": ADMIN_CONFIRMATION}
    response = api.post("/agent-rollouts", json=body)
    assert response.status_code == 201, response.text
    rollout: dict[str, Any] = response.json()
    return rollout


def settled(api: httpx.Client, rollout_id: str, pc_id: str, states: set[str]) -> dict[str, Any] | None:
    """The PC's entry in the rollout once it is in one of ``states``."""
    targets = api.get(f"/agent-rollouts/{rollout_id}").json()["targets"]
    target: dict[str, Any] = next(t for t in targets if t["pc_id"] == pc_id)
    return target if target["state"] in states else None


def agent_version(api: httpx.Client, pc_id: str) -> str | None:
    pc = api.get(f"/pcs/{pc_id}").json()
    return pc["agent_version"] if pc["status"] == "online" else None


def test_a_package_that_does_not_match_its_hash_is_refused(
    api: httpx.Client, stack: LocalStack, releases: dict[str, Path]
) -> None:
    release = upload(api, "9.0.0-tampered", build_package("9.0.0-tampered"))
    # The file changes on the hub's disk after the hub hashed it (a damaged disk, a tampered copy): same
    # size, other bytes.
    [stored] = (stack.data_dir / "agent-releases").glob("9.0.0-tampered-*.tar.gz")
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))

    rollout = roll_out(api, release["version"], "one", "pc-fleet-1")
    assert [t["pc_id"] for t in rollout["targets"]] == ["pc-fleet-1"]
    failed = wait_until(
        lambda: settled(api, rollout["id"], "pc-fleet-1", {"failed", "done", "installing"}),
        UPDATE_S,
        "refused",
    )
    assert failed["state"] == "failed", failed
    assert "sha256 mismatch" in failed["detail"]
    assert release["sha256"] in failed["detail"]
    # Nothing installed, nothing restarted: the same version runs, and no release was unpacked.
    assert agent_version(api, "pc-fleet-1") == RUNNING
    assert not (releases["pc-fleet-1"] / "9.0.0-tampered").exists()
    assert [p.name for p in releases["pc-fleet-1"].glob(".incoming*")] == []

    # A link altered by anyone (another PC, another version) is refused by the hub.
    url = f"/agent-releases/{release['version']}/package"
    assert api.get(url, params={"pc": "pc-fleet-1", "expires": 2**40, "sig": "0" * 64}).status_code == 403


def test_b_a_new_version_that_crashes_is_rolled_back_and_reported(
    api: httpx.Client, releases: dict[str, Path]
) -> None:
    crashing = build_package(
        "9.0.1-crash", {"edge_agent/__main__.py": "raise SystemExit('crashed on purpose')\n"}
    )
    upload(api, "9.0.1-crash", crashing)
    rollout = roll_out(api, "9.0.1-crash", "one", "pc-fleet-1")

    # The package was good: installed, then the launcher started it, saw it exit, and put the previous
    # version back by itself; that version came online and reported the failure in its hello.
    target = wait_until(
        lambda: settled(api, rollout["id"], "pc-fleet-1", {"rolled_back", "done", "failed"}),
        UPDATE_S,
        "rollback",
    )
    assert target["state"] == "rolled_back", target
    assert "9.0.1-crash exited with code 1 before it came online" in target["detail"]
    wait_until(lambda: agent_version(api, "pc-fleet-1") == RUNNING, UPDATE_S, "the previous version online")
    state = (releases["pc-fleet-1"] / "state.json").read_text()
    assert '"current":null' in state.replace(" ", "")
    assert '"trial":null' in state.replace(" ", "")


def test_c_a_good_version_goes_through_ring_one_then_all(
    api: httpx.Client, releases: dict[str, Path]
) -> None:
    upload(api, "9.1.0", build_package("9.1.0"))
    first = roll_out(api, "9.1.0", "one", "pc-fleet-1")
    done = wait_until(
        lambda: settled(api, first["id"], "pc-fleet-1", {"done", "failed", "rolled_back"}), UPDATE_S, "one"
    )
    assert done["state"] == "done", done
    # Its hello came first, its online status right after.
    wait_until(lambda: agent_version(api, "pc-fleet-1") == "9.1.0", UPDATE_S, "9.1.0 online")
    installed = releases["pc-fleet-1"] / "9.1.0"
    assert (installed / "edge_agent" / "__init__.py").is_file()
    # The package's 0644 and 0755 are not kept: the agent's user alone reads its code.
    assert {oct(path.stat().st_mode & 0o077) for path in installed.rglob("*")} == {"0o0"}

    # Ring "all": every online PC not on 9.1.0 yet; pc-fleet-1 is not sent it again.
    everyone = roll_out(api, "9.1.0", "all")
    targets = {t["pc_id"] for t in everyone["targets"]}
    assert "pc-fleet-2" in targets
    assert "pc-fleet-1" not in targets
    done = wait_until(
        lambda: settled(api, everyone["id"], "pc-fleet-2", {"done", "failed", "rolled_back"}), UPDATE_S, "all"
    )
    assert done["state"] == "done", done

    listing = api.get("/agent-rollouts").json()
    assert listing["items"][0]["id"] == everyone["id"]
    assert listing["fleet"]["versions"]["9.1.0"] >= 2
    assert listing["fleet"]["total"] == sum(listing["fleet"]["os"].values())
    # A version is one package for ever.
    again = api.post("/agent-releases", params={"version": "9.1.0"}, content=build_package("9.1.0"))
    assert again.status_code == 409
