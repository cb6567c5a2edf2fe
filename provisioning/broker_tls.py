"""The broker's OpenSSL settings (``broker-openssl.cnf``): no TLS session resumption, so that a revoked
certificate can never skip the CRL check by resuming a session made before its revocation."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

OPENSSL_CONF = "OPENSSL_CONF"


def broker_openssl_config() -> Path:
    """The file's path (installed with the package; a plain file, as OpenSSL needs)."""
    return Path(str(resources.files("provisioning").joinpath("broker-openssl.cnf")))
