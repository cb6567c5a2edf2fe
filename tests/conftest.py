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

# The files that take a minute or more, longest first, collected before the rest: `make test` runs each
# file on one worker (--dist loadfile) in collection order, and a long file started last would keep one
# worker busy while the others sit idle at the end.
LONG_FILES = (
    "integration/test_console.py",
    "integration/test_console_money.py",
    "integration/test_exports.py",
    "integration/test_agent_role.py",
    "integration/test_soak.py",
    "integration/test_backup_schedule.py",
    "integration/test_enrollment.py",
    "integration/test_console_inventory.py",
    "integration/test_backup.py",
    "integration/test_console_reports.py",
    "integration/test_console_exports.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.relative_to(item.path.parents[1]).as_posix()
        return LONG_FILES.index(path) if path in LONG_FILES else len(LONG_FILES)

    items.sort(key=rank)  # stable: each file's tests keep their order


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
