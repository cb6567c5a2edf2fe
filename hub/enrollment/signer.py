"""The hub's side of the certificate signer (``provisioning.signer``): one JSON line each way over its
Unix socket, never blocking the event loop."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from pydantic import ValidationError

from hub.errors import HubError
from protocol.signer import (
    MAX_LINE,
    RevokeRequest,
    SignerAnswer,
    SignRequest,
    StatusRequest,
)


class SignerUnavailable(HubError):
    """The signer did not answer (not running, its socket missing, too slow); nothing was changed."""


class SignerClient:
    def __init__(self, socket_path: Path, timeout_s: float = 20.0) -> None:
        self._path = socket_path
        self._timeout_s = timeout_s

    async def call(self, request: SignRequest | RevokeRequest | StatusRequest) -> SignerAnswer:
        try:
            async with asyncio.timeout(self._timeout_s):
                reader, writer = await asyncio.open_unix_connection(str(self._path), limit=MAX_LINE + 1)
                try:
                    writer.write(request.model_dump_json().encode() + b"\n")
                    await writer.drain()
                    line = await reader.readline()
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
        except TimeoutError:
            raise SignerUnavailable(
                f"the certificate signer did not answer within {self._timeout_s:g} s"
            ) from None
        except (OSError, ValueError) as exc:
            raise SignerUnavailable(f"the certificate signer at {self._path} is unreachable: {exc}") from None
        try:
            return SignerAnswer.model_validate_json(line)
        except ValidationError:
            raise SignerUnavailable("the certificate signer answered something unreadable") from None
