"""``icafe enroll --hub URL --code CODE``: a PC asks the hub for its certificate.

The PC makes its own P-256 key (0600, it never leaves this folder), sends a certificate request with a
one-time code, and waits while a technician approves it; then it writes its certificate, the CA's and
``agent.toml`` next to the key, ready for ``icafe agent --config <out>/agent.toml``.

The request's id and the secret to poll it with are kept in ``<out>/enrollment.json`` (0600) while it
waits, so running the command again (the agent's service does it before every start) resumes waiting
instead of spending another use of the code; a folder that already holds ``agent.toml`` is left alone
(a PC enrolled again, e.g. after its disk was replaced, starts from an empty folder and a new code).
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from edge_agent import __version__
from protocol.enrollment import (
    ENROLL_PATH,
    SECRET_HEADER,
    EnrollAccepted,
    EnrollRequest,
    EnrollState,
    EnrollStatus,
)

CONFIG_NAME = "agent.toml"
PENDING_NAME = "enrollment.json"
KEY_NAME = "pc.key"
CERT_NAME = "pc.crt"
CA_NAME = "ca.crt"
_DIR_MODE = 0o700
_PRIVATE = 0o600
_PUBLIC = 0o644
_HTTP_TIMEOUT_S = 20.0
_DEFAULT_RETRY_S = 5.0
_MAX_RETRY_S = 60.0
_SUBMIT_TRIES = 10


class EnrollError(Exception):
    """Printed as ``icafe: <message>``; the message says what to do."""


@dataclass(frozen=True)
class Enrolled:
    config: Path
    pc_id: str


@dataclass(frozen=True)
class _Pending:
    hub: str
    id: str
    secret: str
    name: str


class _Hub:
    """The hub's two public enrollment routes over HTTP(S) (standard library only, as on any PC)."""

    def __init__(self, url: str, ca_file: Path | None) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise EnrollError(f"--hub {url!r}: give the hub's address, e.g. https://hub.cafe.lan")
        self.url = url.rstrip("/")
        self._tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def call(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url + path, data=body, method=method, headers={"Content-Type": "application/json", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT_S, context=self._tls) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                # Busy (many PCs of a batch behind one address) or an outage: not a refusal.
                retry = exc.headers.get("Retry-After", "")
                wait = min(float(retry), _MAX_RETRY_S) if retry.isdigit() else _DEFAULT_RETRY_S
                raise _Unreachable(_refusal(exc), wait) from None
            raise EnrollError(_refusal(exc)) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise _Unreachable(f"the hub at {self.url} is unreachable ({exc})") from None


class _Unreachable(EnrollError):
    """A network failure, an outage or "too many requests": worth trying again, unlike a refusal."""

    def __init__(self, message: str, wait_s: float = 5.0) -> None:
        super().__init__(message)
        self.wait_s = wait_s


def _refusal(exc: urllib.error.HTTPError) -> str:
    try:
        error = json.loads(exc.read())["error"]
        message = f"{error['message']} ({exc.code} {error['code']})"
    except (ValueError, KeyError, TypeError):
        message = f"the hub answered {exc.code} {exc.reason}"
    return message


def enroll(
    out_dir: Path,
    *,
    hub: str | None,
    code: str | None,
    name: str | None = None,
    hub_ca: Path | None = None,
    wait_s: float | None = None,
    say: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> Enrolled | None:
    """Enroll this PC into ``out_dir``; None if ``wait_s`` passed before a technician approved it."""
    config = out_dir / CONFIG_NAME
    if config.exists():
        say(f"already enrolled: {config} (to enroll this PC again, use a new, empty --out folder)")
        return Enrolled(config, _configured_pc(config))
    _private_dir(out_dir)
    pending = _load_pending(out_dir)
    if pending is None:
        if hub is None or code is None:
            raise EnrollError("give --hub and --code (a code from the console: PCs > Enroll PCs)")
        pending = _submit_patiently(_Hub(hub, hub_ca), out_dir, code, name, say, sleep)
        say(f"request sent as {pending.name}; waiting for a technician to approve it (console: Enroll PCs)")
    connection = _Hub(pending.hub, hub_ca)
    deadline = None if wait_s is None else time.monotonic() + wait_s
    while True:
        try:
            status = _poll(connection, pending)
        except _Unreachable as exc:
            if deadline is not None and time.monotonic() >= deadline:
                say(f"{exc}: run the same command again to keep waiting")
                return None
            say(f"{exc}; trying again in {exc.wait_s:g} s")
            sleep(exc.wait_s)
            continue
        if status.state is EnrollState.APPROVED:
            enrolled = _install(out_dir, status)
            (out_dir / PENDING_NAME).unlink(missing_ok=True)
            say(f"enrolled as {enrolled.pc_id}: run `icafe agent --config {enrolled.config}`")
            return enrolled
        if status.state is EnrollState.REJECTED:
            (out_dir / PENDING_NAME).unlink(missing_ok=True)
            raise EnrollError(status.message)
        if deadline is not None and time.monotonic() >= deadline:
            say("not approved yet: run the same command again to keep waiting")
            return None
        sleep(status.poll_after_s)


def _submit_patiently(
    hub: _Hub,
    out_dir: Path,
    code: str,
    name: str | None,
    say: Callable[[str], None],
    sleep: Callable[[float], None],
) -> _Pending:
    """The request, sent again while the hub is unreachable or busy (a refusal is final)."""
    for attempt in range(1, _SUBMIT_TRIES + 1):
        try:
            return _submit(hub, out_dir, code, name)
        except _Unreachable as exc:
            if attempt == _SUBMIT_TRIES:
                raise
            say(f"{exc}; trying again in {exc.wait_s:g} s")
            sleep(exc.wait_s)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _submit(hub: _Hub, out_dir: Path, code: str, name: str | None) -> _Pending:
    key = _key(out_dir / KEY_NAME)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name or socket.gethostname()[:64])]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    try:
        body = EnrollRequest(
            code=code,
            csr=csr,
            name=name,
            hostname=socket.gethostname()[:253] or None,
            os=f"{platform.system()} {platform.release()}".strip()[:200] or None,
            agent_version=__version__,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise EnrollError(f"{first['loc'][0]}: {first['msg']}") from None
    answer = hub.call("POST", ENROLL_PATH, body.model_dump_json(exclude_none=True).encode(), {})
    accepted = EnrollAccepted.model_validate(answer)
    pending = _Pending(hub=hub.url, id=accepted.id, secret=accepted.secret, name=accepted.name)
    _write(out_dir / PENDING_NAME, json.dumps(pending.__dict__).encode(), _PRIVATE)
    return pending


def _poll(hub: _Hub, pending: _Pending) -> EnrollStatus:
    path = f"{ENROLL_PATH}/{urllib.parse.quote(pending.id, safe='')}"
    return EnrollStatus.model_validate(hub.call("GET", path, None, {SECRET_HEADER: pending.secret}))


def _install(out_dir: Path, status: EnrollStatus) -> Enrolled:
    if not (status.pc_id and status.site and status.certificate and status.ca and status.broker_host):
        raise EnrollError("the hub approved this PC but sent no certificate: ask the technician to check")
    certificate = x509.load_pem_x509_certificate(status.certificate.encode())
    key = _key(out_dir / KEY_NAME)
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        raise EnrollError("the certificate the hub sent is not for this PC's key: run `icafe enroll` again")
    _write(out_dir / CA_NAME, status.ca.encode(), _PUBLIC)
    _write(out_dir / CERT_NAME, status.certificate.encode(), _PUBLIC)
    config = (
        f"pc_id = {json.dumps(status.pc_id)}\n"
        f"site = {json.dumps(status.site)}\n\n"
        "[broker]\n"
        f"host = {json.dumps(status.broker_host)}\n"
        f"port = {status.broker_port or 8883}\n"
        f'ca = "{CA_NAME}"\n'
        f'cert = "{CERT_NAME}"\n'
        f'key = "{KEY_NAME}"\n'
    )
    path = out_dir / CONFIG_NAME
    _write(path, config.encode(), _PRIVATE)
    return Enrolled(path, status.pc_id)


def _spki(key: Any) -> bytes:
    der: bytes = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return der


def _key(path: Path) -> ec.EllipticCurvePrivateKey:
    """This PC's key: made once, here, and kept (a request sent again is for the same key)."""
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise EnrollError(f"{path} is not an EC key: remove it and run `icafe enroll` with a new code")
        return loaded
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(path, pem, _PRIVATE)
    return key


def _load_pending(out_dir: Path) -> _Pending | None:
    path = out_dir / PENDING_NAME
    if not path.exists():
        return None
    try:
        return _Pending(**json.loads(path.read_text()))
    except (ValueError, TypeError) as exc:
        raise EnrollError(f"{path} is damaged ({exc}): remove it and enroll with a new code") from None


def _configured_pc(config: Path) -> str:
    for line in config.read_text().splitlines():
        if line.startswith("pc_id = "):
            return str(json.loads(line.removeprefix("pc_id = ")))
    raise EnrollError(f"{config} names no pc_id: remove the folder and enroll again")


def _private_dir(path: Path) -> None:
    try:
        path.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, _DIR_MODE)
    except OSError as exc:
        raise EnrollError(f"cannot use {path}: {exc.strerror}") from None


def _write(path: Path, data: bytes, mode: int) -> None:
    """Atomically, created with its final mode (a key is never readable by others, not for an instant)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
