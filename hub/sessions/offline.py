"""Checking an offline session's proof when it reaches the hub.

A session the hub never ordered is believed only as an offline login of a member whose verifier the hub
gave that very PC (an ``OfflineGrant``, recorded at the member's online login there), started while that
verifier was valid, and signed with the member's key, which only the member's secret yields
(``protocol.offline``). Anything less leaves the session unverified: it charges nothing until staff decide.
"""

from __future__ import annotations

from hub.sessions.checks import ALLOWANCE_MS
from hub.sessions.projection import ProofCheck
from hub.store import Store
from protocol.offline import verify

# How long a PC may let a member in offline after their last online login there.
VERIFIER_TTL_MS = 7 * 24 * 3600 * 1000


class OfflineProofs:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def __call__(
        self, pc_id: str, session_id: str, member_id: str, started_at: int, proof: str | None
    ) -> ProofCheck:
        if proof is None:
            return ProofCheck(False, "no proof")
        member = await self._store.members.get(member_id)
        key = member.offline_key if member else None
        if not key:
            return ProofCheck(False, "the member has no offline verifier")
        grant = await self._store.offline_grants.get(member_id, pc_id)
        if grant is None:
            return ProofCheck(False, "the hub never gave this PC the member's verifier")
        if grant.key_id != key["key_id"]:
            return ProofCheck(False, "the member's secret changed since this PC got the verifier")
        if not grant.issued_at - ALLOWANCE_MS <= started_at <= grant.expires_at + ALLOWANCE_MS:
            return ProofCheck(False, "started outside the verifier's validity")
        if not verify(key["public_key"], proof, pc_id, session_id, member_id, started_at):
            return ProofCheck(False, "the proof does not verify")
        return ProofCheck(True, issued_at=grant.issued_at)
