"""The login-limiting policy on a running hub, as a table of attempts from several addresses: a stack of its
own trusts X-Forwarded-For (one proxy), so each attempt says where it comes from, with small limits
(3 free failures per account and address, 8 per account an hour, 6 per address an hour)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from icafe.stack import LocalStack

from .conftest import ADMIN_PASSWORD, Staff, create_staff, login
from .own_stack import own_stack

FREE, ACCOUNT_CAP, ADDRESS_CAP = 3, 8, 6
RIGHT, WRONG = "right", "wrong"


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {
        "ICAFE_PROXIES_COUNT": "1",
        "ICAFE_LOGIN_FREE_FAILURES": str(FREE),
        "ICAFE_LOGIN_MAX_FAILURES": str(ACCOUNT_CAP),
        "ICAFE_LOGIN_IP_MAX_FAILURES": str(ADDRESS_CAP),
    }
    with own_stack(tmp_path_factory.mktemp("limits"), env) as local:
        yield local


@dataclass(frozen=True)
class Attempt:
    address: str
    user: str  # a key of the users fixture, or any unknown name
    password: str  # RIGHT or WRONG
    status: int
    code: str = ""  # the error code, or "mfa" for the second step


@pytest.fixture(scope="module")
def users(limited: LocalStack) -> dict[str, Staff]:
    owner = login(limited)
    people = {name: create_staff(limited, owner, "cashier") for name in ("pair", "capped", "sprayed")}
    people["manager"] = create_staff(limited, owner, "manager")  # with 2FA
    people["admin"] = Staff(limited, "admin", ADMIN_PASSWORD, "owner")  # without 2FA here
    return people


def attempt(stack: LocalStack, users: dict[str, Staff], step: Attempt) -> httpx.Response:
    known = users.get(step.user)
    username = known.username if known else step.user
    password = known.password if known and step.password == RIGHT else f"not-it-{uuid.uuid4().hex}"
    return httpx.post(
        f"{stack.api_url}/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": step.address},
        timeout=15,
    )


def play(stack: LocalStack, users: dict[str, Staff], steps: list[Attempt]) -> httpx.Response:
    last = None
    for number, step in enumerate(steps, 1):
        last = attempt(stack, users, step)
        body = last.json()
        code = "mfa" if body.get("mfa_required") else body.get("error", {}).get("code", "")
        assert (last.status_code, code) == (step.status, step.code), f"step {number}: {step} -> {last.text}"
    assert last is not None
    return last


def test_one_address_guessing_locks_out_only_itself(limited: LocalStack, users: dict[str, Staff]) -> None:
    play(
        limited,
        users,
        [
            *[Attempt("10.0.0.1", "pair", WRONG, 401, "invalid_credentials")] * FREE,
            # That address now waits, even with the right password...
            Attempt("10.0.0.1", "pair", RIGHT, 429, "rate_limited"),
            # ...but the account is not locked for anyone else.
            Attempt("10.0.0.2", "pair", RIGHT, 200),
        ],
    )


def test_the_account_cap_counts_every_address(limited: LocalStack, users: dict[str, Staff]) -> None:
    spread = [f"10.1.0.{i}" for i in range(1, 4)]
    wrong = [Attempt(spread[i % 3], "capped", WRONG, 401, "invalid_credentials") for i in range(ACCOUNT_CAP)]
    locked = play(limited, users, [*wrong, Attempt("10.1.0.9", "capped", RIGHT, 429, "rate_limited")])
    assert int(locked.headers["Retry-After"]) > 60  # the rest of the hour, from a fresh address too


def test_a_spraying_address_is_locked_out_but_second_factors_still_get_in(
    limited: LocalStack, users: dict[str, Staff]
) -> None:
    spray = [Attempt("10.2.0.1", f"ghost-{i}", WRONG, 401, "invalid_credentials") for i in range(ADDRESS_CAP)]
    waiting = play(
        limited,
        users,
        [
            *spray,
            # Locked out: without a second factor nobody gets in from there, right password or not, and the
            # answer does not tell which...
            Attempt("10.2.0.1", "admin", RIGHT, 429, "address_locked"),
            Attempt("10.2.0.1", "sprayed", RIGHT, 429, "address_locked"),
            Attempt("10.2.0.1", "sprayed", WRONG, 429, "address_locked"),
            # ...while the accounts are open from anywhere else.
            Attempt("10.2.0.2", "admin", RIGHT, 200),
            Attempt("10.2.0.2", "sprayed", RIGHT, 200),
            # A user with 2FA who mistypes there waits a short back-off (from the first failure)...
            Attempt("10.2.0.1", "manager", WRONG, 429, "address_locked"),
            Attempt("10.2.0.1", "manager", RIGHT, 429, "rate_limited"),
        ],
    )
    time.sleep(int(waiting.headers["Retry-After"]))
    # ...then gets in with the password and a valid code.
    step = play(limited, users, [Attempt("10.2.0.1", "manager", RIGHT, 200, "mfa")])
    manager = users["manager"]
    assert manager.phone is not None
    done = httpx.post(
        f"{limited.api_url}/api/v1/auth/login/2fa",
        json={"mfa_token": step.json()["mfa_token"], "code": manager.phone.code()},
        headers={"X-Forwarded-For": "10.2.0.1"},
        timeout=15,
    )
    assert done.status_code == 200, done.text
    assert done.json()["scope"] == "full"
