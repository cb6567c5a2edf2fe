"""The hub's exception root. Driver exceptions are translated to these at the adapters."""

from __future__ import annotations

from sanic.exceptions import SanicException


class HubError(Exception):
    """Root of the hub's own errors."""


class ConfigError(HubError):
    """A configuration value is missing or invalid; the message names the key."""


class StoreUnavailable(HubError):
    """MongoDB or Redis did not answer."""


class Refused(HubError):
    """A request the hub's rules refuse (money, sessions, shifts): an HTTP status, a stable machine code
    and a message saying what to do. Raised by the services; the app answers it in one place, as
    ``{"error": {"code", "message"}}`` with ``status``, and the MQTT handlers turn it into their reply."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class ApiError(SanicException):
    """An API error answered as JSON ``{"error": {"code", "message"}}``."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, status_code=status, quiet=True, headers=headers)
        self.code = code


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)
