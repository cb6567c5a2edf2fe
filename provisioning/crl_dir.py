"""The CRL as a hashed directory, which the broker's TLS library reads again at every handshake.

Mosquitto 2.0 loads its ``crlfile`` once, at start, and a SIGHUP does not reload it. But a listener's
``capath`` is an OpenSSL hashed directory, and OpenSSL looks CRLs up there at every certificate check:
for each issuer it loads any file ``<issuer hash>.r<N>`` with an ``N`` beyond the last one it loaded, and
of several CRLs for the same issuer it uses the newest by ``lastUpdate`` (``X509_STORE_CTX_get1_crls``,
``get_crl_sk``). So every new CRL is written here under the next ``N``: new connections are checked
against it at once, without restarting the broker (measured with Mosquitto 2.0.11 and OpenSSL 3.0:
``tests/integration/test_enrollment.py``). Two consequences, kept by the CA:

- each CRL's ``lastUpdate`` is later than the previous one's (a tie keeps the older CRL);
- files are never removed while the broker runs: OpenSSL resumes its scan at the first number it has not
  loaded, so a gap would hide every later CRL.

OpenSSL names the files by a hash of the issuer's name (``X509_NAME_hash``, what ``openssl crl -hash``
prints), computed here from the name's canonical form.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from cryptography import x509

CRL_DIR = "crl.d"
_WHITESPACE = " \t\n\v\f\r"


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def _oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _der(0x06, bytes(body))


def _canonical_text(value: str) -> bytes:
    """OpenSSL's ``asn1_string_canon``: outer whitespace dropped, inner runs collapsed to one space, ASCII
    lower-cased, as UTF-8."""
    collapsed = re.sub(f"[{re.escape(_WHITESPACE)}]+", " ", value.strip(_WHITESPACE))
    return "".join(c.lower() if c.isascii() else c for c in collapsed).encode()


def issuer_hash(name: x509.Name) -> str:
    """``X509_NAME_hash`` of ``name`` as OpenSSL names files: 8 lower-case hex digits.

    The canonical encoding is each RDN's DER SET of (type, UTF8String of the canonical text), concatenated
    without the outer SEQUENCE; the hash is the first four bytes of its SHA-1, read little-endian. Every
    attribute is taken as a string, which holds for the names this CA writes (a common name).
    """
    encoded = bytearray()
    for rdn in name.rdns:
        members = sorted(
            _der(0x30, _oid(attribute.oid.dotted_string) + _der(0x0C, _canonical_text(str(attribute.value))))
            for attribute in rdn
        )
        encoded += _der(0x31, b"".join(members))
    digest = hashlib.sha1(bytes(encoded), usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


def next_path(directory: Path, issuer: x509.Name) -> Path:
    """Where the next CRL of ``issuer`` goes: ``<hash>.r<N>`` with N one past the highest present."""
    prefix = f"{issuer_hash(issuer)}.r"
    numbers = [
        int(path.name[len(prefix) :])
        for path in directory.glob(f"{prefix}*")
        if path.name[len(prefix) :].isdigit()
    ]
    return directory / f"{prefix}{max(numbers, default=-1) + 1}"
