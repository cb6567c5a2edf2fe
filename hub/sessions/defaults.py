"""Defaults so that nothing needs configuring: a standard tariff and group, and demo members on request."""

from __future__ import annotations

import asyncio
import logging
import uuid

from hub.auth.passwords import hash_password
from hub.clock import now_ms
from hub.config import HubSettings
from hub.money.service import MoneyService
from hub.store import BranchRecord, ProductRecord, Store
from hub.store.members import MemberRecord
from hub.store.tariffs import DEFAULT_GROUP, PcGroup
from protocol import RateWindowSpec, TariffSpec

log = logging.getLogger(__name__)

# 12 000 so'm an hour, 8 000 so'm at night (22:00-08:00), in minor units (tiyin).
DEFAULT_TARIFF = TariffSpec(
    id="standard",
    name="Standard",
    hourly_rate=1_200_000,
    currency="UZS",
    windows=[RateWindowSpec(name="night", start_minute=22 * 60, end_minute=8 * 60, hourly_rate=800_000)],
    minimum_charge=0,
    timezone="Asia/Tashkent",
)

# Prices in tiyin: 8 000 so'm is 800_000.
DEMO_PRODUCTS = [
    ("Coca-Cola 0.5 l", "drinks", 800_000),
    ("Water 0.5 l", "drinks", 300_000),
    ("Energy drink", "drinks", 1_500_000),
    ("Lays chips", "snacks", 1_200_000),
    ("Snickers", "snacks", 900_000),
]

DEMO_MEMBERS = [
    ("aziz", "Aziz", "1111", 5_000_000),
    ("dilnoza", "Dilnoza", "2222", 2_000_000),
    ("timur", "Timur", "3333", 300_000),
]


async def ensure_defaults(store: Store) -> None:
    if await store.tariffs.get(DEFAULT_TARIFF.id) is None and not await store.tariffs.all():
        await store.tariffs.create(DEFAULT_TARIFF, now_ms())
        log.info("created the default tariff %r", DEFAULT_TARIFF.name)
    if await store.tariffs.group(DEFAULT_GROUP) is None:
        tariffs = await store.tariffs.all()
        await store.tariffs.save_group(PcGroup(DEFAULT_GROUP, "Standard", tariffs[0].id))


async def ensure_branch(store: Store, settings: HubSettings) -> None:
    """The hub's own branch, from settings, the first time; after that the API edits it."""
    branch = BranchRecord(
        id=settings.site,
        name=settings.branch_name,
        address=settings.branch_address,
        tax_id=settings.branch_tax_id,
        phone=settings.branch_phone,
        currency=settings.currency,
        language=settings.language,
        timezone=settings.timezone,
    )
    if await store.branches.create_if_missing(branch):
        log.info("created branch %r (%s, %s)", branch.id, branch.currency, branch.language)


async def ensure_demo_products(store: Store) -> None:
    if (await store.products.page(active_only=False, limit=1))[1]:
        return
    for name, category, price in DEMO_PRODUCTS:
        await store.products.create(
            ProductRecord(id=uuid.uuid4().hex, name=name, price=price, category=category, created_at=now_ms())
        )


async def ensure_demo_members(store: Store, money: MoneyService) -> None:
    for login, name, pin, balance in DEMO_MEMBERS:
        if await store.members.by_login(login):
            continue
        member = MemberRecord(
            id=uuid.uuid4().hex,
            login=login,
            name=name,
            secret_hash=await asyncio.to_thread(hash_password, pin),
            created_at=now_ms(),
        )
        if await store.members.create(member):
            await money.adjust(
                member.id, balance, reason="demo credit", key=f"demo-credit:{member.id}", staff="demo"
            )
