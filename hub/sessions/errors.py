"""Why a session operation was refused: a stable code, a message saying what to do, an HTTP status."""

from __future__ import annotations

from hub.errors import HubError


class SessionRefused(HubError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
