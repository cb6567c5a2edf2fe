"""The ledger repository and money service under concurrency, on the real driver and store (nx-27017, or
MongoDB with ICAFE_TEST_MONGO_URL): sequences claimed by unique inserts never fork, never leave gaps and
never let a balance, a refund or a session's payments pass their limit."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest
from redis.asyncio import Redis

from billing.ledger import (
    AccountKind,
    CapExceeded,
    InsufficientFunds,
    Posting,
    branch_account,
    member_account,
    revenue_account,
    transfer,
    voucher_account,
)
from hub.errors import Refused
from hub.live import LiveState
from hub.money.requests import PaymentRequest, RefundRequest
from hub.money.service import MoneyService
from hub.money.verify import verify_ledger
from hub.security.crypto import FieldCipher, generate_key, parse_keys
from hub.sessions.defaults import DEFAULT_TARIFF
from hub.store import BranchRecord, Store, open_store
from hub.store.ledger import CapClaim, LedgerRepository
from hub.store.members import MemberRecord
from hub.store.sessions import SessionRecord, SessionState
from hub.store.shifts import ShiftRecord
from hub.store.transactions import LedgerTransaction, Position, Slot, TxKind
from icafe.stack import LocalStack
from icafe.supervisor import free_port
from protocol import SessionKind

from .conftest import DESK, guest_session

CASH = branch_account(AccountKind.CASH, "main")
SALES = revenue_account("products", "main")
STAFF = DESK  # the cashier with a shift open (the ``money`` fixture)


def replicas(store: Store, count: int = 5) -> list[LedgerRepository]:
    """Ledger repositories as separate hub replicas would have them: one collection, no shared locks,
    so their writes really race and only the unique claims keep them apart."""
    return [LedgerRepository(store.db["ledger"]) for _ in range(count)]


def tx(posting: Posting, kind: TxKind = TxKind.PAYMENT, *, at: int = 0) -> LedgerTransaction:
    made = LedgerTransaction.new(
        kind,
        idem=f"test:{uuid.uuid4().hex}",
        purpose="test",
        amount=abs(posting.lines[0].amount),
        currency="UZS",
        branch="main",
        posting=posting,
    )
    return replace(made, at=at)


async def test_fifty_concurrent_receipts_are_numbered_without_gaps(store: Store) -> None:
    hubs = replicas(store)
    results = await asyncio.gather(
        *(hubs[i % 5].post(tx(transfer(CASH, SALES, 100)), receipt_branch="main") for i in range(50))
    )
    assert sorted(r.transaction.receipt_no or 0 for r in results) == list(range(1, 51))
    other = await store.ledger.post(tx(transfer(CASH, SALES, 5)), receipt_branch="annex")
    assert other.transaction.receipt_no == 1  # numbered per branch


async def test_concurrent_spends_never_take_a_balance_below_zero(store: Store) -> None:
    member = member_account("m1")
    await store.ledger.post(tx(transfer(CASH, member, 200)))

    hubs = replicas(store)

    async def spend(i: int) -> bool:
        try:
            await hubs[i % 5].post(tx(transfer(member, SALES, 30)))
        except InsufficientFunds:
            return False
        return True

    outcomes = await asyncio.gather(*(spend(i) for i in range(20)))
    assert outcomes.count(True) == 6  # 6 x 30 = 180; a seventh would need 210
    assert await store.ledger.balance(member) == 20
    report = await verify_ledger(store.ledger.scan())
    assert report.ok, report.problems


async def test_a_capped_sequence_admits_exactly_its_limit_under_concurrency(store: Store) -> None:
    hubs = replicas(store)

    async def refund(i: int) -> bool:
        try:
            await hubs[i % 5].post(
                tx(transfer(SALES, CASH, 10), TxKind.REFUND), cap=CapClaim("refund:p", 95, 10)
            )
        except CapExceeded:
            return False
        return True

    outcomes = await asyncio.gather(*(refund(i) for i in range(20)))
    assert outcomes.count(True) == 9
    assert await store.ledger.capped_sum("refund:p") == 90


async def test_one_key_posted_ten_times_at_once_is_one_transaction(store: Store) -> None:
    member = member_account("m2")
    one = tx(transfer(CASH, member, 500))
    hubs = replicas(store)
    results = await asyncio.gather(*(hubs[i % 5].post(one, receipt_branch="main") for i in range(10)))
    assert [r.created for r in results].count(True) == 1
    assert {r.transaction.id for r in results} == {one.id}
    assert await store.ledger.balance(member) == 500


async def test_copies_whose_key_was_checked_get_the_first_answer_even_when_it_spent_what_they_need(
    store: Store,
) -> None:
    """``key_checked`` (the caller looked the key up just before): ten copies of a spend of the whole
    balance, and of a refund of the whole cap, on five replicas at once: one transaction each, and every
    copy answered with it, none refused for the balance or the cap its own first copy used up."""
    member = member_account(f"m-{uuid.uuid4().hex[:6]}")
    await store.ledger.post(tx(transfer(CASH, member, 300)))
    spend = tx(transfer(member, SALES, 300))
    refund = tx(transfer(SALES, CASH, 95), TxKind.REFUND)
    cap = CapClaim(f"refund:{uuid.uuid4().hex[:6]}", 95, 95)
    hubs = replicas(store)
    spent, refunded = await asyncio.gather(
        asyncio.gather(
            *(hubs[i % 5].post(spend, receipt_branch="main", key_checked=True) for i in range(10))
        ),
        asyncio.gather(*(hubs[i % 5].post(refund, cap=cap, key_checked=True) for i in range(10))),
    )
    for results, one in ((spent, spend), (refunded, refund)):
        assert [r.created for r in results].count(True) == 1
        assert {r.transaction.id for r in results} == {one.id}
    assert await store.ledger.balance(member) == 0
    assert await store.ledger.capped_sum(cap.key) == 95


async def test_a_replica_whose_remembered_heads_another_moved_reads_them_again(store: Store) -> None:
    """Each replica remembers the heads it wrote last (one insert per post); when another replica moved a
    sequence since, a spend is judged on the balance as it is, and a receipt takes the next free number."""
    member = member_account(f"m-{uuid.uuid4().hex[:6]}")
    branch = f"b-{uuid.uuid4().hex[:6]}"
    first, second = replicas(store, 2)
    await first.post(tx(transfer(CASH, member, 100)), receipt_branch=branch)  # first remembers 100
    await second.post(tx(transfer(CASH, member, 200)), receipt_branch=branch)  # the balance is 300
    # The first remembers less than there is: the spend is not refused on what it remembers.
    spent = await first.post(tx(transfer(member, SALES, 250)), receipt_branch=branch)
    assert spent.transaction.positions[Slot.MEMBER] == Position(member, 3, 50)
    # The second remembers more than there is: its spend meets the first's claim and is judged again.
    with pytest.raises(InsufficientFunds):
        await second.post(tx(transfer(member, SALES, 100)), receipt_branch=branch)
    topped = await second.post(tx(transfer(CASH, member, 25)), receipt_branch=branch)
    assert topped.transaction.positions[Slot.MEMBER] == Position(member, 4, 75)
    numbers = [
        (await hub.post(tx(transfer(CASH, SALES, 1)), receipt_branch=branch)).transaction.receipt_no
        for hub in (first, first, second, first)
    ]
    assert numbers == [5, 6, 7, 8]  # 1-4 above: no gap, none twice
    assert await store.ledger.balance(member) == 75
    report = await verify_ledger(store.ledger.scan())
    assert report.ok, report.problems


async def test_entries_of_an_account_are_found_newest_first(store: Store) -> None:
    member = member_account("m3")
    for at, amount in ((1, 100), (2, 50)):
        await store.ledger.post(tx(transfer(CASH, member, amount), at=at))
    await store.ledger.post(tx(transfer(CASH, member_account("other"), 7), at=3))
    entries = await store.ledger.account_entries(member)
    assert [e.amount for e in entries] == [50, 100]


async def test_a_postpaid_session_is_paid_once_however_many_cashiers_try(
    store: Store, money: MoneyService
) -> None:
    session = SessionRecord(
        id="s-post",
        pc_id="pc-7",
        kind=SessionKind.POSTPAID,
        state=SessionState.ACTIVE,
        created_at=0,
        tariff_id="standard",
    )
    await store.sessions.insert(session)
    await store.sessions.record_ended(
        session.id,
        {
            "ended_at": 1,
            "end_reason": "stopped",
            "used_ms": 3_600_000,
            "started_at": 0,
            "cost": 1_200_000,
            "agent_cost": 1_200_000,
        },
    )
    request = PaymentRequest(purpose="session", method="cash", session_id=session.id)

    async def attempt() -> str:
        try:
            await money.pay(request, STAFF, uuid.uuid4().hex)
        except Refused as refused:
            return refused.code
        return "paid"

    outcomes = await asyncio.gather(*(attempt() for _ in range(8)))
    assert outcomes.count("paid") == 1
    assert set(outcomes) - {"paid"} <= {"already_paid", "overpayment"}
    assert await store.ledger.capped_sum(f"session:{session.id}") == 1_200_000
    with pytest.raises(Refused) as again:
        await money.pay(request.model_copy(update={"amount": 1}), STAFF, uuid.uuid4().hex)
    assert again.value.code == "already_paid"


async def test_a_member_session_is_charged_once_and_never_below_zero(
    store: Store, money: MoneyService
) -> None:
    await money.adjust("m4", 1_000, reason="credit", key="m4-credit", staff="t")
    charges = await asyncio.gather(*(money.charge_session("sess-4", "m4", 1_500, "main") for _ in range(5)))
    assert len({c.id for c in charges if c}) == 1
    assert await money.balance("m4") == 0
    assert await store.ledger.balance(branch_account(AccountKind.UNCOLLECTED, "main")) == 500
    assert await store.ledger.balance(revenue_account("time", "main")) == 1_500


async def test_balances_from_before_the_ledger_are_imported_once(stack: LocalStack) -> None:
    name = f"icafe_legacy_{uuid.uuid4().hex[:8]}"
    first = await open_store(stack.mongo_url, name)
    try:
        await first.db["balance_entries"].insert_many(
            [
                {
                    "_id": "demo-credit:a",
                    "member_id": "a",
                    "amount": 5_000,
                    "reason": "demo credit",
                    "ref": "demo",
                    "at": 1,
                },
                {
                    "_id": "session:s1",
                    "member_id": "a",
                    "amount": -1_200,
                    "reason": "session",
                    "ref": "s1",
                    "at": 2,
                },
            ]
        )
        await first.close()
        for imported in (2, 0):  # a second start imports nothing twice
            reopened = await open_store(stack.mongo_url, name)
            assert await reopened.import_legacy_balances("UZS") == imported
            assert await reopened.ledger.balance(member_account("a")) == 3_800
            await reopened.close()
    finally:
        cleanup = await open_store(stack.mongo_url, name)
        await cleanup.client.drop_database(name)
        await cleanup.close()


async def test_a_voucher_lost_to_a_crash_after_its_sale_comes_back_on_the_retry(
    store: Store, money: MoneyService
) -> None:
    sale = PaymentRequest(purpose="voucher", method="cash", amount=5_000)
    first = await money.pay(sale, STAFF, "voucher-key-1")
    # The hub died between the ledger insert and the voucher record:
    await store.db["vouchers"].delete_one({"payment_id": first.transaction.id})
    retried = await money.pay(sale, STAFF, "voucher-key-1")
    assert (retried.created, retried.transaction.id) == (False, first.transaction.id)
    voucher = await store.vouchers.by_payment(first.transaction.id)
    assert voucher is not None
    assert await store.ledger.balance(voucher_account(voucher.id)) == 5_000


async def test_a_prepaid_guest_pays_the_price_of_the_minutes_bought_and_more_after_an_extension(
    store: Store, money: MoneyService
) -> None:
    await store.tariffs.create(DEFAULT_TARIFF, 0)
    session = guest_session("s-pre", SessionKind.PREPAID, prepaid_minutes=30)  # at noon: 12 000 so'm an hour
    await store.sessions.insert(session)
    request = PaymentRequest(purpose="session", method="cash", session_id=session.id)
    first = await money.pay(request, STAFF, uuid.uuid4().hex)
    assert first.transaction.amount == 600_000  # half an hour: 6 000 so'm
    with pytest.raises(Refused) as paid:
        await money.pay(request, STAFF, uuid.uuid4().hex)
    assert paid.value.code == "already_paid"
    await store.sessions.record_extended(session.id, None, 60)
    with pytest.raises(Refused) as too_much:
        await money.pay(request.model_copy(update={"amount": 600_001}), STAFF, uuid.uuid4().hex)
    assert too_much.value.code == "overpayment"
    second = await money.pay(request, STAFF, uuid.uuid4().hex)
    assert second.transaction.amount == 600_000  # the extension's half hour
    assert await store.ledger.capped_sum(f"session:{session.id}") == 1_200_000
    assert await money.session_paid(session.id) == 1_200_000
    refund = RefundRequest(amount=200_000, reason="the PC froze for ten minutes")
    await money.refund(second.transaction.id, refund, STAFF, uuid.uuid4().hex)
    assert await money.session_paid(session.id) == 1_000_000  # what the cafe kept


async def test_a_payment_stands_when_the_live_feed_is_down(stack: LocalStack, store: Store) -> None:
    await store.branches.create_if_missing(BranchRecord(id="main", name="Store test"))
    await store.shifts.open(ShiftRecord("shift-2", "main", STAFF.user_id, STAFF.username, 0, 0))
    unreachable = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    money = MoneyService(store, LiveState(unreachable), FieldCipher(parse_keys(generate_key("s2"))), "main")
    await store.members.create(MemberRecord("m9", "m9", "", "x", 0))
    await money.adjust("m9", 1, reason="open", key="m9-open", staff="t")
    paid = await money.pay(
        PaymentRequest(purpose="topup", method="cash", amount=700, member_id="m9"), STAFF, "live-down-1"
    )
    assert paid.created
    assert await money.balance("m9") == 701
    await unreachable.aclose()


async def test_guest_sessions_a_cashier_started_but_did_not_take_money_for_stand_out(
    store: Store, money: MoneyService
) -> None:
    await store.tariffs.create(DEFAULT_TARIFF, 0)
    noon = 1_795_590_000_000  # the day rate: 12 000 so'm an hour

    async def session(
        session_id: str, kind: str, state: str, *, by: str = STAFF.username, at: int = noon
    ) -> None:
        record = guest_session(
            session_id,
            SessionKind(kind),
            created_at=at,
            started_at=at,
            prepaid_minutes=60 if kind == "prepaid" else None,
            started_by=by,
        )
        await store.sessions.insert(record)
        if state == "ended":
            ended = {
                "ended_at": at + 1,
                "used_ms": 1_800_000,
                "started_at": at,
                "cost": 600_000,
                "agent_cost": 600_000,
            }
            await store.sessions.record_ended(session_id, ended)

    await session("paid", "prepaid", "active")
    await session("half", "prepaid", "active")
    await session("walked", "postpaid", "ended")
    await session("running", "postpaid", "active")
    await session("other", "prepaid", "active", by="someone-else")
    await session("earlier", "prepaid", "active", at=noon - 86_400_000)
    for session_id, amount in (("paid", None), ("half", 600_000)):
        request = PaymentRequest(purpose="session", method="cash", session_id=session_id, amount=amount)
        await money.pay(request, STAFF, uuid.uuid4().hex)

    unpaid = await money.unpaid_guest_sessions(STAFF.username, noon - 1000, None)
    assert [(u.session_id, u.owed, u.paid) for u in unpaid] == [
        ("half", 1_200_000, 600_000),
        ("walked", 600_000, 0),
    ]


async def test_a_voucher_spent_elsewhere_meanwhile_pays_no_session(store: Store, money: MoneyService) -> None:
    await store.tariffs.create(DEFAULT_TARIFF, 0)
    sold = await money.pay(PaymentRequest(purpose="voucher", method="cash", amount=50_000), STAFF, "v-race")
    code = money.voucher_code(sold.transaction)
    assert code is not None
    session = guest_session("s-race", SessionKind.PREPAID, started_at=None, prepaid_minutes=2)
    await store.sessions.insert(session)
    # Redeemed into a balance at the desk an instant before the PC's payment:
    await store.members.create(MemberRecord("m-race", "mrace", "", "x", 0))
    redeem = PaymentRequest(
        purpose="topup", method="voucher", voucher_code=code, member_id="m-race", amount=50_000
    )
    await money.pay(redeem, STAFF, "v-redeem")
    with pytest.raises(Refused) as refused:
        await money.pay_session_from_voucher(session, code, "main")
    assert refused.value.code == "insufficient_balance"
    assert await money.session_paid(session.id) == 0
