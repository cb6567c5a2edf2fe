"""What the hub asks of the certificate signer, and what it answers: one JSON line each way over the
signer's Unix socket (``icafe ca serve``, ``provisioning.signer``).

The signer holds the CA's key, so the hub never does; it signs only PC certificates, for a request made
on the PC, and it changes the running broker's access list when it does.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.topics import NAME_PATTERN

# A P-256 request is under 600 bytes of PEM; a line of the protocol is bounded well above any of it.
MAX_REQUEST_PEM = 8 * 1024
MAX_LINE = 64 * 1024

Name = Annotated[str, Field(pattern=f"^{NAME_PATTERN}$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignRequest(_Request):
    """Certify the key of ``csr`` as PC ``pc_id`` at ``site``; ``replace`` revokes a valid certificate of
    that name first (a PC re-enrolled after its disk was replaced)."""

    op: Literal["sign"] = "sign"
    pc_id: Name
    site: Name
    csr: Annotated[str, Field(min_length=1, max_length=MAX_REQUEST_PEM)]
    replace: bool = False


class RevokeRequest(_Request):
    """Revoke the PC's certificate and remove it from the running broker, which disconnects it."""

    op: Literal["revoke"] = "revoke"
    pc_id: Name


class StatusRequest(_Request):
    """The state of the PC's current certificate."""

    op: Literal["status"] = "status"
    pc_id: Name


SignerRequest = Annotated[SignRequest | RevokeRequest | StatusRequest, Field(discriminator="op")]


class CertificateState(StrEnum):
    NONE = "none"
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


class SignerRefusal(StrEnum):
    """Why the signer refused: the hub turns each into a clear answer for the technician."""

    BAD_REQUEST = "bad_request"  # the PC's certificate request is unusable
    ALREADY_ISSUED = "already_issued"  # the name has a valid certificate; ask again with replace
    NOT_ISSUED = "not_issued"  # nothing to revoke under that name
    ALREADY_REVOKED = "already_revoked"
    FAILED = "failed"  # the CA itself failed (its folder, its key): see the signer's log


class BrokerChange(StrEnum):
    APPLIED = "applied"  # the running broker's access list changed
    UNREACHABLE = "unreachable"  # written to the file the broker reads at its start, not applied now
    NOT_CONFIGURED = "not_configured"  # the signer was started without the broker's address


class SignerAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ok: bool
    refusal: SignerRefusal | None = None
    message: str | None = None
    pc_id: str | None = None
    state: CertificateState | None = None
    site: str | None = None
    serial: str | None = Field(default=None, description="hexadecimal")
    not_after: int | None = Field(default=None, description="epoch milliseconds")
    certificate: str | None = Field(default=None, description="PEM")
    ca: str | None = Field(default=None, description="the CA's certificate, PEM")
    broker: BrokerChange | None = None
    broker_detail: str | None = None
