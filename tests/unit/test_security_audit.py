"""The audit chain: canonical hashing, verification of every kind of tampering, redaction of secrets."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.security.audit import entry_hash, sanitize, verify_chain
from hub.store.audit import GENESIS_HASH, entry_key


def chain(length: int) -> list[dict[str, Any]]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, length + 1):
        entry: dict[str, Any] = {
            "_id": entry_key(seq),
            "seq": seq,
            "at": 1_800_000_000_000 + seq,
            "actor": "alice",
            "actor_id": "u1",
            "actor_role": "owner",
            "action": "money.refund",
            "target": f"payment:{seq}",
            "outcome": "success",
            "reason": "customer left early",
            "details": {"amount": 500 * seq, "currency": "EUR", "tags": ["a", "b"]},
            "ip": "10.0.0.5",
            "hub": "hub-1",
            "prev": prev,
        }
        entry["hash"] = entry_hash(entry)
        prev = entry["hash"]
        entries.append(entry)
    return entries


async def stream(entries: list[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    for entry in entries:
        yield entry


async def test_an_intact_chain_verifies() -> None:
    entries = chain(5)
    report = await verify_chain(stream(entries))
    assert report.ok, report.problems
    assert report.entries == 5
    assert report.head_hash == entries[-1]["hash"]
    assert (await verify_chain(stream([]))).ok


def test_the_hash_does_not_depend_on_key_order() -> None:
    entry = chain(1)[0]
    reordered = dict(reversed(list(entry.items())))
    assert entry_hash(reordered) == entry_hash(entry)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: e[2].__setitem__("outcome", "failure"),
        lambda e: e[2]["details"].__setitem__("amount", 1),
        lambda e: e[2].__setitem__("actor", "bob"),
        lambda e: e[2].__setitem__("at", e[2]["at"] + 1),
        lambda e: e.pop(2),  # deleted from the middle
        lambda e: e.insert(2, copy.deepcopy(e[1])),  # duplicated
        lambda e: e[2].__setitem__("hash", entry_hash(e[2] | {"outcome": "failure"})),  # re-hashed alone
    ],
    ids=["outcome", "details", "actor", "time", "deleted", "inserted", "rehashed"],
)
async def test_every_kind_of_tampering_is_detected(tamper: Any) -> None:
    entries = chain(5)
    tamper(entries)
    report = await verify_chain(stream(entries))
    assert not report.ok


async def test_an_edited_entry_rehashed_with_its_successors_still_breaks_at_the_key() -> None:
    # Rewriting the whole tail consistently needs the entries' keys to stay in step with their numbers.
    entries = chain(3)
    entries[1]["seq"] = 7
    report = await verify_chain(stream(entries))
    assert not report.ok


def test_secrets_are_redacted_from_details() -> None:
    clean = sanitize(
        {
            "password": "hunter2",
            "new_password": "x",
            "refresh_token": "abc",
            "totp": "123456",
            "code": "123456",
            "nested": {"mfa_token": "t", "amount": 5, "client_secret": "s"},
            "currency_code": "EUR",
            "$where": 1,
            "a.b": 2,
        }
    )
    assert clean["password"] == clean["new_password"] == clean["refresh_token"] == "[redacted]"
    assert clean["totp"] == clean["code"] == "[redacted]"
    assert clean["nested"] == {"mfa_token": "[redacted]", "amount": 5, "client_secret": "[redacted]"}
    assert clean["currency_code"] == "EUR"
    assert clean["where"] == 1  # no Mongo operators as keys
    assert clean["a_b"] == 2


def test_sanitize_makes_values_json_safe() -> None:
    assert sanitize({"t": (1, 2), "s": {3}, "f": float("nan"), "o": object})["t"] == [1, 2]
    assert sanitize("x" * 5000) == "x" * 2000
