"""Every API route that changes state says what it writes to the audit log: ``@audits("tariff.update")``
(the actions it records on success), or, for the rare POST that changes nothing, ``@audits_nothing(why)``.

The app factory refuses to start while a POST, PUT, PATCH or DELETE route under ``/api/v1`` declares
neither, so a silent write route cannot be added; ``tests/integration/test_audit_coverage.py`` calls each
with valid input and checks that the declared entry is written.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Sanic

Handler = Callable[..., Awaitable[Any]]

DECLARATION = "__icafe_audits__"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/v1"


def audits(*actions: str) -> Callable[[Handler], Handler]:
    """Declare the audit actions the route records when it succeeds."""
    if not actions:
        raise ValueError("name the audit actions, or use audits_nothing(why)")

    def declare(handler: Handler) -> Handler:
        setattr(handler, DECLARATION, tuple(actions))
        return handler

    return declare


def audits_nothing(why: str) -> Callable[[Handler], Handler]:
    """A write method that changes nothing (a lookup sent by POST): say why, and nothing is expected."""

    def declare(handler: Handler) -> Handler:
        setattr(handler, DECLARATION, ())
        return handler

    return declare


def declared_audits(handler: Any) -> tuple[str, ...] | None:
    if isinstance(handler, functools.partial):
        handler = handler.args[0] if handler.args else handler.func
    value = getattr(handler, DECLARATION, None)
    return tuple(value) if value is not None else None


def silent_write_routes(app: Sanic[Any, Any]) -> list[str]:
    """``METHOD /path`` of every API write route that declares nothing about its audit entries."""
    return sorted(
        f"{method} /{route.path}"
        for route in app.router.routes
        if f"/{route.path}".startswith(API_PREFIX)
        for method in route.methods & WRITE_METHODS
        if declared_audits(route.handler) is None
    )
