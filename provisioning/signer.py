"""``icafe ca serve``: the certificate signer, the only process that holds the CA's key.

The hub approves PCs, but it faces the staff network and reads what every PC sends, so it never holds
``ca.key``: a compromised hub could otherwise mint any identity (the hub's own, which may read every PC's
topics, or the broker's administrator). The hub asks this signer instead, over a Unix socket in a folder
only the two of them can enter (the socket is 0660, and the signer also checks the peer's uid). The signer
does three things and nothing else:

- ``sign``: certify the key of a request made on a PC as that PC (kind ``pc``, never a service name), at
  its site; replacing a valid certificate of that name revokes it;
- ``revoke``: revoke a PC's certificate;
- ``status``: the state of a PC's certificate.

Each change also reaches the broker without restarting it: the CA writes the new CRL into ``crl.d/``
(``provisioning.crl_dir``: new connections are checked against it at once), the access list's file is
rewritten for the broker's next start, and the running broker's dynamic-security plugin gets the change
over ``$CONTROL`` as ``icafe-broker-admin``: a revoked or replaced PC is disconnected at once, a new one
let in. One JSON line in, one JSON line out (``protocol.signer``).
"""

from __future__ import annotations

import logging
import os
import socket
import socketserver
import ssl
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from protocol.signer import (
    MAX_LINE,
    BrokerChange,
    CertificateState,
    RevokeRequest,
    SignerAnswer,
    SignerRefusal,
    SignerRequest,
    SignRequest,
    StatusRequest,
)
from protocol.transport import tls_context
from provisioning.broker_acl import (
    BrokerAdmin,
    Command,
    grant_commands,
    revoke_commands,
    write_broker_acl,
)
from provisioning.ca import (
    BROKER_ADMIN_IDENTITY,
    AlreadyIssued,
    BadRequest,
    CAError,
    CertificateAuthority,
    Identity,
)

log = logging.getLogger("icafe.signer")

SOCKET_MODE = 0o660
_REQUESTS: TypeAdapter[SignRequest | RevokeRequest | StatusRequest] = TypeAdapter(SignerRequest)
_PEERCRED = struct.Struct("3i")  # pid, uid, gid


@dataclass(frozen=True)
class BrokerLink:
    """Where the running broker's hub listener is, for the access list's administrator."""

    host: str
    port: int
    timeout_s: float = 10.0


class Signer:
    """The operations, with their effect on the broker; thread-safe (the CA locks its folder)."""

    def __init__(self, ca: CertificateAuthority, broker: BrokerLink | None) -> None:
        self._ca = ca
        self._broker = broker

    def handle(self, request: SignRequest | RevokeRequest | StatusRequest) -> SignerAnswer:
        try:
            if isinstance(request, SignRequest):
                return self._sign(request)
            if isinstance(request, RevokeRequest):
                return self._revoke(request)
            return self._status(request.pc_id)
        except AlreadyIssued as exc:
            return _refused(SignerRefusal.ALREADY_ISSUED, exc)
        except BadRequest as exc:
            return _refused(SignerRefusal.BAD_REQUEST, exc)
        except CAError as exc:
            log.error("CA failure: %s", exc)
            return _refused(SignerRefusal.FAILED, exc)

    def _sign(self, request: SignRequest) -> SignerAnswer:
        identity = self._ca.sign_request(
            request.pc_id, request.csr.encode(), site=request.site, replace=request.replace
        )
        log.info(
            "signed %s at site %s (serial %x)%s",
            identity.name,
            request.site,
            identity.serial,
            ", replacing its previous certificate" if request.replace else "",
        )
        change, detail = self._apply(grant_commands(request.site, request.pc_id))
        return self._answer(identity, change, detail, certificate=_read(identity.cert_path))

    def _revoke(self, request: RevokeRequest) -> SignerAnswer:
        try:
            current = self._ca.get(request.pc_id)
        except CAError:
            return SignerAnswer(
                ok=False,
                refusal=SignerRefusal.NOT_ISSUED,
                message=f"{request.pc_id!r} has no certificate; see `icafe ca list`",
            )
        if current.kind != "pc":
            return _refused(SignerRefusal.NOT_ISSUED, CAError(f"{request.pc_id!r} is not a PC"))
        if current.revoked:
            return SignerAnswer(
                ok=False,
                refusal=SignerRefusal.ALREADY_REVOKED,
                message=f"{request.pc_id!r} is already revoked",
                pc_id=request.pc_id,
                state=CertificateState.REVOKED,
            )
        identity = self._ca.revoke(request.pc_id)
        log.info("revoked %s (serial %x)", identity.name, identity.serial)
        change, detail = self._apply(revoke_commands(request.pc_id))
        return self._answer(identity, change, detail)

    def _status(self, pc_id: str) -> SignerAnswer:
        try:
            identity = self._ca.get(pc_id)
        except CAError:
            return SignerAnswer(ok=True, pc_id=pc_id, state=CertificateState.NONE)
        return self._answer(identity, None, None)

    def _answer(
        self,
        identity: Identity,
        change: BrokerChange | None,
        detail: str | None,
        *,
        certificate: str | None = None,
    ) -> SignerAnswer:
        return SignerAnswer(
            ok=True,
            pc_id=identity.name,
            state=_state(identity),
            site=identity.site,
            serial=f"{identity.serial:x}",
            not_after=int(identity.not_after.timestamp() * 1000),
            certificate=certificate,
            ca=_read(self._ca.ca_cert_path) if certificate is not None else None,
            broker=change,
            broker_detail=detail,
        )

    def _apply(self, commands: list[Command]) -> tuple[BrokerChange, str | None]:
        """The access list's file for the next start, and the change in the running broker now."""
        write_broker_acl(self._ca)
        if self._broker is None:
            return BrokerChange.NOT_CONFIGURED, "the signer does not know the broker: restart the broker"
        try:
            admin = self._ca.get(BROKER_ADMIN_IDENTITY)
            tls = tls_context(self._ca.ca_cert_path, admin.cert_path, admin.key_path)
            with BrokerAdmin(
                self._broker.host, self._broker.port, tls, timeout_s=self._broker.timeout_s
            ) as broker:
                broker.apply(commands)
        except (CAError, OSError, ssl.SSLError) as exc:
            log.warning("the broker's access list was not changed now: %s", exc)
            return BrokerChange.UNREACHABLE, f"{exc}; the broker applies the change when it starts"
        return BrokerChange.APPLIED, None


def _state(identity: Identity) -> CertificateState:
    if identity.revoked:
        return CertificateState.REVOKED
    return CertificateState.EXPIRED if identity.expired else CertificateState.VALID


def _refused(refusal: SignerRefusal, exc: Exception) -> SignerAnswer:
    return SignerAnswer(ok=False, refusal=refusal, message=str(exc))


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise CAError(f"cannot read {path}: {exc.strerror}") from exc


# --------------------------------------------------------------------------- the socket


def peer_uid(connection: socket.socket) -> int:
    _pid, uid, _gid = _PEERCRED.unpack(
        connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
    )
    return int(uid)


class _Handler(socketserver.StreamRequestHandler):
    server: SignerServer

    def handle(self) -> None:
        uid = peer_uid(self.connection)
        if uid not in self.server.allowed_uids:
            log.warning("refused a caller with uid %d (allowed: %s)", uid, sorted(self.server.allowed_uids))
            self._send(_refused(SignerRefusal.FAILED, PermissionError(f"uid {uid} may not use the signer")))
            return
        line = self.rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            self._send(_refused(SignerRefusal.BAD_REQUEST, ValueError("one JSON line of at most 64 KiB")))
            return
        try:
            request = _REQUESTS.validate_json(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "request"
            self._send(_refused(SignerRefusal.BAD_REQUEST, ValueError(f"{where}: {first['msg']}")))
            return
        self._send(self.server.signer.handle(request))

    def _send(self, answer: SignerAnswer) -> None:
        self.wfile.write(answer.model_dump_json(exclude_none=True).encode() + b"\n")


class SignerServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, signer: Signer, allowed_uids: Iterable[int]) -> None:
        self.signer = signer
        self.allowed_uids = frozenset(allowed_uids)
        path.unlink(missing_ok=True)  # a socket left by a signer that died
        # Created 0660: the socket's group (the hub's) may connect, nobody else.
        previous = os.umask(0o777 & ~SOCKET_MODE)
        try:
            super().__init__(str(path), _Handler)
        finally:
            os.umask(previous)
        self.path = path

    def server_close(self) -> None:
        super().server_close()
        self.path.unlink(missing_ok=True)


def serve(
    ca: CertificateAuthority,
    path: Path,
    broker: BrokerLink | None,
    allowed_uids: Iterable[int],
    ready: Callable[[], None] = lambda: None,
    stop: threading.Event | None = None,
) -> None:
    """Answer on ``path`` until ``stop`` is set (or forever)."""
    server = SignerServer(path, Signer(ca, broker), allowed_uids)
    log.info("signing for the CA in %s on %s (uids %s)", ca.root, path, sorted(server.allowed_uids))
    ready()
    try:
        if stop is None:
            server.serve_forever()
        else:
            worker = threading.Thread(target=server.serve_forever, name="signer", daemon=True)
            worker.start()
            stop.wait()
            server.shutdown()
            worker.join()
    finally:
        server.server_close()
