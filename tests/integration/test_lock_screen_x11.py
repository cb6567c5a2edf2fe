"""The locked screen holds the keyboard and the pointer on a real X server (Xvfb), and lets go in a session.

A real agent (``icafe agent --simulated --ui``) starts the real lock screen with Qt's X11 platform on an
Xvfb display (driven by the robot in ``ui_robot.py``, which renders the same windows). Another X client,
as a customer's program would be, then cannot grab the keyboard or the pointer (``AlreadyGrabbed``); keys
typed while that client's own window has the input focus arrive in the lock screen's login field, not in
that window. When a session starts the screen lets go: the same grabs succeed. The agent's self-test finds
the display and reports its lock hardening as strong."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from Xlib import XK, X
from Xlib.display import Display
from Xlib.ext import xtest

from icafe.stack import LocalStack
from icafe.supervisor import Service, ServiceSpec

from .conftest import pc_status, wait_until
from .test_lock_screen import ROBOT, Screen

PC = "pc-x11"


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb on a display number it picks itself (``-displayfd``)."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is missing: make system-deps")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 30)
        assert ready, "Xvfb did not say its display"
        yield f":{os.read(read, 32).decode().strip()}"
    finally:
        os.close(read)
        server.terminate()
        server.wait(10)


@pytest.fixture(scope="module")
def x11_screen(
    stack: LocalStack, display: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Service, Screen]]:
    folder = tmp_path_factory.mktemp("robot-x11")
    config = stack.enroll(PC)
    agent = stack.supervisor.start(
        ServiceSpec(
            name=f"agent-{PC}",
            argv=[sys.executable, "-m", "icafe", "agent", "--config", str(config), "--simulated", "--ui"],
            env={
                "ICAFE_AGENT_UI_COMMAND": f"{sys.executable} {ROBOT} {folder}",
                "QT_QPA_PLATFORM": "xcb",
                "DISPLAY": display,
            },
            log_path=stack.log(f"agent-{PC}"),
            ready=lambda: True,
        )
    )
    yield agent, Screen(Path(folder))
    agent.stop()


def grabs(client: Display) -> tuple[int, int]:
    """What XGrabKeyboard and XGrabPointer on the root window answer this client (released at once)."""
    root = client.screen().root
    keyboard = root.grab_keyboard(True, X.GrabModeAsync, X.GrabModeAsync, X.CurrentTime)
    pointer = root.grab_pointer(
        True, X.ButtonPressMask, X.GrabModeAsync, X.GrabModeAsync, X.NONE, X.NONE, X.CurrentTime
    )
    client.ungrab_keyboard(X.CurrentTime)
    client.ungrab_pointer(X.CurrentTime)
    client.sync()
    return keyboard, pointer


def type_text(client: Display, text: str) -> None:
    for char in text:
        code = client.keysym_to_keycode(XK.string_to_keysym(char))
        xtest.fake_input(client, X.KeyPress, code)
        xtest.fake_input(client, X.KeyRelease, code)
    client.sync()


def test_the_locked_screen_holds_keyboard_and_pointer_until_a_session_starts(
    x11_screen: tuple[Service, Screen], display: str, api: httpx.Client
) -> None:
    _, screen = x11_screen
    wait_until(lambda: pc_status(api, PC) == "online", 30, "agent online")
    wait_until(lambda: screen.showing("locked"), 30, "the lock screen up")
    client = Display(display)
    try:
        assert wait_until(lambda: grabs(client) == (X.AlreadyGrabbed, X.AlreadyGrabbed), 10, "grabbed")

        # A customer's program with a window of its own and the input focus gets none of the keys.
        window = client.screen().root.create_window(
            0, 0, 200, 100, 0, client.screen().root_depth, event_mask=X.KeyPressMask
        )
        window.map()
        window.set_input_focus(X.RevertToParent, X.CurrentTime)
        client.sync()
        type_text(client, "guest")
        wait_until(lambda: (v := screen.live()) and v["login_text"] == "guest", 10, "keys on the lock screen")
        events = [client.next_event() for _ in range(client.pending_events())]
        assert [e for e in events if e.type == X.KeyPress] == [], "the other window got keys"
        # And a click lands on the lock screen's own buttons (the voucher tab).
        x, y = screen.live()["code_tab_at"]  # type: ignore[index]
        xtest.fake_input(client, X.MotionNotify, x=x, y=y)
        xtest.fake_input(client, X.ButtonPress, 1)
        xtest.fake_input(client, X.ButtonRelease, 1)
        client.sync()
        wait_until(lambda: (v := screen.live()) and v["tab"] == 1, 10, "the click on the voucher tab")

        # A session: the timer only, and the grabs are released.
        started = api.post("/sessions", json={"pc_id": PC, "guest": {"prepaid_minutes": 60}})
        assert started.status_code == 201, started.text
        wait_until(lambda: screen.showing("session"), 15, "the timer")
        assert wait_until(lambda: grabs(client) == (X.GrabSuccess, X.GrabSuccess), 10, "released")
        assert api.post(f"/sessions/{started.json()['id']}/stop", json={}).status_code == 200
        wait_until(lambda: screen.showing("locked"), 15, "locked again")
        assert wait_until(lambda: grabs(client) == (X.AlreadyGrabbed, X.AlreadyGrabbed), 10, "grabbed again")
    finally:
        client.close()

    hardening = api.get(f"/pcs/{PC}").json()["lock_hardening"]
    assert hardening["grade"] == "strong", hardening
    assert {c["name"]: c["ok"] for c in hardening["checks"]}["x11.grab"] is True
