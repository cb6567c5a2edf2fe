"""Enrollment codes and the PCs' enrollment requests.

A code is stored as its SHA-256 only (it is 80 random bits, so a hash is enough: nothing to guess from
it), with the uses it has left; a use is taken by a conditional update, so two PCs racing for the last
use cannot both get it. A request keeps the PC's certificate request, a hash of the secret the PC polls
with, and, once approved, the certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from hub.store.counting import count_matching

Document = dict[str, Any]


@dataclass(frozen=True)
class EnrollCodeRecord:
    id: str
    code_hash: str
    last4: str
    site: str
    pc_id: str | None  # a code made for one PC allows only that PC id
    group: str | None
    uses: int
    left: int
    created_at: int
    expires_at: int
    created_by: str
    withdrawn_at: int | None = None

    @classmethod
    def from_document(cls, doc: Document) -> EnrollCodeRecord:
        return cls(
            id=doc["_id"],
            code_hash=doc["code_hash"],
            last4=doc["last4"],
            site=doc["site"],
            pc_id=doc.get("pc_id"),
            group=doc.get("group"),
            uses=int(doc["uses"]),
            left=int(doc["left"]),
            created_at=int(doc["created_at"]),
            expires_at=int(doc["expires_at"]),
            created_by=doc["created_by"],
            withdrawn_at=int(doc["withdrawn_at"]) if doc.get("withdrawn_at") is not None else None,
        )


class EnrollState(StrEnum):
    PENDING = "pending"
    # Claimed by an approval while the signer works: nobody else may approve or reject it meanwhile.
    SIGNING = "signing"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class EnrollmentRecord:
    id: str
    code_id: str
    secret_hash: str
    csr: str
    key_fingerprint: str
    name: str  # the PC id asked for
    site: str
    group: str | None
    code_pc_id: str | None
    hostname: str | None
    os: str | None
    agent_version: str | None
    address: str | None
    state: EnrollState
    created_at: int
    decided_at: int | None = None
    decided_by: str | None = None
    pc_id: str | None = None
    certificate: str | None = None
    ca: str | None = None
    serial: str | None = None
    reason: str | None = None

    @classmethod
    def from_document(cls, doc: Document) -> EnrollmentRecord:
        return cls(
            id=doc["_id"],
            code_id=doc["code_id"],
            secret_hash=doc["secret_hash"],
            csr=doc["csr"],
            key_fingerprint=doc["key_fingerprint"],
            name=doc["name"],
            site=doc["site"],
            group=doc.get("group"),
            code_pc_id=doc.get("code_pc_id"),
            hostname=doc.get("hostname"),
            os=doc.get("os"),
            agent_version=doc.get("agent_version"),
            address=doc.get("address"),
            state=EnrollState(doc["state"]),
            created_at=int(doc["created_at"]),
            decided_at=int(doc["decided_at"]) if doc.get("decided_at") is not None else None,
            decided_by=doc.get("decided_by"),
            pc_id=doc.get("pc_id"),
            certificate=doc.get("certificate"),
            ca=doc.get("ca"),
            serial=doc.get("serial"),
            reason=doc.get("reason"),
        )

    def to_document(self) -> Document:
        return {
            "_id": self.id,
            "code_id": self.code_id,
            "secret_hash": self.secret_hash,
            "csr": self.csr,
            "key_fingerprint": self.key_fingerprint,
            "name": self.name,
            "site": self.site,
            "group": self.group,
            "code_pc_id": self.code_pc_id,
            "hostname": self.hostname,
            "os": self.os,
            "agent_version": self.agent_version,
            "address": self.address,
            "state": self.state.value,
            "created_at": self.created_at,
        }


class EnrollCodeRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._codes = collection

    async def create_indexes(self) -> None:
        await self._codes.create_index("code_hash", unique=True)
        await self._codes.create_index("created_at")

    async def create(self, code: EnrollCodeRecord) -> None:
        await self._codes.insert_one(
            {
                "_id": code.id,
                "code_hash": code.code_hash,
                "last4": code.last4,
                "site": code.site,
                "pc_id": code.pc_id,
                "group": code.group,
                "uses": code.uses,
                "left": code.left,
                "created_at": code.created_at,
                "expires_at": code.expires_at,
                "created_by": code.created_by,
            }
        )

    async def by_hash(self, code_hash: str) -> EnrollCodeRecord | None:
        doc = await self._codes.find_one({"code_hash": code_hash})
        return EnrollCodeRecord.from_document(doc) if doc else None

    async def get(self, code_id: str) -> EnrollCodeRecord | None:
        doc = await self._codes.find_one({"_id": code_id})
        return EnrollCodeRecord.from_document(doc) if doc else None

    async def take_use(self, code_id: str, now_ms: int) -> bool:
        """Spend one use of a code that has one left and has not expired; False if it had none."""
        doc = await self._codes.find_one_and_update(
            {"_id": code_id, "left": {"$gt": 0}, "expires_at": {"$gt": now_ms}},
            {"$inc": {"left": -1}},
            return_document=ReturnDocument.AFTER,
        )
        return doc is not None

    async def withdraw(self, code_id: str, now_ms: int) -> EnrollCodeRecord | None:
        """No use left from now on (a code shown to the wrong person)."""
        doc = await self._codes.find_one_and_update(
            {"_id": code_id},
            {"$set": {"left": 0, "withdrawn_at": now_ms}},
            return_document=ReturnDocument.AFTER,
        )
        return EnrollCodeRecord.from_document(doc) if doc else None

    async def page(self, *, skip: int = 0, limit: int = 100) -> tuple[list[EnrollCodeRecord], int]:
        total = await count_matching(self._codes, {})
        cursor = self._codes.find({}).sort([("created_at", DESCENDING), ("_id", ASCENDING)]).skip(skip)
        return [EnrollCodeRecord.from_document(doc) async for doc in cursor.limit(limit)], total


class EnrollmentRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._requests = collection

    async def create_indexes(self) -> None:
        await self._requests.create_index("code_id")
        await self._requests.create_index("state")
        await self._requests.create_index([("state", ASCENDING), ("created_at", ASCENDING)])

    async def create(self, request: EnrollmentRecord) -> None:
        await self._requests.insert_one(request.to_document())

    async def get(self, request_id: str) -> EnrollmentRecord | None:
        doc = await self._requests.find_one({"_id": request_id})
        return EnrollmentRecord.from_document(doc) if doc else None

    async def for_code_and_key(self, code_id: str, key_fingerprint: str) -> EnrollmentRecord | None:
        """The request this code already made for this key (a PC sending its request again)."""
        doc = await self._requests.find_one({"code_id": code_id, "key_fingerprint": key_fingerprint})
        return EnrollmentRecord.from_document(doc) if doc else None

    async def new_secret(self, request_id: str, secret_hash: str) -> None:
        await self._requests.update_one({"_id": request_id}, {"$set": {"secret_hash": secret_hash}})

    async def claim(self, request_id: str, expected: EnrollState, state: EnrollState) -> bool:
        """Move a request from ``expected`` to ``state``; False if it was not in ``expected``."""
        result = await self._requests.update_one(
            {"_id": request_id, "state": expected.value}, {"$set": {"state": state.value}}
        )
        return result.modified_count == 1

    async def approve(
        self,
        request_id: str,
        *,
        pc_id: str,
        group: str | None,
        certificate: str,
        ca: str,
        serial: str,
        by: str,
        at: int,
    ) -> EnrollmentRecord | None:
        doc = await self._requests.find_one_and_update(
            {"_id": request_id, "state": EnrollState.SIGNING.value},
            {
                "$set": {
                    "state": EnrollState.APPROVED.value,
                    "pc_id": pc_id,
                    "group": group,
                    "certificate": certificate,
                    "ca": ca,
                    "serial": serial,
                    "decided_by": by,
                    "decided_at": at,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return EnrollmentRecord.from_document(doc) if doc else None

    async def reject(self, request_id: str, *, reason: str, by: str, at: int) -> EnrollmentRecord | None:
        doc = await self._requests.find_one_and_update(
            {"_id": request_id, "state": EnrollState.PENDING.value},
            {
                "$set": {
                    "state": EnrollState.REJECTED.value,
                    "reason": reason,
                    "decided_by": by,
                    "decided_at": at,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return EnrollmentRecord.from_document(doc) if doc else None

    async def in_state(
        self, state: EnrollState, *, skip: int = 0, limit: int = 100
    ) -> tuple[list[EnrollmentRecord], int]:
        query = {"state": state.value}
        total = await count_matching(self._requests, query)
        cursor = self._requests.find(query).sort("created_at", ASCENDING).skip(skip).limit(limit)
        return [EnrollmentRecord.from_document(doc) async for doc in cursor], total
