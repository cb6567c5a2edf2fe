"""Opening MongoDB (or the embedded MongoDB-wire store) through PyMongo's asyncio API.

Timestamps are stored as integer epoch milliseconds: they sort and compare the same on MongoDB 7+
and on nx-27017, which reads back datetimes written by ``$set`` as strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from hub.errors import StoreUnavailable
from hub.store.commands import CommandRepository
from hub.store.pcs import PcRepository
from hub.store.telemetry import TelemetryRepository
from hub.store.users import UserRepository

Document = dict[str, Any]


@dataclass
class Store:
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    pcs: PcRepository
    telemetry: TelemetryRepository
    commands: CommandRepository
    users: UserRepository

    async def ping(self) -> bool:
        try:
            await self.db.command("ping")
        except PyMongoError:
            return False
        return True

    async def close(self) -> None:
        await self.client.close()


async def open_store(url: str, database: str, *, timeout_ms: int = 5000) -> Store:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, tz_aware=True
    )
    db = client[database]
    store = Store(
        client=client,
        db=db,
        pcs=PcRepository(db["pcs"]),
        telemetry=TelemetryRepository(db["telemetry"]),
        commands=CommandRepository(db["commands"]),
        users=UserRepository(db["staff_users"]),
    )
    try:
        for repository in (store.pcs, store.telemetry, store.commands, store.users):
            await repository.create_indexes()
    except PyMongoError as exc:
        await client.close()
        raise StoreUnavailable(f"MongoDB at {url} is unavailable: {exc}") from None
    return store
