"""Enrollment: codes, the PCs' requests, approval by a technician, revocation.

1. A technician makes a code (``POST /enrollment-codes`` or ``icafe pc enroll-code``): valid 24 h, for
   one PC (named or not) or a batch of PCs.
2. The PC (``icafe enroll --hub URL --code CODE``) makes its key, keeps it, and sends a certificate
   request with the code. One use of the code is spent; the request is pending, and the PC gets a secret
   to poll it with.
3. A technician approves it (its PC id and group), or rejects it. Approving asks the signer for the
   certificate, which also lets the PC into the running broker; the PC collects it with its secret.

Refusals are ``Refused`` (answered by the app as ``{"error": {"code", "message"}}``), each saying what to
do. Re-enrolling a PC (its disk replaced) is an approval with ``replace``: the signer revokes the old
certificate and the broker disconnects whoever still uses it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hub.clock import now_ms
from hub.config import HubSettings
from hub.enrollment import codes
from hub.enrollment.signer import SignerClient, SignerUnavailable
from hub.errors import Refused
from hub.live import LiveState
from hub.mqtt.bridge import BrokerUnavailable, MqttBridge
from hub.store import Store
from hub.store.enrollments import EnrollCodeRecord, EnrollmentRecord, EnrollState
from protocol import PcState, Status, Topic, TopicKind
from protocol.enrollment import EnrollRequest, EnrollStatus
from protocol.enrollment import EnrollState as PcEnrollState
from protocol.signer import (
    BrokerChange,
    RevokeRequest,
    SignerAnswer,
    SignerRefusal,
    SignRequest,
)
from protocol.topics import is_valid_name

CODE_TTL_MS = 24 * 3600 * 1000
MAX_BATCH = 500
POLL_AFTER_S = 5
ASK_FOR_A_CODE = "ask for a new code (console: PCs > Enroll PCs, or `icafe pc enroll-code`)"


@dataclass(frozen=True)
class Approval:
    request: EnrollmentRecord
    broker: BrokerChange | None
    broker_detail: str | None


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def key_fingerprint(csr_pem: str) -> str:
    """SHA-256 of the request's public key; a 400 if it is not a signed PKCS#10 request."""
    try:
        request = x509.load_pem_x509_csr(csr_pem.encode())
    except ValueError:
        raise Refused(
            400, "bad_csr", "csr: not a PEM certificate request; run `icafe enroll` again"
        ) from None
    if not request.is_signature_valid:
        raise Refused(400, "bad_csr", "csr: its signature does not match its key; run `icafe enroll` again")
    der = request.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def name_from_hostname(hostname: str | None) -> str | None:
    """A PC id from a host name (its first label, lower case), if it makes a valid one."""
    if not hostname:
        return None
    label = hostname.split(".")[0].strip().lower()
    return label if is_valid_name(label) else None


async def _check_group(store: Store, group: str | None) -> None:
    if group is not None and await store.tariffs.group(group) is None:
        raise Refused(400, "bad_request", f"group: no PC group {group!r}; see GET /api/v1/groups")


async def create_code(
    store: Store, site: str, *, uses: int, pc_id: str | None, group: str | None, created_by: str
) -> tuple[EnrollCodeRecord, str]:
    """A new code for ``site`` (valid 24 h, for ``uses`` PCs or the one PC ``pc_id``) and the record kept
    of it: the code itself is returned to be shown once, and only its hash is stored. Used by the API and
    by ``icafe pc enroll-code``."""
    if not 1 <= uses <= MAX_BATCH:
        raise Refused(400, "bad_request", f"uses: give 1 to {MAX_BATCH} PCs")
    if pc_id is not None and uses != 1:
        raise Refused(400, "bad_request", "uses: a code for a named PC is for that one PC: uses must be 1")
    if pc_id is not None and not is_valid_name(pc_id):
        raise Refused(400, "bad_request", "pc_id: letters, digits, '-' and '_', up to 64")
    await _check_group(store, group)
    code = codes.new_code()
    now = now_ms()
    record = EnrollCodeRecord(
        id=f"ecode_{secrets.token_hex(8)}",
        code_hash=codes.digest(codes.normalise(code) or code),
        last4=code[-4:],
        site=site,
        pc_id=pc_id,
        group=group,
        uses=uses,
        left=uses,
        created_at=now,
        expires_at=now + CODE_TTL_MS,
        created_by=created_by,
    )
    await store.enroll_codes.create(record)
    return record, code


class EnrollmentService:
    def __init__(
        self,
        store: Store,
        settings: HubSettings,
        live: LiveState,
        bridge: MqttBridge | None,
        signer: SignerClient | None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._live = live
        self._bridge = bridge
        self._signer = signer

    # ---- codes -----------------------------------------------------------------------------------
    async def create_code(
        self, *, uses: int, pc_id: str | None, group: str | None, created_by: str
    ) -> tuple[EnrollCodeRecord, str]:
        """A new code and the record kept of it (the code itself is shown once, never stored)."""
        return await create_code(
            self._store, self._settings.site, uses=uses, pc_id=pc_id, group=group, created_by=created_by
        )

    async def withdraw_code(self, code_id: str) -> EnrollCodeRecord:
        record = await self._store.enroll_codes.withdraw(code_id, now_ms())
        if record is None:
            raise Refused(404, "not_found", f"enrollment code {code_id!r} not found")
        return record

    # ---- the PC's side ---------------------------------------------------------------------------
    async def submit(self, request: EnrollRequest, address: str | None) -> tuple[EnrollmentRecord, str]:
        """Record the PC's request against its code; the secret it polls with (shown once)."""
        normalised = codes.normalise(request.code)
        code = await self._store.enroll_codes.by_hash(codes.digest(normalised)) if normalised else None
        if code is None:
            raise Refused(
                403,
                "enroll_code_unknown",
                f"this enrollment code is not known: check it, or {ASK_FOR_A_CODE}",
            )
        name = request.name or code.pc_id or name_from_hostname(request.hostname)
        if name is None:
            raise Refused(
                400,
                "name_required",
                "name: this PC's host name is not a valid PC id: run `icafe enroll --name`",
            )
        if code.pc_id is not None and name != code.pc_id:
            raise Refused(
                403,
                "enroll_code_other_pc",
                f"this code is for PC {code.pc_id}, not {name}: run `icafe enroll` with --name {code.pc_id} "
                f"on that PC, or ask for a code for {name}",
            )
        fingerprint = key_fingerprint(request.csr)
        earlier = await self._store.enrollments.for_code_and_key(code.id, fingerprint)
        if earlier is not None:
            return await self._again(earlier)
        await self._take_use(code)
        secret = codes.new_secret()
        record = EnrollmentRecord(
            id=f"enr_{secrets.token_hex(8)}",
            code_id=code.id,
            secret_hash=codes.digest(secret),
            csr=request.csr,
            key_fingerprint=fingerprint,
            name=name,
            site=code.site,
            group=code.group,
            code_pc_id=code.pc_id,
            hostname=request.hostname,
            os=request.os,
            agent_version=request.agent_version,
            address=address,
            state=EnrollState.PENDING,
            created_at=now_ms(),
        )
        await self._store.enrollments.create(record)
        await self._announce(record)
        return record, secret

    async def _again(self, earlier: EnrollmentRecord) -> tuple[EnrollmentRecord, str]:
        """The same PC (same key, same code) sending its request again, e.g. after losing the answer: the
        same request, with a new secret; the code's uses are not spent twice."""
        if earlier.state is EnrollState.REJECTED:
            raise Refused(
                409,
                "enroll_rejected",
                f"this PC's request was rejected ({earlier.reason or 'no reason given'}): {ASK_FOR_A_CODE}",
            )
        secret = codes.new_secret()
        await self._store.enrollments.new_secret(earlier.id, codes.digest(secret))
        return earlier, secret

    async def _take_use(self, code: EnrollCodeRecord) -> None:
        now = now_ms()
        if code.withdrawn_at is not None:
            raise Refused(
                410, "enroll_code_withdrawn", f"this enrollment code was withdrawn: {ASK_FOR_A_CODE}"
            )
        if code.expires_at <= now:
            raise Refused(
                410,
                "enroll_code_expired",
                f"this enrollment code expired at {_iso(code.expires_at)}: {ASK_FOR_A_CODE}",
            )
        if await self._store.enroll_codes.take_use(code.id, now):
            return
        current = await self._store.enroll_codes.get(code.id)
        if current is not None and current.expires_at <= now_ms():
            raise Refused(
                410,
                "enroll_code_expired",
                f"this enrollment code expired at {_iso(code.expires_at)}: {ASK_FOR_A_CODE}",
            )
        raise Refused(
            409,
            "enroll_code_used",
            f"this enrollment code has been used ({code.uses} of {code.uses} PCs): {ASK_FOR_A_CODE}",
        )

    async def status(self, request_id: str, secret: str | None) -> EnrollStatus:
        record = await self._store.enrollments.get(request_id)
        if record is None:
            raise Refused(404, "not_found", f"no enrollment request {request_id!r}: run `icafe enroll` again")
        if not secret or not codes.same_secret(secret, record.secret_hash):
            raise Refused(
                403,
                "enroll_secret_wrong",
                "this is not the secret given for this request: poll with the one `icafe enroll` saved",
            )
        common = {"id": record.id, "poll_after_s": POLL_AFTER_S}
        if record.state is EnrollState.APPROVED:
            return EnrollStatus(
                **common,
                state=PcEnrollState.APPROVED,
                message=f"approved as {record.pc_id}",
                pc_id=record.pc_id,
                site=record.site,
                certificate=record.certificate,
                ca=record.ca,
                broker_host=self._settings.enroll_broker_host,
                broker_port=self._settings.enroll_broker_port,
            )
        if record.state is EnrollState.REJECTED:
            return EnrollStatus(
                **common,
                state=PcEnrollState.REJECTED,
                message=f"rejected ({record.reason or 'no reason given'}): {ASK_FOR_A_CODE}",
            )
        return EnrollStatus(
            **common,
            state=PcEnrollState.PENDING,
            message=f"waiting for a technician to approve {record.name} (console: PCs > Enroll PCs)",
        )

    # ---- the technician's side -------------------------------------------------------------------
    async def approve(
        self, request_id: str, *, pc_id: str | None, group: str | None, replace: bool, by: str
    ) -> Approval:
        signer = self._require_signer()
        if not self._settings.enroll_broker_host:
            raise Refused(
                503,
                "enrollment_not_configured",
                "the hub does not know the broker's public address: set ICAFE_ENROLL_BROKER_HOST",
            )
        record = await self._pending(request_id)
        chosen = pc_id or record.name
        if record.code_pc_id is not None and chosen != record.code_pc_id:
            raise Refused(
                409,
                "enroll_code_other_pc",
                f"this PC enrolled with a code for {record.code_pc_id}: approve it as {record.code_pc_id}",
            )
        group = group if group is not None else record.group
        await self._check_group(group)
        if not await self._store.enrollments.claim(request_id, EnrollState.PENDING, EnrollState.SIGNING):
            raise Refused(409, "enroll_decided", "someone else is deciding this request: reload the list")
        try:
            answer = await signer.call(
                SignRequest(pc_id=chosen, site=record.site, csr=record.csr, replace=replace)
            )
        except SignerUnavailable as exc:
            await self._store.enrollments.claim(request_id, EnrollState.SIGNING, EnrollState.PENDING)
            raise Refused(503, "signer_unavailable", f"{exc}; try again shortly") from None
        if not answer.ok or answer.certificate is None or answer.ca is None or answer.serial is None:
            await self._store.enrollments.claim(request_id, EnrollState.SIGNING, EnrollState.PENDING)
            raise _sign_refused(chosen, answer)
        now = now_ms()
        approved = await self._store.enrollments.approve(
            request_id,
            pc_id=chosen,
            group=group,
            certificate=answer.certificate,
            ca=answer.ca,
            serial=answer.serial,
            by=by,
            at=now,
        )
        assert approved is not None, "only this approval may move a request out of signing"
        await self._store.pcs.record_seen(chosen, record.site, now)
        if group is not None:
            await self._store.pcs.set_group(chosen, group)
        await self._announce(approved)
        return Approval(approved, answer.broker, answer.broker_detail)

    async def reject(self, request_id: str, *, reason: str, by: str) -> EnrollmentRecord:
        await self._pending(request_id)
        rejected = await self._store.enrollments.reject(request_id, reason=reason, by=by, at=now_ms())
        if rejected is None:
            raise Refused(409, "enroll_decided", "this request was decided meanwhile: reload the list")
        await self._announce(rejected)
        return rejected

    async def revoke(self, pc_id: str) -> SignerAnswer:
        """Revoke the PC's certificate: the broker disconnects it at once and refuses it from then on; the
        PC shows offline."""
        answer = await self._call(RevokeRequest(pc_id=pc_id))
        if not answer.ok:
            if answer.refusal is SignerRefusal.ALREADY_REVOKED:
                raise Refused(409, "already_revoked", f"{pc_id}'s certificate is already revoked")
            if answer.refusal is SignerRefusal.NOT_ISSUED:
                raise Refused(404, "not_found", f"{pc_id} has no certificate to revoke")
            raise Refused(503, "signer_failed", f"the signer failed: {answer.message}; see its log")
        await self._show_offline(pc_id, answer.site)
        return answer

    async def pending(self, *, skip: int, limit: int) -> tuple[list[EnrollmentRecord], int]:
        return await self._store.enrollments.in_state(EnrollState.PENDING, skip=skip, limit=limit)

    # ---- helpers ---------------------------------------------------------------------------------
    def _require_signer(self) -> SignerClient:
        if self._signer is None:
            raise Refused(
                503,
                "signer_not_configured",
                "the hub has no certificate signer: run `icafe ca serve` and set ICAFE_SIGNER_SOCKET",
            )
        return self._signer

    async def _call(self, request: RevokeRequest) -> SignerAnswer:
        try:
            return await self._require_signer().call(request)
        except SignerUnavailable as exc:
            raise Refused(503, "signer_unavailable", f"{exc}; try again shortly") from None

    async def _pending(self, request_id: str) -> EnrollmentRecord:
        record = await self._store.enrollments.get(request_id)
        if record is None:
            raise Refused(404, "not_found", f"enrollment request {request_id!r} not found")
        if record.state is not EnrollState.PENDING:
            raise Refused(409, "enroll_decided", f"this request is already {record.state.value}")
        return record

    async def _check_group(self, group: str | None) -> None:
        await _check_group(self._store, group)

    async def _show_offline(self, pc_id: str, site: str | None) -> None:
        """The broker drops a removed client without its last will: say offline in its place, retained,
        so every replica's presence (and the next one to start) sees it."""
        site = site or await self._store.pcs.site_of(pc_id)
        if site is None or self._bridge is None:
            return
        status = Status(state=PcState.OFFLINE, sent_at=now_ms())
        try:
            await self._bridge.publish(
                str(Topic(site, pc_id, TopicKind.STATUS)), status, kind=TopicKind.STATUS, retain=True
            )
        except BrokerUnavailable:
            # The broker will still refuse the PC; its presence catches up when the hub reconnects.
            await self._live.set_presence(pc_id, PcState.OFFLINE.value, now_ms())

    async def _announce(self, record: EnrollmentRecord) -> None:
        state = EnrollState.PENDING if record.state is EnrollState.SIGNING else record.state
        await self._live.publish(
            {"type": "pc.enrollment", "id": record.id, "name": record.name, "state": state.value}
        )


def _sign_refused(pc_id: str, answer: SignerAnswer) -> Refused:
    if answer.refusal is SignerRefusal.ALREADY_ISSUED:
        return Refused(
            409,
            "pc_enrolled",
            f"{pc_id} already has a valid certificate: approve with replace if this PC takes its place "
            "(its disk was replaced; the old certificate is revoked), or choose another PC id",
        )
    if answer.refusal is SignerRefusal.BAD_REQUEST:
        return Refused(422, "bad_csr", f"the PC's certificate request cannot be signed: {answer.message}")
    return Refused(503, "signer_failed", f"the signer failed: {answer.message}; see its log")
