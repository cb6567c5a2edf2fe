"""The lock screen's login limits (hub.mqtt.login_limits): the policy table and the guessing budget the
README states."""

from __future__ import annotations

import pytest

from hub.mqtt.login_limits import MEMBER_POLICY, PC_POLICY, LimitPolicy


@pytest.mark.parametrize(
    ("policy", "table_s"),
    [
        # failures counted: 0..4 free, then 1 min doubling to the 1 h cap
        (MEMBER_POLICY, [0, 0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600]),
        # 0..9 free, then 30 s doubling to the 15 min cap
        (PC_POLICY, [0] * 10 + [30, 60, 120, 240, 480, 900]),
    ],
)
def test_the_policy_table(policy: LimitPolicy, table_s: list[int]) -> None:
    assert [ms // 1000 for ms in policy.table_ms()] == table_s
    assert [policy.delay_s(f) for f in range(len(table_s) + 5)] == table_s + [table_s[-1]] * 5


def test_the_guessing_budget() -> None:
    # A member: 10 tries in the first hour, then one an hour: 33 in a day, ~5,000 to hit a 4-digit PIN
    # on average, i.e. about 150 days, from any number of PCs.
    assert MEMBER_POLICY.attempts_within(3600) == 10
    assert MEMBER_POLICY.attempts_within(86_400) == 33
    # A PC: 17 tries in the first hour, then 4 an hour (~100 a day), across all the members it tries.
    assert PC_POLICY.attempts_within(3600) == 17
    assert PC_POLICY.attempts_within(86_400) == 109


def test_no_delay_is_negative_and_the_cap_holds() -> None:
    for policy in (MEMBER_POLICY, PC_POLICY):
        delays = [policy.delay_s(f) for f in range(200)]
        assert all(0 <= d <= policy.max_delay_s for d in delays)
        assert delays == sorted(delays)
