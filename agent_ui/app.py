"""``icafe agent-ui``: the lock screen, a thin view of what the agent pushes over the local link.

Locked (and in maintenance or lockdown): one full-screen, frameless window above every other, which on X11
grabs the keyboard and the pointer. In session: only the small timer. The agent owns every decision; this
process only renders, forwards the customer's requests and input activity, and sends its heartbeat.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication

from agent_ui.activity import ActivitySource, desktop_activity
from agent_ui.link import AgentLink
from agent_ui.lock import LockWindow
from agent_ui.theme import FONT, Scale
from agent_ui.timer import TimerWindow
from edge_agent.link_models import Reply, ScreenState

log = logging.getLogger(__name__)

ACTIVITY_EVERY_S = 1.0
GRAB_RETRY_MS = 500


class _Activity(QObject):
    """Carries activity from pynput's threads into the Qt thread."""

    seen = Signal()


@dataclass
class Windows:
    lock: LockWindow
    timer: TimerWindow


class LockScreen:
    """Wires the link to the two windows; ``fullscreen`` False keeps fixed sizes (screenshots, tests)."""

    def __init__(self, link: AgentLink | None, scale: Scale, *, fullscreen: bool = True) -> None:
        self.link = link
        self.fullscreen = fullscreen
        self.language: str | None = None  # chosen on the screen; else the cafe's
        self._pending: dict[int, str] = {}
        self.windows = Windows(
            LockWindow(scale, self._member, self._code, self._choose_language),
            TimerWindow(scale, self._end, self._ask_price),
        )
        self.state: ScreenState | None = None
        self._last_activity = 0.0
        self._grab_retry = QTimer()
        self._grab_retry.setSingleShot(True)
        self._grab_retry.timeout.connect(self._grab_again)
        if link is not None:
            link.state.connect(self.show)
            link.reply.connect(self._replied)
            link.price.connect(self.windows.timer.show_price)

    # ---- requests ----------------------------------------------------------------------------
    def _member(self, login: str, secret: str) -> None:
        if self.link is not None:
            self._pending[self.link.member_login(login, secret)] = "login"

    def _code(self, code: str) -> None:
        if self.link is not None:
            self._pending[self.link.code_login(code)] = "login"

    def _end(self) -> None:
        if self.link is not None:
            self.link.end_session()

    def _ask_price(self) -> None:
        if self.link is not None:
            self.link.ask_price()

    def _replied(self, reply: Reply) -> None:
        if self._pending.pop(reply.id, None) == "login":
            self.windows.lock.reply(reply.ok, reply.reason)

    def activity(self) -> None:
        now = time.monotonic()
        if self.link is not None and now - self._last_activity >= ACTIVITY_EVERY_S:
            self._last_activity = now
            self.link.activity()

    def _choose_language(self, language: str) -> None:
        self.language = language
        if self.state is not None:
            self.show(self.state)

    # ---- showing -----------------------------------------------------------------------------
    def show(self, state: ScreenState) -> None:
        previous, self.state = self.state, state
        if previous is not None and previous.mode == "session" and state.mode != "session":
            self.language = None  # the next customer starts in the cafe's language
        language = self.language or state.cafe.language
        lock, timer = self.windows.lock, self.windows.timer
        lock.language = timer.language = language
        if previous is None or previous.cafe.logo_png != state.cafe.logo_png:
            lock.set_logo(state.cafe.logo_png)
        # Only the window on the screen is drawn (the timer once more as it goes, to stop its flashing).
        in_session = state.mode == "session"
        if not in_session:
            lock.show_state(state)
        if in_session or (previous is not None and previous.mode == "session"):
            timer.show_state(state)
        if in_session:
            if lock.isVisible():
                self._release(lock)
                lock.hide()
            if not timer.isVisible():
                timer.show()
                if self.fullscreen:
                    timer.place_top_right()
        else:
            if timer.isVisible():
                timer.hide()
            if not lock.isVisible():
                if self.fullscreen:
                    lock.showFullScreen()
                else:
                    lock.show()
                lock.raise_()
                lock.activateWindow()
                self._grab(lock)
        if self.link is not None:
            self.link.shown(state.version)

    def _grab(self, lock: LockWindow) -> None:
        """On X11 the window grabs the keyboard and the pointer from the X server: no other window gets a
        key or a click. The window's grabs, not the widget's (``QWidget.grabKeyboard`` would send every
        key to the window itself, none to the login fields). A grab another program holds makes ours
        fail: it is tried again every ``GRAB_RETRY_MS`` while the screen is locked."""
        handle = lock.windowHandle()
        if not self.fullscreen or handle is None or QGuiApplication.platformName() != "xcb":
            return
        keyboard = handle.setKeyboardGrabEnabled(True)
        pointer = handle.setMouseGrabEnabled(True)
        if not (keyboard and pointer):
            log.warning("the lock screen could not grab the %s", "keyboard" if not keyboard else "pointer")
            self._grab_retry.start(GRAB_RETRY_MS)

    def _grab_again(self) -> None:
        lock = self.windows.lock
        if lock.isVisible():
            self._grab(lock)

    def _release(self, lock: LockWindow) -> None:
        self._grab_retry.stop()
        handle = lock.windowHandle()
        if self.fullscreen and handle is not None and QGuiApplication.platformName() == "xcb":
            handle.setKeyboardGrabEnabled(False)
            handle.setMouseGrabEnabled(False)


def make_app(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setFont(QFont(FONT))
    app.setQuitOnLastWindowClosed(False)  # the timer hides the lock window: the UI lives on
    return app


def run(address: str, secret: str, activity: ActivitySource | None = None) -> int:
    app = make_app(sys.argv[:1])
    screen = app.primaryScreen()
    scale = Scale.for_height(screen.geometry().height() if screen is not None else 1080)
    link = AgentLink(address, secret)
    lock_screen = LockScreen(link, scale)
    source = activity or desktop_activity()
    relay = _Activity()
    relay.seen.connect(lock_screen.activity, Qt.ConnectionType.QueuedConnection)
    source.start(relay.seen.emit)
    QTimer.singleShot(0, link.open)
    try:
        return app.exec()
    finally:
        source.stop()


def main(address: str) -> int:
    """Reads the per-start secret the agent wrote on standard input (never on the command line, where
    any user could read it)."""
    secret = sys.stdin.readline().strip()
    if not secret:
        print(
            "icafe agent-ui: no secret on standard input: the agent starts the lock screen", file=sys.stderr
        )
        return 2
    return run(address, secret)
