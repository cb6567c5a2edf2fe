"""The staff-security repositories on the test stack's store (nx-27017, or MongoDB with
ICAFE_TEST_MONGO_URL): every MongoDB operator they rely on, exercised through them.

Operators covered: ``$set`` with ``$inc`` in one update, ``find_one_and_update`` returning the document
after, a compare-and-set filter, ``$pull`` with an array-contains filter, matching ``None`` against a null
and a missing field, ``update_many``, ``delete_many`` with ``$lt``, ``$exists``, ``$gt``/``$gte``/``$lte``
ranges, counts (the count command), sort/skip/limit on string ``_id``, and duplicate-key errors on ``_id``.
"""

from __future__ import annotations

import asyncio
import uuid

from hub.store import RefreshRecord, StaffUser, Store


def user(user_id: str, role: str = "cashier", **fields: object) -> StaffUser:
    return StaffUser(
        id=user_id,
        username=user_id,
        role=role,
        password_hash="h",
        disabled=False,
        created_at=1,
        **fields,  # type: ignore[arg-type]
    )


async def test_user_updates_bump_the_generation_and_compare_and_set(store: Store) -> None:
    users = store.users
    assert await users.create(user("u1", totp_pending="p1"))
    assert not await users.create(user("u1"))  # the username is unique
    after = await users.update("u1", {"disabled": True}, at_ms=5)
    assert after is not None
    assert (after.disabled, after.token_generation, after.updated_at) == (True, 1, 5)
    quiet = await users.update("u1", {"role": "manager"}, at_ms=6, end_sessions=False)
    assert quiet is not None
    assert quiet.token_generation == 1
    assert await users.generation("u1") == 1
    assert await users.generation("nobody") is None
    # Compare-and-set on the pending enrolment: the second activation finds it gone.
    assert (
        await users.update("u1", {"totp_pending": None}, at_ms=7, expect={"totp_pending": "p1"}) is not None
    )
    assert await users.update("u1", {"totp_pending": None}, at_ms=8, expect={"totp_pending": "p1"}) is None
    assert await users.update("nobody", {"disabled": True}, at_ms=9) is None


async def test_recovery_codes_are_spent_once_even_when_raced(store: Store) -> None:
    await store.users.create(user("u2", recovery_codes=("a", "b", "c")))
    results = await asyncio.gather(*(store.users.use_recovery_code("u2", "b") for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    assert not await store.users.use_recovery_code("u2", "zzz")
    remaining = await store.users.by_id("u2")
    assert remaining is not None
    assert remaining.recovery_codes == ("a", "c")


async def test_active_owner_count_and_paging(store: Store) -> None:
    for n in range(3):
        await store.users.create(user(f"o{n}", role="owner"))
    await store.users.update("o1", {"disabled": True}, at_ms=1)
    assert await store.users.count_active("owner") == 2
    page, total = await store.users.page(skip=1, limit=1)
    assert total == 3
    assert [u.username for u in page] == ["o1"]


def refresh(token_id: str, family: str, user_id: str = "u", expires_at: int = 10**13) -> RefreshRecord:
    return RefreshRecord(token_id, family, user_id, 0, 1, expires_at, 1, 10**13)


async def test_refresh_tokens_are_claimed_once_and_revoked_by_family_and_user(store: Store) -> None:
    tokens = store.refresh_tokens
    await tokens.insert(refresh("t1", "f1"))
    claims = await asyncio.gather(*(tokens.claim("t1", 100) for _ in range(5)))
    assert sum(1 for c in claims if c is not None) == 1  # matched used_at: None exactly once
    spent = await tokens.get("t1")
    assert spent is not None
    assert spent.used_at == 100
    await tokens.insert(refresh("t2", "f1"))
    await tokens.insert(refresh("t3", "f2"))
    await tokens.insert(refresh("t4", "f3", user_id="other"))
    assert await tokens.revoke_family("f1") == 2
    assert await tokens.claim("t2", 101) is None  # revoked
    assert await tokens.family_live("f2")
    assert await tokens.revoke_user("u") == ["f2"]
    assert not await tokens.family_live("f2")
    assert await tokens.family_live("f3")


async def test_expired_refresh_tokens_are_pruned(store: Store) -> None:
    await store.refresh_tokens.insert(refresh("old", "f", expires_at=50))
    await store.refresh_tokens.insert(refresh("new", "f", expires_at=500))
    assert await store.refresh_tokens.prune(100) == 1
    assert await store.refresh_tokens.get("old") is None
    assert await store.refresh_tokens.get("new") is not None


async def test_audit_sequence_past_ten_and_filters(store: Store) -> None:
    audit = store.audit
    for n in range(12):

        def build(seq: int, prev: str, n: int = n) -> dict[str, object]:
            return {
                "seq": seq,
                "prev": prev,
                "hash": f"h{seq}",
                "at": 1000 + n,
                "actor": "a" if n % 2 else "b",
                "action": "x",
                "outcome": "success" if n < 6 else "failure",
            }

        await audit.append([build])
    head = await audit.head()
    assert head is not None
    assert head["seq"] == 12  # "10" must not sort before "9"
    assert [e["seq"] async for e in audit.entries(after_seq=9)] == [10, 11, 12]
    page, total = await audit.page(actor="a", outcome="failure", skip=1, limit=2)
    assert total == 3  # n = 7, 9, 11
    assert [e["seq"] for e in page] == [10, 8]
    ranged, count = await audit.page(since_ms=1003, until_ms=1005)
    assert count == 3
    assert [e["seq"] for e in ranged] == [6, 5, 4]


async def test_racing_audit_writers_get_distinct_sequence_numbers(store: Store) -> None:
    def build(seq: int, prev: str) -> dict[str, object]:
        return {"seq": seq, "prev": prev, "hash": f"h{seq}-{uuid.uuid4().hex}"}

    appended = await asyncio.gather(*(store.audit.append([build]) for _ in range(20)))
    written = [entry for stored, _ in appended for entry in stored]
    assert sorted(int(str(e["seq"])) for e in written) == list(range(1, 21))
    links = {int(str(e["seq"])): e for e in written}
    for seq in range(2, 21):
        assert links[seq]["prev"] == links[seq - 1]["hash"]  # one chain, no fork


async def test_rewrite_field_for_key_rotation(store: Store) -> None:
    await store.users.create(user("r1", totp_secret="enc:v1:old:aaa"))
    await store.users.create(user("r2", totp_secret="enc:v1:new:bbb"))
    await store.users.create(user("r3"))  # no secret: null

    def rewrite(record_id: object, value: str) -> str | None:
        return value.replace(":old:", ":new:") if ":old:" in value else None

    seen, rewritten = await store.rewrite_field("staff_users", "totp_secret", rewrite)
    assert (seen, rewritten) == (2, 1)
    first = await store.users.by_id("r1")
    assert first is not None
    assert first.totp_secret == "enc:v1:new:aaa"
