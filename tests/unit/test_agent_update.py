"""The agent's update decisions (edge_agent.update): the package check before anything is installed, the
release pointer, and the launcher's choice to keep, restart or roll back."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.update import (
    EXIT_RESTART,
    Action,
    PackageCheck,
    ReleaseState,
    Trial,
    confirmed,
    decide,
    installed,
    kept,
    refusal,
    rolled_back,
)
from protocol import UpdateOrder, UpdateOutcome

TRIAL_S = 120.0


def order_for(data: bytes, version: str = "2.0.0") -> UpdateOrder:
    return UpdateOrder(
        version=version, url="http://hub/p", sha256=hashlib.sha256(data).hexdigest(), size=max(1, len(data))
    )


def check(order: UpdateOrder, chunks: list[bytes]) -> str | None:
    package = PackageCheck(order)
    for chunk in chunks:
        too_long = package.feed(chunk)
        if too_long is not None:
            return too_long
    return package.verdict()


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=2048), st.integers(min_value=1, max_value=512))
def test_the_announced_package_passes_in_any_chunks(data: bytes, chunk: int) -> None:
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    assert check(order_for(data), chunks) is None


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=2048), st.binary(min_size=1, max_size=2048))
def test_any_other_package_is_refused(announced: bytes, received: bytes) -> None:
    verdict = check(order_for(announced), [received])
    if received == announced:
        assert verdict is None
    else:
        assert verdict is not None
        assert "sha256 mismatch" in verdict or "bytes" in verdict


def test_a_package_of_the_right_size_and_wrong_bytes_is_refused_by_its_hash() -> None:
    verdict = check(order_for(b"the real agent"), [b"the fake agent"])
    assert verdict is not None
    assert verdict.startswith("sha256 mismatch")
    longer = check(order_for(b"agent"), [b"agent", b" and more"])
    assert longer == "package is larger than the announced 5 bytes"


def test_an_update_is_refused_for_the_running_version_or_during_a_trial() -> None:
    order = order_for(b"x")
    assert refusal(order, "1.0.0", ReleaseState()) is None
    assert refusal(order, "2.0.0", ReleaseState()) == "version 2.0.0 is already running"
    on_trial = ReleaseState(current="1.5.0", trial=Trial(version="1.5.0", previous=None, command_id="c0"))
    assert "still on trial" in (refusal(order, "1.0.0", on_trial) or "")


def test_install_confirm_and_roll_back_move_the_pointer() -> None:
    start = ReleaseState(current="1.0.0")
    trying = installed(start, "2.0.0", "c1")
    assert trying == ReleaseState(
        current="2.0.0", trial=Trial(version="2.0.0", previous="1.0.0", command_id="c1")
    )
    assert kept(start, "2.0.0") == {"1.0.0", "2.0.0"}
    # Only the version on trial confirms it.
    assert confirmed(trying, "1.0.0") == trying
    assert confirmed(trying, "2.0.0") == ReleaseState(current="2.0.0")
    back = rolled_back(trying, "version 2.0.0 exited with code 1", at_ms=7)
    assert back.current == "1.0.0"
    assert back.trial is None
    assert back.report is not None
    assert (back.report.version, back.report.command_id, back.report.outcome, back.report.at) == (
        "2.0.0",
        "c1",
        UpdateOutcome.ROLLED_BACK,
        7,
    )
    # From the agent installed with the system: a rollback goes back to it (no release current).
    assert rolled_back(installed(ReleaseState(), "2.0.0", "c2"), "x", 1).current is None
    # The next update clears the last report.
    assert installed(back, "2.0.1", "c3").report is None


@settings(max_examples=300)
@given(
    st.sampled_from([None, "1.0.0", "2.0.0"]),
    st.booleans(),
    st.one_of(st.none(), st.sampled_from([0, 1, 2, EXIT_RESTART, -15])),
    st.floats(min_value=0, max_value=1000),
)
def test_the_launcher_rolls_back_only_a_version_on_trial_that_failed(
    started: str | None, on_trial: bool, exit_code: int | None, elapsed: float
) -> None:
    state = (
        installed(ReleaseState(current="1.0.0"), "2.0.0", "c1") if on_trial else ReleaseState(current=started)
    )
    decision = decide(state, started, exit_code, elapsed, TRIAL_S)
    trial_of_this_one = on_trial and started == "2.0.0"
    failed = exit_code is not None or elapsed >= TRIAL_S
    if decision.action is Action.ROLL_BACK:
        assert trial_of_this_one
        assert failed
    elif trial_of_this_one:
        assert not failed
        assert decision.action is Action.WAIT
    else:
        # Not on trial: a running agent is left alone, one that exited is started again.
        assert decision.action is (Action.WAIT if exit_code is None else Action.RESTART)


def test_the_old_version_exiting_to_restart_after_installing_is_not_a_failed_trial() -> None:
    state = installed(ReleaseState(current="1.0.0"), "2.0.0", "c1")
    assert decide(state, "1.0.0", EXIT_RESTART, 3.0, TRIAL_S).action is Action.RESTART
    crashed = decide(state, "2.0.0", 1, 0.5, TRIAL_S)
    assert crashed.action is Action.ROLL_BACK
    assert crashed.reason == "version 2.0.0 exited with code 1 before it came online"
    silent = decide(state, "2.0.0", None, TRIAL_S, TRIAL_S)
    assert silent.action is Action.ROLL_BACK
    assert silent.reason == "version 2.0.0 did not come online within 120 s"
    assert decide(confirmed(state, "2.0.0"), "2.0.0", None, 10 * TRIAL_S, TRIAL_S).action is Action.WAIT
