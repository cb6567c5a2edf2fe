"""Every state of the lock screen and the timer, rendered offscreen at a fixed size: the screenshot test
compares them with the reviewed references, and ``python -m tests.unit.lock_screens OUT`` writes them
(``--scale 1.333`` for a 1440p look, ``--size 1920x1080`` for the README's full-size shots)."""

from __future__ import annotations

import argparse
import base64
import os
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from agent_ui.app import LockScreen, make_app
from agent_ui.theme import Scale
from edge_agent.link_models import (
    Cafe,
    PriceLineView,
    PriceReply,
    ScreenState,
    SessionOver,
    SessionView,
)

LANGUAGES = ("uz", "ru", "en")
LOCK_SIZE = (960, 540)  # half of 1080p, drawn at half scale: the references stay small


def logo_png() -> str:
    """A small drawn logo (a rounded square with a ring), as the branch settings would carry it."""
    image = QImage(96, 96, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#3fa7d6"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(4, 4, 88, 88, 20, 20)
    painter.setBrush(QColor("#0f1b2d"))
    painter.drawEllipse(24, 24, 48, 48)
    painter.setBrush(QColor("#ffb74d"))
    painter.drawEllipse(38, 38, 20, 20)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return base64.b64encode(bytes(data.data())).decode()


HUB_REFUSAL = "not logged in: check your login and secret, or ask at the desk"
CAFE = Cafe(name="Cyber Arena Chilonzor", language="uz", currency="UZS", logo_png=logo_png())
MEMBER = SessionView(
    kind="member",
    used_ms=(47 * 60 + 12) * 1000,
    time_left_ms=(1 * 3600 + 12 * 60 + 48) * 1000,
    cost=944_000,
    budget=2_400_000,
    prepaid_minutes=None,
    offline=False,
)
PRICE = PriceReply(
    id=1,
    currency="UZS",
    lines=[
        PriceLineView(label="Standard", minutes=35, hourly_rate=1_200_000, amount=700_000),
        PriceLineView(label="Night", minutes=13, hourly_rate=800_000, amount=173_333),
    ],
    total=873_333,
)


def locked(**fields: object) -> ScreenState:
    return ScreenState.model_validate({"mode": "locked", "cafe": CAFE, "offline": False, **fields})


def in_session(**fields: object) -> ScreenState:
    return ScreenState.model_validate(
        {"mode": "session", "cafe": CAFE, "offline": False, "session": MEMBER, **fields}
    )


# name -> (state, what to do on the screen before the shot, which window)
Setup = Callable[[LockScreen], None]
STATES: dict[str, tuple[ScreenState, Setup | None, str]] = {
    "locked": (locked(), None, "lock"),
    "voucher": (locked(), lambda s: s.windows.lock.code_tab.click(), "lock"),
    "refused": (
        locked(),
        lambda s: s.windows.lock.reply(
            False, "not logged in: check your login and secret, or ask at the desk"
        ),
        "lock",
    ),
    "offline": (locked(offline=True), None, "lock"),
    "session-over": (
        locked(session_over=SessionOver(reason="expired", used_ms=3_600_000, cost=1_200_000)),
        None,
        "lock",
    ),
    "session-over-offline": (
        locked(
            offline=True,
            session_over=SessionOver(reason="expired", used_ms=300_000, cost=100_000, offline=True),
        ),
        None,
        "lock",
    ),
    "staff-message": (locked(staff_message="The cafe closes at 23:00"), None, "lock"),
    "maintenance": (ScreenState(mode="maintenance", cafe=CAFE, offline=False), None, "lock"),
    "call-staff": (ScreenState(mode="lockdown", cafe=CAFE, offline=False), None, "lock"),
    "timer": (in_session(), None, "timer"),
    "timer-warning": (in_session(warning_minutes=5), lambda s: s.windows.timer._toggle_flash(), "timer"),
    "timer-price": (in_session(offline=True), lambda s: s.windows.timer.show_price(PRICE), "timer"),
    "timer-idle": (
        in_session(idle_logout_in_ms=45_000),
        lambda s: (s.windows.timer._toggle_flash(), s.windows.timer.end_button.click()),
        "timer",
    ),
}


def render(name: str, language: str, scale: float = 0.5, size: tuple[int, int] = LOCK_SIZE) -> QImage:
    """One state in one language, as an image (the window drawn offscreen at a fixed size)."""
    make_app([])
    state, setup, window = STATES[name]
    screen = LockScreen(None, Scale(scale), fullscreen=False)
    screen.language = language
    screen.windows.lock.resize(*size)
    screen.show(state)
    if setup is not None:
        setup(screen)
    widget = screen.windows.lock if window == "lock" else screen.windows.timer
    widget.adjustSize() if window == "timer" else widget.resize(*size)
    image = widget.grab().toImage()
    screen.windows.lock.close()
    screen.windows.timer.close()
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--size", default=f"{LOCK_SIZE[0]}x{LOCK_SIZE[1]}")
    parser.add_argument("--only", nargs="*", default=None, help="state names")
    parser.add_argument("--languages", nargs="*", default=list(LANGUAGES))
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or STATES:
        for language in args.languages:
            render(name, language, args.scale, (width, height)).save(str(args.out / f"{name}-{language}.png"))


if __name__ == "__main__":
    main()
