"""The login-limiting policy (hub.security.limits.after_failure) as the README's table, row by row, and
the properties the table promises."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.security.limits import Failures, Locks, LoginPolicy, after_failure

POLICY = LoginPolicy(free=5, max_per_hour=50, ip_max_per_hour=200, max_backoff_s=900)

# (pair, account, address) failures within the hour, this one included → the locks it sets.
TABLE = [
    # The first failures of an account from an address cost nothing.
    ((1, 1, 1), Locks()),
    ((4, 4, 4), Locks()),
    # From the free-th on, that account from that address waits 1 s, 2 s, 4 s... at most 15 min.
    ((5, 5, 5), Locks(pair_s=1)),
    ((6, 6, 6), Locks(pair_s=2)),
    ((9, 9, 9), Locks(pair_s=16)),
    ((15, 15, 15), Locks(pair_s=900)),
    ((40, 40, 40), Locks(pair_s=900)),
    # Failures of the same account from other addresses never slow this address down...
    ((1, 30, 1), Locks()),
    # ...but at 50 from any addresses together the account locks for the rest of the hour.
    ((3, 50, 3), Locks(account=True)),
    ((5, 99, 5), Locks(pair_s=1, account=True)),
    # An address spraying across accounts: at 200 it is locked out (second factors only), and from it the
    # back-off starts at the first failure of each account; the accounts themselves stay open.
    ((1, 1, 199), Locks()),
    ((1, 1, 200), Locks(pair_s=1, address=True)),
    ((3, 3, 250), Locks(pair_s=4, address=True)),
    ((1, 50, 200), Locks(pair_s=1, account=True, address=True)),
]


@pytest.mark.parametrize(("counts", "locks"), TABLE, ids=[str(row[0]) for row in TABLE])
def test_the_policy_table(counts: tuple[int, int, int], locks: Locks) -> None:
    assert after_failure(POLICY, Failures(*counts)) == locks


def guesses_in_an_hour(policy: LoginPolicy) -> int:
    """How many passwords one address can try on one account in an hour, as fast as the back-off lets it."""
    at, tried = 0.0, 0
    while at < 3600:
        tried += 1
        at += after_failure(policy, Failures(tried, tried, tried)).pair_s or 0.001
    return tried


def test_one_address_alone_never_reaches_the_account_cap() -> None:
    # The README quotes this figure.
    assert guesses_in_an_hour(POLICY) == 17
    assert guesses_in_an_hour(POLICY) < POLICY.max_per_hour


@given(
    free=st.integers(1, 100),
    max_per_hour=st.integers(1, 100),
    ip_max=st.integers(1, 100_000),
    pair=st.integers(1, 10_000),
    account=st.integers(1, 10_000),
    address=st.integers(1, 100_000),
)
def test_locks_are_bounded_and_grow_with_failures(
    free: int, max_per_hour: int, ip_max: int, pair: int, account: int, address: int
) -> None:
    policy = LoginPolicy(free=free, max_per_hour=max_per_hour, ip_max_per_hour=ip_max)
    locks = after_failure(policy, Failures(pair, account, address))
    assert 0 <= locks.pair_s <= policy.max_backoff_s
    assert locks.account == (account >= max_per_hour)  # the hourly cap per account (at most 100)
    assert locks.address == (address >= ip_max)
    # One more failure never shortens the wait; a locked-out address never waits less than an open one.
    later = after_failure(policy, Failures(pair + 1, account + 1, address + 1))
    assert later.pair_s >= locks.pair_s
    opened = after_failure(policy, Failures(pair, account, min(address, ip_max - 1)))
    assert locks.pair_s >= opened.pair_s
