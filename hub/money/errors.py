"""Refusals of the money service, each with an HTTP status and a stable code for the API."""

from __future__ import annotations

from hub.errors import HubError


class MoneyRefused(HubError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code
