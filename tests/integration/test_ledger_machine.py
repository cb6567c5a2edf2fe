"""Money is conserved: a hypothesis state machine drives the money service (real store, real Redis) through
random sequences of top-ups, sales, vouchers sold, spent and redeemed, session charges, refunds and retried
requests, and after every step checks members' and vouchers' balances against a model; at the end
``icafe ledger verify``'s check runs over everything. Two replicas of the service, each with its own
connection and its own remembered heads, take turns at random, so a replica often posts on heads the other
moved since."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from redis.asyncio import Redis

from hub.errors import Refused
from hub.live import LiveState
from hub.money.requests import PaymentRequest, RefundRequest, SaleItem, Staff
from hub.money.service import MoneyService
from hub.money.verify import verify_ledger
from hub.security.crypto import FieldCipher, generate_key, parse_keys
from hub.store import BranchRecord, ProductRecord, Store, open_store
from hub.store.members import MemberRecord
from hub.store.shifts import ShiftRecord
from icafe.stack import LocalStack

T = TypeVar("T")
PRICE = 3_000
CASHIER = Staff(user_id="machine-cashier", username="machine")


@dataclass
class World:
    loop: asyncio.AbstractEventLoop
    store: Store
    replicas: tuple[MoneyService, MoneyService]
    product_id: str

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)


@pytest.fixture(scope="module")
def world(stack: LocalStack) -> Iterator[World]:
    loop = asyncio.new_event_loop()
    database = f"icafe_money_{uuid.uuid4().hex[:8]}"
    store = loop.run_until_complete(open_store(stack.mongo_url, database))
    other_store = loop.run_until_complete(open_store(stack.mongo_url, database))
    redis = Redis.from_url(stack.redis_url)
    cipher = FieldCipher(parse_keys(generate_key("m1")))
    replicas = (
        MoneyService(store, LiveState(redis), cipher, "main"),
        MoneyService(other_store, LiveState(redis), cipher, "main"),
    )
    product = ProductRecord(id="cola", name="Cola", price=PRICE)

    async def setup() -> None:
        await store.branches.create_if_missing(BranchRecord(id="main", name="Machine cafe"))
        await store.products.create(product)
        await store.shifts.open(ShiftRecord("s1", "main", CASHIER.user_id, CASHIER.username, 0, 0))

    loop.run_until_complete(setup())
    yield World(loop, store, replicas, product.id)

    async def teardown() -> None:
        await store.client.drop_database(store.db.name)
        await store.close()
        await other_store.close()
        await redis.aclose()

    loop.run_until_complete(teardown())
    loop.close()


@dataclass
class Paid:
    id: str
    key: str
    request: PaymentRequest
    amount: int
    member: str | None  # whose balance it touched
    topped_up: bool  # True: a top-up (refunding takes from the balance); False: balance or cash spent
    refunded: int = 0


class MoneyMachine(RuleBasedStateMachine):
    world: World

    members = Bundle("members")
    payments = Bundle("payments")
    vouchers = Bundle("vouchers")

    def __init__(self) -> None:
        super().__init__()
        self.balances: dict[str, int] = {}
        self.voucher_balances: dict[str, int] = {}  # by code
        self.uncollected = 0
        self.hub = 0  # the replica serving the next requests

    @property
    def money(self) -> MoneyService:
        return self.world.replicas[self.hub]

    @rule()
    def move_to_the_other_replica(self) -> None:
        self.hub = 1 - self.hub

    def pay(self, request: PaymentRequest, key: str | None = None) -> tuple[str, bool]:
        result = self.world.run(self.money.pay(request, CASHIER, key or uuid.uuid4().hex))
        return result.transaction.id, result.created

    @rule(target=members)
    def add_member(self) -> str:
        member = MemberRecord(uuid.uuid4().hex, f"m{uuid.uuid4().hex[:12]}", "", "x", 0)
        assert self.world.run(self.world.store.members.create(member))
        self.balances[member.id] = 0
        return member.id

    @rule(
        target=payments,
        member=members,
        method=st.sampled_from(["cash", "card"]),
        amount=st.integers(1, 50_000),
    )
    def top_up(self, member: str, method: str, amount: int) -> Paid:
        request = PaymentRequest(
            purpose="topup", method=method, amount=amount, member_id=member, terminal_ref="APPR1234"
        )
        key = uuid.uuid4().hex
        payment_id, created = self.pay(request, key)
        assert created
        self.balances[member] += amount
        return Paid(payment_id, key, request, amount, member, topped_up=True)

    @rule(target=payments, member=members, quantity=st.integers(1, 5))
    def sell_by_balance(self, member: str, quantity: int) -> Paid:
        request = PaymentRequest(
            purpose="sale",
            method="balance",
            member_id=member,
            items=[SaleItem(product_id=self.world.product_id, quantity=quantity)],
        )
        price = PRICE * quantity
        try:
            payment_id, _ = self.pay(request)
        except Refused as refused:
            code = refused.code
            assert (code, self.balances[member] < price) == ("insufficient_balance", True)
            return Paid("", "", request, 0, None, topped_up=False)
        assert self.balances[member] >= price
        self.balances[member] -= price
        return Paid(payment_id, "", request, price, member, topped_up=False)

    @rule(target=payments, quantity=st.integers(1, 5))
    def sell_for_cash(self, quantity: int) -> Paid:
        request = PaymentRequest(
            purpose="sale",
            method="cash",
            items=[SaleItem(product_id=self.world.product_id, quantity=quantity)],
        )
        payment_id, _ = self.pay(request)
        return Paid(payment_id, "", request, PRICE * quantity, None, topped_up=False)

    @rule(target=vouchers, amount=st.integers(1, 30_000))
    def sell_a_voucher(self, amount: int) -> str:
        result = self.world.run(
            self.money.pay(
                PaymentRequest(purpose="voucher", method="cash", amount=amount), CASHIER, uuid.uuid4().hex
            )
        )
        code = self.money.voucher_code(result.transaction)
        assert code is not None
        self.voucher_balances[code] = amount
        return code

    @rule(voucher=vouchers, quantity=st.integers(1, 3))
    def sell_for_a_voucher(self, voucher: str, quantity: int) -> None:
        request = PaymentRequest(
            purpose="sale",
            method="voucher",
            voucher_code=voucher,
            items=[SaleItem(product_id=self.world.product_id, quantity=quantity)],
        )
        price = PRICE * quantity
        try:
            self.pay(request)
        except Refused as refused:
            code = refused.code
            assert (code, self.voucher_balances[voucher] < price) == ("insufficient_balance", True)
            return
        self.voucher_balances[voucher] -= price

    @rule(voucher=vouchers, member=members, share=st.integers(1, 100))
    def redeem_into_a_balance(self, voucher: str, member: str, share: int) -> None:
        amount = max(1, self.voucher_balances[voucher] * share // 100)
        request = PaymentRequest(
            purpose="topup", method="voucher", voucher_code=voucher, member_id=member, amount=amount
        )
        try:
            self.pay(request)
        except Refused as refused:
            code = refused.code
            assert (code, self.voucher_balances[voucher] < amount) == ("insufficient_balance", True)
            return
        self.voucher_balances[voucher] -= amount
        self.balances[member] += amount

    @rule(member=members, cost=st.integers(1, 80_000))
    def charge_a_session(self, member: str, cost: int) -> None:
        session = uuid.uuid4().hex
        for _ in range(2):  # the projection may apply an ended event twice: charged once
            self.world.run(self.money.charge_session(session, member, cost, "main"))
        covered = min(cost, self.balances[member])
        self.balances[member] -= covered
        self.uncollected += cost - covered

    @rule(payment=payments, share=st.integers(1, 100))
    def refund(self, payment: Paid, share: int) -> None:
        if not payment.id:
            return
        amount = max(1, payment.amount * share // 100)
        request = RefundRequest(amount=amount, reason="machine refund", terminal_ref="REFUND-77")
        try:
            self.world.run(self.money.refund(payment.id, request, CASHIER, uuid.uuid4().hex))
        except Refused as refused:
            code = refused.code
            if code == "refund_exceeds_payment":
                assert payment.refunded + amount > payment.amount
            else:
                # Only a top-up's refund takes from a balance, and only when the balance was spent.
                member = payment.member if payment.topped_up else None
                assert member is not None, code
                assert (code, self.balances[member] < amount) == ("insufficient_balance", True)
            return
        assert payment.refunded + amount <= payment.amount
        payment.refunded += amount
        if payment.member is not None:
            self.balances[payment.member] += -amount if payment.topped_up else amount

    @rule(payment=payments)
    def retry_a_top_up(self, payment: Paid) -> None:
        if not payment.key:
            return
        payment_id, created = self.pay(payment.request, payment.key)
        assert (payment_id, created) == (payment.id, False)

    @invariant()
    def balances_match_the_model(self) -> None:
        if self.balances:
            actual = self.world.run(self.money.balances(list(self.balances)))
            assert actual == self.balances
        for code, expected in self.voucher_balances.items():
            found = self.world.run(self.money.voucher_by_code(code))
            assert found is not None
            assert found[1] == expected


def test_money_is_conserved_through_any_sequence_of_operations(world: World) -> None:
    MoneyMachine.world = world
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    report = world.run(verify_ledger(world.store.ledger.scan()))
    assert report.ok, report.problems
    assert report.transactions > 0
