"""The hub's rules for agent rollouts (hub.fleet): which PCs a ring takes, each PC's state, the fleet's
versions and the signed download links."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.fleet import (
    FleetPc,
    Ring,
    RingError,
    TargetState,
    download_allowed,
    download_signature,
    fleet_summary,
    ring_targets,
    target_state,
)
from hub.store import CommandRecord, PcRecord
from hub.store.commands import CommandState

NEW = "2.0.0"
OLD = "1.0.0"

fleets = st.lists(
    st.builds(
        FleetPc,
        id=st.from_regex(r"pc-[0-9]{1,3}", fullmatch=True),
        version=st.sampled_from([OLD, NEW, None]),
        online=st.booleans(),
    ),
    max_size=60,
    unique_by=lambda pc: pc.id,
)


@settings(max_examples=200)
@given(fleets, st.sampled_from([Ring.TENTH, Ring.ALL]))
def test_a_ring_sends_only_to_online_pcs_not_on_the_version_yet(fleet: list[FleetPc], ring: Ring) -> None:
    targets, left_out = ring_targets(fleet, NEW, ring)
    by_id = {pc.id: pc for pc in fleet}
    assert all(by_id[t].online and by_id[t].version != NEW for t in targets)
    assert all(not by_id[p].online and by_id[p].version != NEW for p in left_out)
    assert len(set(targets)) == len(targets)
    assert not set(targets) & set(left_out)


@settings(max_examples=200)
@given(fleets)
def test_all_takes_every_pc_behind_and_ten_percent_a_tenth_of_the_fleet(fleet: list[FleetPc]) -> None:
    everyone, everyone_offline = ring_targets(fleet, NEW, Ring.ALL)
    assert set(everyone) | set(everyone_offline) == {pc.id for pc in fleet if pc.version != NEW}
    tenth, tenth_offline = ring_targets(fleet, NEW, Ring.TENTH)
    # The canaries are among everyone, and with those already updated they make at most a tenth.
    assert set(tenth) <= set(everyone)
    on_new = sum(pc.version == NEW for pc in fleet)
    assert len(tenth) + len(tenth_offline) <= max(0, max(1, math.ceil(len(fleet) / 10)) - on_new)
    # The next 10 % after the first went through takes other PCs: the ring grows, never repeats itself.
    updated = [FleetPc(pc.id, NEW if pc.id in tenth else pc.version, pc.online) for pc in fleet]
    again, _ = ring_targets(updated, NEW, Ring.TENTH)
    assert not set(again) & set(tenth)


def test_ten_percent_of_sixty_pcs_is_six_the_same_six_each_time() -> None:
    fleet = [FleetPc(f"pc-{i:03d}", OLD, True) for i in range(60)]
    first, _ = ring_targets(fleet, NEW, Ring.TENTH)
    assert len(first) == 6
    assert ring_targets(list(reversed(fleet)), NEW, Ring.TENTH)[0] == first
    # A single PC: a tenth of it is still one PC.
    assert len(ring_targets(fleet[:1], NEW, Ring.TENTH)[0]) == 1


def test_ring_one_takes_the_named_pc_or_the_first_canary_online() -> None:
    fleet = [FleetPc("pc-a", OLD, True), FleetPc("pc-b", OLD, False), FleetPc("pc-c", NEW, True)]
    assert ring_targets(fleet, NEW, Ring.ONE, "pc-a") == (["pc-a"], [])
    assert ring_targets(fleet, NEW, Ring.ONE) == (["pc-a"], [])
    for pc_id, why in (("pc-b", "offline"), ("pc-c", "already runs"), ("pc-x", "no PC")):
        with pytest.raises(RingError, match=why):
            ring_targets(fleet, NEW, Ring.ONE, pc_id)
    with pytest.raises(RingError, match="only with the ring 'one'"):
        ring_targets(fleet, NEW, Ring.ALL, "pc-a")


def command(state: CommandState, detail: str = "") -> CommandRecord:
    return CommandRecord(
        id="c1",
        pc_id="pc-a",
        type="update",
        text=None,
        issued_by="tech",
        issued_at=1_000,
        expires_at=3_000,
        state=state,
        detail=detail,
    )


def pc(version: str | None, update: dict[str, object] | None = None) -> PcRecord:
    return PcRecord(
        id="pc-a",
        site="main",
        first_seen=1,
        last_seen=2,
        hostname=None,
        agent_version=version,
        os="Linux",
        hardware={},
        telemetry=None,
        update=update,
    )


def test_each_pc_state_follows_its_command_then_what_it_reports() -> None:
    assert target_state(NEW, "c1", None, pc(OLD))[0] is TargetState.PENDING
    assert target_state(NEW, "c1", command(CommandState.SENT), pc(OLD))[0] is TargetState.PENDING
    assert target_state(NEW, "c1", command(CommandState.TIMEOUT), pc(OLD))[0] is TargetState.PENDING
    assert target_state(NEW, "c1", command(CommandState.DONE), pc(OLD))[0] is TargetState.INSTALLING
    refused = target_state(NEW, "c1", command(CommandState.FAILED, "sha256 mismatch: ..."), pc(OLD))
    assert refused == (TargetState.FAILED, "sha256 mismatch: ...")
    assert target_state(NEW, "c1", command(CommandState.REJECTED), pc(OLD))[0] is TargetState.FAILED
    assert target_state(NEW, "c1", command(CommandState.UNDELIVERED), pc(OLD))[0] is TargetState.FAILED
    assert target_state(NEW, "c1", command(CommandState.DONE), pc(NEW))[0] is TargetState.DONE
    report = {
        "version": NEW,
        "command_id": "c1",
        "outcome": "rolled_back",
        "detail": "exited with code 1",
        "at": 2,
    }
    rolled = target_state(NEW, "c1", command(CommandState.DONE), pc(OLD, report))
    assert rolled == (TargetState.ROLLED_BACK, "exited with code 1")
    # A report of another update (an earlier rollout's) is not this one's outcome, whatever the clocks say.
    earlier = {**report, "command_id": "c0"}
    assert target_state(NEW, "c1", command(CommandState.DONE), pc(OLD, earlier))[0] is TargetState.INSTALLING


def test_the_fleet_is_counted_by_version_os_and_hardening() -> None:
    strong = {"grade": "strong", "checks": []}
    pcs = [pc(OLD), pc(NEW), pc(NEW), pc(None)]
    pcs[1] = PcRecord(**{**pcs[1].__dict__, "hardening": strong})
    summary = fleet_summary(pcs)
    assert summary == {
        "total": 4,
        "versions": {OLD: 1, NEW: 2, "unknown": 1},
        "os": {"Linux": 4},
        "hardening": {"unknown": 3, "strong": 1},
    }


def test_a_download_link_is_bound_to_its_release_pc_and_time() -> None:
    secret = "s" * 48
    signature = download_signature(secret, NEW, "pc-a", 5_000)
    assert download_allowed(secret, NEW, "pc-a", 5_000, signature, now=4_999)
    assert not download_allowed(secret, NEW, "pc-a", 5_000, signature, now=5_001)
    assert not download_allowed(secret, NEW, "pc-b", 5_000, signature, now=1)
    assert not download_allowed(secret, OLD, "pc-a", 5_000, signature, now=1)
    assert not download_allowed(secret, NEW, "pc-a", 9_000, signature, now=1)
    assert not download_allowed("t" * 48, NEW, "pc-a", 5_000, signature, now=1)
