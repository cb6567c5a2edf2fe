"""Enrollment over HTTP between a PC (``icafe enroll``) and the hub: the PC sends a certificate request
for a key it made and keeps, with a one-time code; a technician approves it; the PC collects its
certificate with the secret it was given for that request.

    POST /api/v1/enroll           EnrollRequest  -> 202 EnrollAccepted
    GET  /api/v1/enroll/{id}      header X-Enrollment-Secret -> 200 EnrollStatus
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from protocol.signer import MAX_REQUEST_PEM
from protocol.topics import NAME_PATTERN

ENROLL_PATH = "/api/v1/enroll"
SECRET_HEADER = "X-Enrollment-Secret"  # noqa: S105 - a header name
# Codes are shown as four groups of four (``K7QM-3XRT-9PWH-ZC2D``); spaces and dashes are ignored.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16

Name = Annotated[str, Field(pattern=f"^{NAME_PATTERN}$")]


class EnrollState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class EnrollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(min_length=CODE_LENGTH, max_length=40, description="the one-time code")]
    csr: Annotated[
        str, Field(min_length=1, max_length=MAX_REQUEST_PEM, description="PKCS#10 request (PEM), P-256")
    ]
    name: Name | None = Field(
        default=None,
        description="the PC id asked for; a code made for one PC allows only that one",
    )
    hostname: Annotated[str, Field(max_length=253)] | None = None
    os: Annotated[str, Field(max_length=200)] | None = None
    agent_version: Annotated[str, Field(max_length=64)] | None = None


class EnrollAccepted(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="the request's id, to poll")
    secret: str = Field(description=f"send it as {SECRET_HEADER} when polling; shown once")
    state: EnrollState
    name: str = Field(description="the PC id asked for (the technician may choose another)")
    poll_after_s: int = Field(description="how long to wait between polls")


class EnrollStatus(BaseModel):
    """The request's state; once approved, everything the agent needs to connect."""

    model_config = ConfigDict(extra="forbid")

    id: str
    state: EnrollState
    message: str = Field(description="what happens next, for the person at the PC")
    pc_id: str | None = None
    site: str | None = None
    certificate: str | None = Field(default=None, description="the PC's certificate, PEM")
    ca: str | None = Field(default=None, description="the CA's certificate, PEM: trust the broker by it")
    broker_host: str | None = None
    broker_port: int | None = None
    poll_after_s: int = Field(description="how long to wait before polling again")
