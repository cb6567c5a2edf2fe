"""Settings shared by every test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, settings

# Tests share a 2-core machine with the services they start: no per-example deadlines, which would
# make a property fail for reasons of load rather than logic.
settings.register_profile("icafe", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("icafe")


@pytest.fixture(autouse=True)
async def fail_on_swallowed_task_errors() -> AsyncIterator[None]:
    """A background task's exception that nobody awaited fails the test instead of vanishing."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield
    loop.set_exception_handler(previous)
    assert not errors, f"unhandled errors in background tasks: {errors}"
