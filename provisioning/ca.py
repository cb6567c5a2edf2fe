"""A small file-backed certificate authority for enrolling PCs, the hub and the broker.

Everything lives under one folder (``root``)::

    ca.crt ca.key crl.pem index.json .lock
    crl.d/<issuer hash>.r<N>     every CRL ever written, for the broker's live reload (provisioning.crl_dir)
    broker/server.crt broker/server.key
    clients/<name>.crt clients/<name>.key   (no key for a PC that enrolled with a request from its own key)

``index.json`` keeps every certificate ever issued (a name may appear several times once it
has been revoked and re-issued); the last record for a name is its current identity. A PC's record also
holds its site, set when it is issued or first enrolled and fixed for the life of that certificate: the
broker's access list (``provisioning.broker_acl``) binds each PC to its own topics under that site.
"""

from __future__ import annotations

import builtins  # the `list` method shadows the builtin inside the class
import contextlib
import fcntl
import ipaddress
import json
import os
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provisioning import crl_dir

HUB_IDENTITY = "icafe-hub"
BROKER_IDENTITY = "broker"
# Names starting with this belong to the hub and the broker's own tools, never to a PC.
SERVICE_PREFIX = "icafe-"
# Reads the broker's log and reports refused publishes and subscriptions to the hub.
BROKER_LOG_IDENTITY = "icafe-broker-log"
# Changes the broker's access list at run time (Mosquitto's dynamic-security plugin).
BROKER_ADMIN_IDENTITY = "icafe-broker-admin"

Kind = Literal["pc", "hub", "service", "broker"]
ClientKind = Literal["pc", "hub", "service"]

CA_VALIDITY = timedelta(days=3650)
LEAF_VALIDITY = timedelta(days=825)
CRL_VALIDITY = timedelta(days=365)
# Backdate notBefore so a PC whose clock runs a little behind still accepts a fresh cert.
CLOCK_SKEW = timedelta(minutes=5)

# Names become MQTT topic levels and broker usernames: no '/', '+', '#' or whitespace.
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_NAME_RULE = "a name must be 1-64 characters of letters, digits, '-' or '_', starting with a letter or digit"

_DIR_MODE = 0o755
_KEY_MODE = 0o600
_PUBLIC_MODE = 0o644
_INDEX_VERSION = 1


class CAError(Exception):
    """Any failure of the CA; the message says what to do next."""


class AlreadyIssued(CAError):
    """The name has a valid certificate and the caller did not ask to replace it."""


class BadRequest(CAError):
    """A certificate request that cannot be signed (malformed, a bad signature, a key we do not issue for)."""


@dataclass(frozen=True)
class Identity:
    name: str
    kind: Kind
    cert_path: Path
    key_path: Path
    serial: int
    not_after: datetime
    revoked: bool
    # A PC's site, from its enrollment record; None for the hub, services, and a PC not yet enrolled
    # (which the broker then refuses everything).
    site: str | None = None

    @property
    def expired(self) -> bool:
        return self.not_after <= datetime.now(UTC)


# --------------------------------------------------------------------------- files


def atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` so readers see either the old or the new file, never a mix.

    The temp file is created with its final mode, so a private key is never readable by others,
    not even for an instant; fchmod then makes the mode exact regardless of the umask.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise CAError(
            f"cannot write {path}: {exc.strerror}; check the folder's owner and permissions"
        ) from exc


def _make_dir(path: Path, mode: int) -> None:
    try:
        if not path.is_dir():
            path.mkdir(parents=True)
            os.chmod(path, mode)  # mkdir's mode is filtered by the umask
    except OSError as exc:
        raise CAError(f"cannot create {path}: {exc.strerror}; check the parent folder's permissions") from exc


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CAError(f"cannot read {path}: {exc.strerror}; check that the CA folder is intact") from exc


@contextlib.contextmanager
def _file_lock(root: Path) -> Iterator[None]:
    """Serialise writers (the CLI and the hub may both issue) with an flock on root/.lock."""
    try:
        fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, _KEY_MODE)
    except OSError as exc:
        raise CAError(f"cannot lock {root}: {exc.strerror}; check the folder's permissions") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    # Unencrypted on purpose: services must start unattended; the key is protected by mode 0600.
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


# --------------------------------------------------------------------------- names


def validate_name(name: str, kind: str) -> None:
    """Raise CAError unless ``name`` may be issued as ``kind``.

    Reserved names are compared case-insensitively: on a case-insensitive file system
    clients/ICAFE-HUB.key would otherwise overwrite the hub's key.
    """
    if kind not in ("pc", "hub", "service", "broker"):
        raise CAError(f"unknown kind {kind!r}: use 'pc' or 'hub'")
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise CAError(f"invalid name {name!r}: {_NAME_RULE}")
    folded = name.casefold()
    if kind != "broker" and folded == BROKER_IDENTITY:
        raise CAError(f"{name!r} is reserved for the broker's server certificate; choose another name")
    if folded == HUB_IDENTITY and (kind != "hub" or name != HUB_IDENTITY):
        raise CAError(f"{name!r} is reserved for the hub: issue {HUB_IDENTITY!r} with kind 'hub'")
    if kind == "pc" and folded.startswith(SERVICE_PREFIX):
        raise CAError(f"{name!r}: names starting with {SERVICE_PREFIX!r} are reserved for the hub's services")
    if kind == "service" and not folded.startswith(SERVICE_PREFIX):
        raise CAError(f"{name!r}: a service's name starts with {SERVICE_PREFIX!r}")


def validate_site(site: str) -> None:
    """Raise CAError unless ``site`` is safe as one MQTT topic level (it becomes one in the broker's ACL)."""
    if not isinstance(site, str) or not _NAME_PATTERN.fullmatch(site):
        raise CAError(f"invalid site {site!r}: {_NAME_RULE.replace('a name', 'a site')}")


def _validate_client(name: str, kind: str) -> None:
    if kind not in ("pc", "hub", "service"):
        raise CAError(
            f"cannot issue kind {kind!r}: use 'pc' or 'hub' (the broker is created by `icafe ca init`)"
        )
    validate_name(name, kind)


def _check_site(kind: str, site: str | None) -> None:
    if site is None:
        return
    if kind != "pc":
        raise CAError(f"only a PC belongs to a site, not a {kind}")
    validate_site(site)


# --------------------------------------------------------------------------- index


@dataclass
class _Record:
    name: str
    kind: Kind
    serial: int
    not_after: datetime
    revoked: bool = False
    revoked_at: datetime | None = None
    site: str | None = None

    def is_valid(self, now: datetime) -> bool:
        return not self.revoked and self.not_after > now

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "serial": self.serial,
            "not_after": self.not_after.isoformat(),
            "revoked": self.revoked,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "site": self.site,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Record:
        revoked_at = data.get("revoked_at")
        return cls(
            name=str(data["name"]),
            kind=data["kind"],
            serial=int(data["serial"]),
            not_after=datetime.fromisoformat(data["not_after"]),
            revoked=bool(data["revoked"]),
            revoked_at=datetime.fromisoformat(revoked_at) if revoked_at else None,
            # Records written before sites were kept have none.
            site=str(data["site"]) if data.get("site") is not None else None,
        )


@dataclass
class _Index:
    records: list[_Record] = field(default_factory=list)
    current: dict[str, _Record] = field(default_factory=dict)
    changed: bool = False
    crl_changed: bool = False

    def add(self, record: _Record) -> None:
        self.records.append(record)
        self.current[record.name] = record
        self.changed = True

    def bind_site(self, record: _Record, site: str | None) -> None:
        """Give a PC the site it is being enrolled at; a certificate never changes site."""
        if site is None or record.site == site:
            return
        if record.site is not None:
            raise CAError(
                f"{record.name!r} is enrolled at site {record.site!r}, not {site!r}: to move it, revoke it "
                f"and issue it again with the new site"
            )
        record.site = site
        self.changed = True

    def revoke(self, record: _Record, when: datetime) -> None:
        record.revoked = True
        record.revoked_at = when
        self.changed = True
        self.crl_changed = True

    def to_bytes(self) -> bytes:
        body = {"version": _INDEX_VERSION, "records": [r.to_json() for r in self.records]}
        return json.dumps(body, indent=1).encode() + b"\n"

    @classmethod
    def from_bytes(cls, raw: bytes, path: Path) -> _Index:
        try:
            body = json.loads(raw)
            records = [_Record.from_json(item) for item in body["records"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise CAError(f"{path} is corrupt ({exc}); restore it from a backup") from exc
        index = cls()
        for record in records:
            index.add(record)
        index.changed = False
        return index


# --------------------------------------------------------------------------- the CA


class CertificateAuthority:
    """Issue, revoke and list the certificates of one installation (see the module docstring)."""

    def __init__(self, root: Path, ca_cert: x509.Certificate) -> None:
        """Use :meth:`init` or :meth:`open` rather than calling this directly."""
        self.root = root
        self.ca_cert_path = root / "ca.crt"
        self.ca_key_path = root / "ca.key"
        self.crl_path = root / "crl.pem"
        self.index_path = root / "index.json"
        self._ca_cert = ca_cert
        self._ca_key: ec.EllipticCurvePrivateKey | None = None

    # -- construction

    @classmethod
    def init(
        cls,
        root: Path,
        *,
        common_name: str = "icafe CA",
        broker_hosts: Sequence[str] = ("localhost", "127.0.0.1", "::1"),
        exist_ok: bool = False,
    ) -> CertificateAuthority:
        """Create a CA with its broker identity and an empty CRL, or return the existing one."""
        root = Path(root)
        if not common_name.strip():
            raise CAError("the CA common name must not be empty")
        if isinstance(broker_hosts, str) or not broker_hosts or not all(h.strip() for h in broker_hosts):
            raise CAError("give at least one broker host name or IP address, none of them empty")
        # root stays world-traversable so a broker running as another user can read ca.crt and
        # crl.pem; the keys inside are 0600.
        _make_dir(root, _DIR_MODE)
        with _file_lock(root):
            exists = _has_ca(root)
            if exists and not exist_ok:
                raise CAError(f"a CA already exists in {root}: use it, or remove the folder to start over")
            if not exists:
                _refuse_leftovers(root)
                cls._create(root, common_name, broker_hosts)
        ca = cls.open(root)
        if exists:
            ca.refresh_crl()  # an expired CRL makes OpenSSL refuse every client
        return ca

    @classmethod
    def _create(cls, root: Path, common_name: str, broker_hosts: Sequence[str]) -> None:
        now = datetime.now(UTC)
        key = _new_key()
        cert = _build_ca_cert(key, common_name, now)
        atomic_write(root / "ca.key", _pem_key(key), _KEY_MODE)
        atomic_write(root / "ca.crt", cert.public_bytes(serialization.Encoding.PEM), _PUBLIC_MODE)
        ca = cls(root, cert)
        ca._ca_key = key
        index = _Index()
        index.add(ca._issue_files(BROKER_IDENTITY, "broker", now, broker_hosts))
        ca._write_crl(index, now)
        # index.json last: its presence is what marks the CA as complete.
        atomic_write(ca.index_path, index.to_bytes(), _PUBLIC_MODE)

    @classmethod
    def open(cls, root: Path) -> CertificateAuthority:
        root = Path(root)
        if not _has_ca(root):
            raise CAError(f"no CA in {root}: run `icafe ca init`")
        try:
            cert = x509.load_pem_x509_certificate(_read_bytes(root / "ca.crt"))
        except ValueError as exc:
            raise CAError(f"{root / 'ca.crt'} is not a PEM certificate; restore it from a backup") from exc
        return cls(root, cert)

    # -- queries

    def broker_identity(self) -> Identity:
        return self.get(BROKER_IDENTITY)

    def get(self, name: str) -> Identity:
        record = self._load_index().current.get(name)
        if record is None:
            raise CAError(f"no identity named {name!r}: issue it with `icafe ca issue {name}`")
        return self._identity(record)

    def list(self) -> list[Identity]:
        current = self._load_index().current
        return [self._identity(current[n]) for n in sorted(current) if current[n].kind != "broker"]

    # -- changes

    def issue(
        self, name: str, *, kind: ClientKind = "pc", overwrite: bool = False, site: str | None = None
    ) -> Identity:
        """A new certificate for ``name``; a PC's ``site`` may be given here or at its first enrollment."""
        _validate_client(name, kind)
        _check_site(kind, site)
        with self._editing() as index:
            now = datetime.now(UTC)
            existing = index.current.get(name)
            if existing and existing.is_valid(now) and not overwrite:
                raise CAError(f"{name!r} is already issued; revoke it first or pass overwrite")
            record = self._replace(index, name, kind, now, site)
        return self._identity(record)

    def issue_many(
        self, names: Sequence[str], *, kind: ClientKind = "pc", site: str | None = None
    ) -> builtins.list[Identity]:
        """Issue every name that lacks a valid identity (bound to ``site``); the index is written once."""
        for name in names:
            _validate_client(name, kind)  # refuse the whole batch before writing anything
        _check_site(kind, site)
        with self._editing() as index:
            now = datetime.now(UTC)
            records: builtins.list[_Record] = []
            for name in names:
                existing = index.current.get(name)
                if existing and existing.is_valid(now):
                    index.bind_site(existing, site)
                    records.append(existing)
                else:
                    records.append(self._replace(index, name, kind, now, site))
        return [self._identity(r) for r in records]

    def ensure(self, name: str, *, kind: ClientKind = "pc", site: str | None = None) -> Identity:
        """The valid identity of ``name``, issued if there is none; a PC is bound to ``site`` if given."""
        _validate_client(name, kind)
        _check_site(kind, site)
        with self._editing() as index:
            now = datetime.now(UTC)
            existing = index.current.get(name)
            if existing and existing.is_valid(now):
                if existing.kind != kind:
                    raise CAError(f"{name!r} is already issued as a {existing.kind}, not a {kind}")
                index.bind_site(existing, site)
                record = existing
            else:
                record = self._replace(index, name, kind, now, site)
        return self._identity(record)

    def sign_request(self, name: str, request_pem: bytes, *, site: str, replace: bool = False) -> Identity:
        """A PC certificate for the key in ``request_pem`` (a PKCS#10 request made on the PC, whose private
        key never leaves it), enrolled at ``site``. The request's subject is ignored: the CA names the PC.
        A valid certificate of ``name`` is refused unless ``replace``, which revokes it (a PC re-enrolled
        after its disk was replaced)."""
        _validate_client(name, "pc")
        validate_site(site)
        public_key = _requested_key(request_pem)
        with self._editing() as index:
            now = datetime.now(UTC)
            existing = index.current.get(name)
            if existing and existing.is_valid(now):
                if existing.kind != "pc":
                    raise CAError(f"{name!r} is issued as a {existing.kind}, not a PC")
                if not replace:
                    raise AlreadyIssued(
                        f"{name!r} already has a valid certificate (serial {existing.serial:x}); replace it "
                        "(which revokes it) or choose another name"
                    )
            record = self._replace(index, name, "pc", now, site, public_key=public_key)
        return self._identity(record)

    def valid_identities(self) -> builtins.list[Identity]:
        """Every identity that can connect now (neither revoked nor expired), the broker's excepted."""
        now = datetime.now(UTC)
        current = self._load_index().current
        return [
            self._identity(current[n])
            for n in sorted(current)
            if current[n].kind != "broker" and current[n].is_valid(now)
        ]

    def revoke(self, name: str) -> Identity:
        if name == BROKER_IDENTITY:
            raise CAError("the broker identity cannot be revoked; run `icafe ca init` in a new folder")
        with self._editing() as index:
            record = index.current.get(name)
            if record is None:
                raise CAError(f"no identity named {name!r}; see `icafe ca list`")
            if record.revoked:
                raise CAError(f"{name!r} is already revoked; issue it again to give it a new certificate")
            index.revoke(record, datetime.now(UTC))
        return self._identity(record)

    def refresh_crl(self) -> None:
        with _file_lock(self.root):
            self._write_crl(self._load_index(), datetime.now(UTC))

    def grant_broker_read(self, uid: int, gid: int) -> None:
        """Hand broker/server.key to the broker's user; everything else stays with the CA owner."""
        key_path = self._key_path(BROKER_IDENTITY, "broker")
        try:
            os.chown(key_path, uid, gid)
        except OSError as exc:
            raise CAError(f"cannot chown {key_path}: {exc.strerror}; run this as root") from exc

    # -- internals

    @contextlib.contextmanager
    def _editing(self) -> Iterator[_Index]:
        """Lock, load the index, let the caller change it, then persist the index and CRL."""
        with _file_lock(self.root):
            index = self._load_index()
            yield index
            if index.crl_changed:
                self._write_crl(index, datetime.now(UTC))
            if index.changed:
                atomic_write(self.index_path, index.to_bytes(), _PUBLIC_MODE)

    def _replace(
        self,
        index: _Index,
        name: str,
        kind: Kind,
        now: datetime,
        site: str | None = None,
        *,
        public_key: ec.EllipticCurvePublicKey | None = None,
    ) -> _Record:
        """Issue a fresh certificate for ``name`` (for ``public_key``, else a key made here); a still-valid
        predecessor is revoked."""
        previous = index.current.get(name)
        if previous and previous.is_valid(now):
            # Its key may be the reason for the overwrite, so it must stop working too.
            index.revoke(previous, now)
        record = self._issue_files(name, kind, now, public_key=public_key)
        record.site = site
        index.add(record)
        return record

    def _issue_files(
        self,
        name: str,
        kind: Kind,
        now: datetime,
        hosts: Sequence[str] = (),
        *,
        public_key: ec.EllipticCurvePublicKey | None = None,
    ) -> _Record:
        cert_path, key_path = self._cert_path(name, kind), self._key_path(name, kind)
        _make_dir(cert_path.parent, _DIR_MODE)
        if public_key is None:
            key = _new_key()
            public_key = key.public_key()
            atomic_write(key_path, _pem_key(key), _KEY_MODE)
        else:
            # The key is the PC's own; a key left from an earlier certificate of this name matches nothing.
            _remove(key_path)
        cert = self._sign_leaf(name, kind, public_key, now, hosts)
        atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM), _PUBLIC_MODE)
        return _Record(name, kind, cert.serial_number, cert.not_valid_after_utc)

    def _sign_leaf(
        self,
        name: str,
        kind: Kind,
        public_key: ec.EllipticCurvePublicKey,
        now: datetime,
        hosts: Sequence[str],
    ) -> x509.Certificate:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, name),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, kind),
            ]
        )
        ca_ski = self._ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        # A leaf must not outlive its issuer, or clients would reject it near the CA's end of life.
        not_after = min(now + LEAF_VALIDITY, self._ca_cert.not_valid_after_utc)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if kind == "broker" else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._ca_cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
            )
        )
        if hosts:
            builder = builder.add_extension(x509.SubjectAlternativeName(_host_names(hosts)), critical=False)
        return builder.sign(self._signing_key(), hashes.SHA256())

    def _write_crl(self, index: _Index, now: datetime) -> None:
        """Sign the CRL into crl.pem (read by the broker at its start) and the next file of crl.d/ (read
        at every handshake: ``provisioning.crl_dir``)."""
        ca_ski = self._ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        last_update = self._next_crl_time(now)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self._ca_cert.subject)
            .last_update(last_update)
            .next_update(last_update + CRL_VALIDITY)
            # Milliseconds since the epoch: increases with every CRL without storing a counter.
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
            )
        )
        for record in index.records:
            if record.revoked:
                entry = (
                    x509.RevokedCertificateBuilder()
                    .serial_number(record.serial)
                    .revocation_date(record.revoked_at or now)
                    .build()
                )
                builder = builder.add_revoked_certificate(entry)
        pem = builder.sign(self._signing_key(), hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
        directory = self.root / crl_dir.CRL_DIR
        _make_dir(directory, _DIR_MODE)
        atomic_write(crl_dir.next_path(directory, self._ca_cert.subject), pem, _PUBLIC_MODE)
        atomic_write(self.crl_path, pem, _PUBLIC_MODE)

    def _next_crl_time(self, now: datetime) -> datetime:
        """``now`` to the second, always after the current CRL's lastUpdate: of two CRLs with the same one,
        OpenSSL keeps using the one it loaded first. Two changes within one second: the second waits for
        the next second (under the CA's lock), since a CRL dated ahead would be "not yet valid" to
        OpenSSL, which then refuses every client that only it covers."""
        try:
            current = x509.load_pem_x509_crl(self.crl_path.read_bytes()).last_update_utc
        except (OSError, ValueError):
            return now.replace(microsecond=0)
        while (stamp := datetime.now(UTC).replace(microsecond=0)) <= current:
            time.sleep(max(0.01, (current + timedelta(seconds=1) - datetime.now(UTC)).total_seconds()))
        return stamp

    def _signing_key(self) -> ec.EllipticCurvePrivateKey:
        # Loaded on first use so read-only callers (list, get) need no access to ca.key.
        if self._ca_key is None:
            try:
                key = serialization.load_pem_private_key(_read_bytes(self.ca_key_path), password=None)
            except (ValueError, TypeError) as exc:
                raise CAError(f"{self.ca_key_path} is not a usable key; restore it from a backup") from exc
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise CAError(f"{self.ca_key_path} is not an EC key; restore it from a backup")
            self._ca_key = key
        return self._ca_key

    def _load_index(self) -> _Index:
        return _Index.from_bytes(_read_bytes(self.index_path), self.index_path)

    def _identity(self, record: _Record) -> Identity:
        return Identity(
            name=record.name,
            kind=record.kind,
            cert_path=self._cert_path(record.name, record.kind),
            key_path=self._key_path(record.name, record.kind),
            serial=record.serial,
            not_after=record.not_after,
            revoked=record.revoked,
            site=record.site,
        )

    def _cert_path(self, name: str, kind: Kind) -> Path:
        return (
            self.root / "broker" / "server.crt" if kind == "broker" else self.root / "clients" / f"{name}.crt"
        )

    def _key_path(self, name: str, kind: Kind) -> Path:
        return (
            self.root / "broker" / "server.key" if kind == "broker" else self.root / "clients" / f"{name}.key"
        )


# --------------------------------------------------------------------------- helpers


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise CAError(f"cannot remove {path}: {exc.strerror}; check the folder's permissions") from exc


def _requested_key(request_pem: bytes) -> ec.EllipticCurvePublicKey:
    """The public key of a PKCS#10 request whose signature proves its sender holds the private key."""
    try:
        request = x509.load_pem_x509_csr(request_pem)
    except ValueError:
        raise BadRequest("the certificate request is not a PEM PKCS#10 request; generate it again") from None
    if not request.is_signature_valid:
        raise BadRequest("the certificate request's signature does not match its key; generate it again")
    key = request.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise BadRequest("the certificate request must be for an ECDSA P-256 key (what `icafe enroll` makes)")
    return key


def _has_ca(root: Path) -> bool:
    return (root / "index.json").is_file() and (root / "ca.crt").is_file()


def _refuse_leftovers(root: Path) -> None:
    leftovers = [p.name for p in (root / "ca.key", root / "ca.crt", root / "broker") if p.exists()]
    if leftovers:
        raise CAError(
            f"{root} holds an incomplete CA ({', '.join(leftovers)}); "
            "remove the folder and run `icafe ca init`"
        )


def _key_usage(*, digital_signature: bool = False, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _build_ca_cert(key: ec.EllipticCurvePrivateKey, common_name: str, now: datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _host_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(_dns_name(host))
    return names


def _dns_name(host: str) -> x509.DNSName:
    try:
        return x509.DNSName(host.encode("idna").decode("ascii"))
    except (UnicodeError, ValueError) as exc:
        raise CAError(f"invalid broker host {host!r}: give a DNS name or an IP address") from exc
