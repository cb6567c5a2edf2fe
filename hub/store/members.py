"""Members: customers with a login, a hashed PIN or password, and a balance held in ``balances``; and the
offline verifiers the hub gave PCs for them (``OfflineGrantRepository``)."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages

Document = dict[str, Any]

IDS_KEPT = 50_000  # the names of members a process remembers resolving


@dataclass(frozen=True)
class MemberRecord:
    id: str
    login: str
    name: str
    secret_hash: str
    created_at: int
    active_session: str | None = None
    secret_kind: str = "pin"  # noqa: S105 - "pin" or "password", the kind of secret
    # The public half of the member's offline key (hub.member_secrets), for an offline-capable password.
    offline_key: dict[str, Any] | None = None
    # The phone number, encrypted (hub.member_contact); found by ``phone_index``, never stored in the clear.
    phone_enc: str | None = None
    phone_index: tuple[str, ...] = ()

    @classmethod
    def from_document(cls, doc: Document) -> MemberRecord:
        return cls(
            id=doc["_id"],
            login=doc["login"],
            name=doc.get("name", ""),
            secret_hash=doc["secret_hash"],
            created_at=int(doc["created_at"]),
            active_session=doc.get("active_session"),
            secret_kind=doc.get("secret_kind", "pin"),
            offline_key=doc.get("offline_key"),
            phone_enc=doc.get("phone_enc"),
            phone_index=tuple(doc.get("phone_index") or ()),
        )


@dataclass(frozen=True)
class MemberSearch:
    """What to find members by: ``text`` in the login or name (case-insensitive, anywhere in it), as the
    id, or as a phone number by its blind indexes; ``login`` exactly."""

    text: str | None = None
    phone_keys: tuple[str, ...] = ()
    login: str | None = None

    def query(self) -> Document:
        where: Document = {}
        if self.login is not None:
            where["login"] = self.login
        if self.text is not None:
            # Lower case and "i" both: the embedded store folds only the text's case, not the pattern's.
            pattern = {"$regex": re.escape(self.text.lower()), "$options": "i"}
            either: list[Document] = [{"_id": self.text}, {"login": pattern}, {"name": pattern}]
            if self.phone_keys:
                either.append({"phone_index": {"$in": list(self.phone_keys)}})
            where["$or"] = either
        return where


class MemberRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._members = collection
        # What a name (an id or a login) resolved to. A member is never removed and neither their id nor
        # their login ever changes, so once found the answer holds for good: the money path reads it once.
        self._ids: OrderedDict[str, str] = OrderedDict()

    async def create_indexes(self) -> None:
        await self._members.create_index("login", unique=True)
        await self._members.create_index("phone_index")

    async def create(self, member: MemberRecord) -> bool:
        """False when the login is taken."""
        try:
            await self._members.insert_one(
                {
                    "_id": member.id,
                    "login": member.login,
                    "name": member.name,
                    "secret_hash": member.secret_hash,
                    "secret_kind": member.secret_kind,
                    "offline_key": member.offline_key,
                    "phone_enc": member.phone_enc,
                    "phone_index": list(member.phone_index),
                    "created_at": member.created_at,
                    "active_session": None,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def get(self, member_id: str) -> MemberRecord | None:
        doc = await self._members.find_one({"_id": member_id})
        return MemberRecord.from_document(doc) if doc else None

    async def by_login(self, login: str) -> MemberRecord | None:
        doc = await self._members.find_one({"login": login})
        return MemberRecord.from_document(doc) if doc else None

    async def logins(self, member_ids: Collection[str]) -> dict[str, str]:
        """The logins of these members, by id, in one query (lists that show who, not an id)."""
        if not member_ids:
            return {}
        cursor = self._members.find({"_id": {"$in": list(member_ids)}}, {"login": 1})
        return {doc["_id"]: doc["login"] async for doc in cursor}

    async def resolve_id(self, ref: str) -> str | None:
        """The id of the member ``ref`` names (as ``resolve``), remembered once found; None when there is
        no such member (not remembered: they may be created next)."""
        known = self._ids.get(ref)
        if known is None:
            member = await self.resolve(ref)
            if member is None:
                return None
            known = member.id
        self._ids[ref] = known
        self._ids.move_to_end(ref)
        if len(self._ids) > IDS_KEPT:
            self._ids.popitem(last=False)
        return known

    async def exists(self, member_id: str) -> bool:
        return await self.resolve_id(member_id) == member_id

    async def resolve(self, ref: str) -> MemberRecord | None:
        """The member named by ``ref``: their id, or else their login (an id wins: logins that look like
        ids are refused at creation, so only old data could ever have both)."""
        return await self.get(ref) or await self.by_login(ref)

    async def page(
        self, search: MemberSearch | None = None, *, skip: int = 0, limit: int = 100
    ) -> tuple[list[MemberRecord], int]:
        where = search.query() if search else {}
        total = await count_matching(self._members, where)
        cursor = self._members.find(where).sort("login", ASCENDING).skip(skip).limit(limit)
        return [MemberRecord.from_document(doc) async for doc in cursor], total

    async def iterate(
        self, search: MemberSearch | None = None, *, page: int = PAGE_ROWS
    ) -> AsyncIterator[MemberRecord]:
        """The members ``page`` finds, by login (unique), a page at a time (exports)."""
        async for doc in keyed_pages(self._members, search.query() if search else {}, ("login",), page=page):
            yield MemberRecord.from_document(doc)

    async def update_contact(
        self, member_id: str, *, name: str | None = None, phone: tuple[str | None, list[str]] | None = None
    ) -> bool:
        """A new name and/or phone (its ciphertext and blind indexes; ``(None, [])`` removes it)."""
        changes: Document = {}
        if name is not None:
            changes["name"] = name
        if phone is not None:
            changes["phone_enc"], changes["phone_index"] = phone
        if not changes:
            return await self.get(member_id) is not None
        result = await self._members.update_one({"_id": member_id}, {"$set": changes})
        return result.matched_count == 1

    async def reindex_phones(self, index: Callable[[str, str], list[str] | None]) -> tuple[int, int]:
        """Key rotation: store ``index(member_id, phone_enc)`` as each member's phone index unless it is
        None; compare-and-set on the ciphertext, so a number changed meanwhile keeps its own index.
        Returns (seen, re-indexed)."""
        seen = changed = 0
        async for doc in self._members.find({"phone_enc": {"$ne": None}}):
            if not isinstance(doc.get("phone_enc"), str):
                continue
            seen += 1
            new = index(doc["_id"], doc["phone_enc"])
            if new is None or new == doc.get("phone_index"):
                continue
            result = await self._members.update_one(
                {"_id": doc["_id"], "phone_enc": doc["phone_enc"]}, {"$set": {"phone_index": new}}
            )
            changed += result.modified_count
        return seen, changed

    async def set_secret(
        self, member_id: str, secret_hash: str, kind: str, offline_key: dict[str, Any] | None
    ) -> bool:
        """A new PIN or password; the old offline key goes with the old secret."""
        result = await self._members.update_one(
            {"_id": member_id},
            {"$set": {"secret_hash": secret_hash, "secret_kind": kind, "offline_key": offline_key}},
        )
        return result.matched_count == 1

    async def claim_session(self, member_id: str, session_id: str) -> bool:
        """One session at a time per member, so a balance is never spent twice in parallel."""
        result = await self._members.update_one(
            {"_id": member_id, "active_session": None}, {"$set": {"active_session": session_id}}
        )
        return result.modified_count == 1

    async def release_session(self, member_id: str, session_id: str) -> None:
        await self._members.update_one(
            {"_id": member_id, "active_session": session_id}, {"$set": {"active_session": None}}
        )


@dataclass(frozen=True)
class OfflineGrant:
    """The hub gave ``pc_id`` the member's offline verifier of key ``key_id`` at ``issued_at``."""

    member_id: str
    pc_id: str
    key_id: str
    issued_at: int
    expires_at: int


class OfflineGrantRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._grants = collection

    async def create_indexes(self) -> None:
        await self._grants.create_index("member_id")

    async def grant(self, grant: OfflineGrant) -> None:
        """Record (or renew) a grant; a renewal of the same key keeps its first ``issued_at``, so an offline
        session begun before the renewal still falls within it."""
        current = await self.get(grant.member_id, grant.pc_id)
        if current is not None and current.key_id == grant.key_id:
            await self._grants.update_one(
                {"_id": f"{grant.member_id}:{grant.pc_id}"}, {"$set": {"expires_at": grant.expires_at}}
            )
            return
        await self._grants.update_one(
            {"_id": f"{grant.member_id}:{grant.pc_id}"},
            {
                "$set": {
                    "member_id": grant.member_id,
                    "pc_id": grant.pc_id,
                    "key_id": grant.key_id,
                    "issued_at": grant.issued_at,
                    "expires_at": grant.expires_at,
                }
            },
            upsert=True,
        )

    async def get(self, member_id: str, pc_id: str) -> OfflineGrant | None:
        doc = await self._grants.find_one({"_id": f"{member_id}:{pc_id}"})
        if doc is None:
            return None
        return OfflineGrant(
            doc["member_id"], doc["pc_id"], doc["key_id"], int(doc["issued_at"]), int(doc["expires_at"])
        )
