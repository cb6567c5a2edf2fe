"""Where the customer's keyboard and mouse activity comes from: a port, so tests inject their own.

``PynputActivity`` listens to the whole desktop (pynput's listeners run in their own threads; a game with
the focus still counts as activity). ``NoActivity`` stands in where there is no desktop to listen to (a
headless test, an X server pynput cannot reach): the agent then sees no activity at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)


class ActivitySource(Protocol):
    def start(self, seen: Callable[[], None]) -> None:
        """Call ``seen`` (from any thread) whenever the customer types, clicks or moves the mouse."""
        ...

    def stop(self) -> None: ...


class NoActivity:
    def start(self, seen: Callable[[], None]) -> None:
        return None

    def stop(self) -> None:
        return None


class PynputActivity:
    def __init__(self) -> None:
        self._listeners: list[Any] = []

    def start(self, seen: Callable[[], None]) -> None:
        from pynput import keyboard, mouse  # imported here: pynput needs a display to import at all

        def any_event(*_args: object) -> None:
            seen()

        self._listeners = [
            keyboard.Listener(on_press=any_event),
            mouse.Listener(on_move=any_event, on_click=any_event, on_scroll=any_event),
        ]
        for listener in self._listeners:
            listener.daemon = True
            listener.start()

    def stop(self) -> None:
        for listener in self._listeners:
            listener.stop()
        self._listeners = []


def desktop_activity() -> ActivitySource:
    """pynput when it can reach the desktop, else nothing (said once in the log)."""
    try:
        source = PynputActivity()
        import pynput  # noqa: F401  # fails without a display or on an unsupported platform
    except Exception as exc:  # ImportError, or pynput's own backend errors
        log.warning("no keyboard and mouse activity from pynput (%s): idle logouts use no input", exc)
        return NoActivity()
    return source
