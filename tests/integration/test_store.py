"""The repository layer against the real driver and store (nx-27017, or MongoDB with
ICAFE_TEST_MONGO_URL): every operator the hub relies on, exercised."""

from __future__ import annotations

import uuid
from dataclasses import replace

from billing.ledger import Posting, transfer
from hub.store import CommandRecord, MemberRecord, StaffUser, Store
from hub.store.commands import CommandState
from hub.store.transactions import LedgerTransaction, TxKind
from protocol import CommandOutcome


async def test_pc_first_seen_is_kept_and_last_seen_moves(store: Store) -> None:
    await store.pcs.record_hello("pc-1", "main", 1000, {"hostname": "h1", "hardware": {"cpu_count": 4}})
    await store.pcs.record_seen("pc-1", "main", 2000)
    await store.pcs.record_hello("pc-1", "main", 3000, {"hostname": "h2", "hardware": {"cpu_count": 8}})
    pc = await store.pcs.get("pc-1")
    assert pc is not None
    assert (pc.first_seen, pc.last_seen, pc.hostname, pc.hardware) == (1000, 3000, "h2", {"cpu_count": 8})


async def test_latest_telemetry_of_many_pcs_in_one_bulk_write(store: Store) -> None:
    await store.pcs.record_telemetry(
        [
            ("pc-a", "main", 10, {"cpu_percent": 1.0}),
            ("pc-b", "branch", 11, {"cpu_percent": 2.0, "user": None}),
        ]
    )
    await store.pcs.record_telemetry([("pc-a", "main", 12, {"cpu_percent": 3.0})])
    a, b = await store.pcs.get("pc-a"), await store.pcs.get("pc-b")
    assert a is not None
    assert b is not None
    assert (a.first_seen, a.last_seen, a.telemetry) == (10, 12, {"cpu_percent": 3.0})
    assert b.telemetry == {"cpu_percent": 2.0, "user": None}


async def test_paging_filtering_and_lookup_by_ids(store: Store) -> None:
    for i in range(7):
        await store.pcs.record_seen(f"pc-{i}", "main" if i % 2 == 0 else "annex", i)
    page, total = await store.pcs.page(skip=2, limit=3)
    assert total == 7
    assert [pc.id for pc in page] == ["pc-2", "pc-3", "pc-4"]
    annex, annex_total = await store.pcs.page(site="annex")
    assert annex_total == 3
    assert {pc.site for pc in annex} == {"annex"}
    assert await store.pcs.ids(site="annex") == ["pc-1", "pc-3", "pc-5"]
    assert [pc.id for pc in await store.pcs.by_ids(["pc-5", "nope", "pc-0"])] == ["pc-5", "pc-0"]


async def test_telemetry_retention_prunes_only_old_samples(store: Store) -> None:
    samples = [{"_id": f"pc-1:{t}", "pc_id": "pc-1", "at": t, "cpu_percent": 1.0} for t in range(10)]
    assert await store.telemetry.insert_many(samples) == 10
    # A retried flush inserts nothing twice.
    assert (
        await store.telemetry.insert_many([*samples[:5], {"_id": "pc-1:99", "pc_id": "pc-1", "at": 99}]) == 1
    )
    assert await store.telemetry.count("pc-1") == 11
    assert await store.telemetry.prune(older_than_ms=5) == 5
    recent = await store.telemetry.recent("pc-1", limit=3)
    assert [s["at"] for s in recent] == [99, 9, 8]


def command(cid: str, at: int) -> CommandRecord:
    return CommandRecord(
        id=cid,
        pc_id="pc-1",
        type="lock",
        text=None,
        issued_by="admin",
        issued_at=at,
        expires_at=at + 10,
        state=CommandState.SENT,
    )


async def test_command_outcomes(store: Store) -> None:
    await store.commands.insert(command("c1", 1))
    await store.commands.insert(command("c2", 2))
    assert await store.commands.record_outcome("c1", "pc-1", CommandOutcome.DONE, "", 5)
    assert not await store.commands.record_outcome(
        "c1", "pc-1", CommandOutcome.FAILED, "again", 6
    )  # the first outcome stands
    assert not await store.commands.record_outcome(
        "c2", "pc-2", CommandOutcome.DONE, "", 7
    )  # another PC's acknowledgement changes nothing
    await store.commands.mark_unanswered("c2")
    assert await store.commands.record_outcome(
        "c2", "pc-1", CommandOutcome.DONE, "late", 30
    )  # a late ack still lands
    history, total = await store.commands.for_pc("pc-1")
    assert total == 2
    assert [(c.id, c.state, c.detail) for c in history] == [("c2", "done", "late"), ("c1", "done", "")]


async def test_usernames_are_unique(store: Store) -> None:
    user = StaffUser(
        id="u1", username="aziz", role="cashier", password_hash="h", disabled=False, created_at=1
    )
    assert await store.users.create(user)
    assert not await store.users.create(StaffUser(**{**user.__dict__, "id": "u2"}))
    found = await store.users.by_username("aziz")
    assert found is not None
    assert (found.id, found.username, found.role) == ("u1", "aziz", "cashier")
    assert await store.users.count() == 1


async def test_tariffs_and_groups_are_saved_under_their_ids(store: Store) -> None:
    from hub.store import PcGroup
    from protocol import RateWindowSpec, TariffSpec

    night = RateWindowSpec(name="night", start_minute=1320, end_minute=480, hourly_rate=5)
    tariff = TariffSpec(id="vip", name="VIP", hourly_rate=10, windows=[night])
    assert await store.tariffs.create(tariff, 1)
    assert not await store.tariffs.create(tariff, 2)
    await store.tariffs.save(tariff.model_copy(update={"hourly_rate": 20}), 3)
    assert (await store.tariffs.get("vip")) == tariff.model_copy(update={"hourly_rate": 20})
    await store.tariffs.save_group(PcGroup("vip-zone", "VIP zone", "vip"))
    await store.tariffs.save_group(PcGroup("vip-zone", "VIP room", "vip"))
    assert await store.tariffs.groups() == [PcGroup("vip-zone", "VIP room", "vip")]
    await store.pcs.record_seen("pc-9", "main", 1)
    assert await store.pcs.set_group("pc-9", "vip-zone")
    assert not await store.pcs.set_group("pc-none", "vip-zone")
    pc = await store.pcs.get("pc-9")
    assert pc is not None
    assert pc.group == "vip-zone"


async def test_member_claims_and_balances(store: Store) -> None:
    from hub.store import MemberRecord

    member = MemberRecord(id="m1", login="aziz", name="Aziz", secret_hash="h", created_at=1)
    assert await store.members.create(member)
    assert not await store.members.create(
        MemberRecord(id="m2", login="aziz", name="", secret_hash="h", created_at=1)
    )
    assert await store.members.claim_session("m1", "s1")
    assert not await store.members.claim_session("m1", "s2")
    await store.members.release_session("m1", "s2")  # not the holder: no effect
    assert (await store.members.get("m1")).active_session == "s1"  # type: ignore[union-attr]
    await store.members.release_session("m1", "s1")
    assert await store.members.claim_session("m1", "s3")
    cash, member = "cash:main", "member:m1"

    def tx(tx_id: str, idem: str, kind: TxKind, posting: Posting, at: int) -> LedgerTransaction:
        return LedgerTransaction(tx_id, idem, kind, "test", 1000, "UZS", "main", at, posting)

    credit = tx("t1", "k1", TxKind.ADJUSTMENT, transfer(cash, member, 1000), 1)
    assert (await store.ledger.post(credit)).created
    assert not (await store.ledger.post(replace(credit, id="t1b"))).created
    charge = tx("t2", "k2", TxKind.CHARGE, transfer(member, "revenue:time:main", 300), 3)
    assert (await store.ledger.post(charge)).created
    assert await store.ledger.balances([member, "member:nobody"]) == {member: 700, "member:nobody": 0}
    assert [tx.id for tx in await store.ledger.account_entries(member)] == ["t2", "t1"]


async def test_journal_prefix_and_gaps(store: Store) -> None:
    for seq in (1, 2, 4):
        assert await store.journals.insert("pc-1", "j" * 32, seq, {"type": "t", "data": {}, "at": seq})
    assert not await store.journals.insert("pc-1", "j" * 32, 2, {"type": "t", "data": {}, "at": 2})
    cursor = await store.journals.advance("pc-1", "j" * 32, 10)
    assert (cursor.acked, cursor.gap) == (2, (3, 3))
    await store.journals.insert("pc-1", "j" * 32, 3, {"type": "t", "data": {}, "at": 3})
    cursor = await store.journals.advance("pc-1", "j" * 32, 11)
    assert (cursor.acked, cursor.gap) == (4, None)


async def test_session_records_project_in_any_order(store: Store) -> None:
    from hub.store.sessions import SessionRecord, SessionState
    from protocol import SessionKind

    record = SessionRecord(
        id="s1",
        pc_id="pc-1",
        kind=SessionKind.PREPAID,
        state=SessionState.ACTIVE,
        created_at=1,
        tariff_id="standard",
    )
    assert await store.sessions.insert_if_absent(record)
    assert not await store.sessions.insert_if_absent(record)  # a redelivered offline start
    assert await store.sessions.record_ended("s1", {"ended_at": 9, "started_at": 2, "used_ms": 5, "cost": 1})
    await store.sessions.record_started("s1", {"started_at": 3})
    found = await store.sessions.get("s1")
    assert found is not None
    assert found.state is SessionState.ENDED  # the late "started" neither revives it nor moves its start
    assert (found.started_at, found.used_ms, found.cost) == (2, 5, 1)
    assert not await store.sessions.record_ended("s1", {"ended_at": 10})
    await store.sessions.add_flag("s1", "offline")
    await store.sessions.add_flag("s1", "offline")
    assert (await store.sessions.get("s1")).flags == ["offline"]  # type: ignore[union-attr]


async def test_extensions_ordered_one_after_another_are_kept_as_documents(store: Store) -> None:
    from hub.store.sessions import SessionRecord, SessionState
    from protocol import SessionKind

    record = SessionRecord(
        id="s-x",
        pc_id="pc-1",
        kind=SessionKind.PREPAID,
        state=SessionState.ACTIVE,
        created_at=1,
        tariff_id="t",
    )
    await store.sessions.insert(record)
    await store.sessions.order_extension("s-x", None, 30)
    await store.sessions.order_extension("s-x", 5_000, None)
    found = await store.sessions.get("s-x")
    assert found is not None
    assert found.ordered_limits == [
        {"budget": None, "prepaid_minutes": 30},
        {"budget": 5_000, "prepaid_minutes": None},
    ]
    # What an older hub's $push left on nx-27017 reads back as documents too:
    await store.db["sessions"].update_one({"_id": "s-x"}, {"$push": {"ordered_limits": {"budget": 1}}})
    again = await store.sessions.get("s-x")
    assert again is not None
    assert again.ordered_limits[-1] == {"budget": 1}


async def test_a_member_found_once_is_named_again_without_a_read(store: Store) -> None:
    """The money path resolves a member's id or login once: members are never removed and their ids and
    logins never change. One not found is not remembered: they may be created next."""
    assert await store.members.resolve_id("zarina") is None
    member = MemberRecord(uuid.uuid4().hex, "zarina", "Zarina", "x", 0)
    assert await store.members.create(member)
    assert await store.members.resolve_id("zarina") == member.id  # created since: found
    assert await store.members.exists(member.id)
    assert not await store.members.exists("zarina")  # a login is not an id
    await store.db["members"].delete_one({"_id": member.id})  # never done by icafe: shows no read
    assert await store.members.resolve_id("zarina") == member.id
    assert await store.members.exists(member.id)
    assert not await store.members.exists(uuid.uuid4().hex)
