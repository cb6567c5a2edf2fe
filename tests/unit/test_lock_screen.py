"""The lock screen and the timer in every state and language, rendered offscreen and compared with the
reviewed reference images (tests/unit/lock_screen_references/) within a tolerance: a real visual change
fails, anti-aliasing noise does not. After a reviewed change, write new references with
``python -m tests.unit.lock_screens tests/unit/lock_screen_references`` and look at each one."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from lock_screens import LANGUAGES, STATES, render
from PIL import Image, ImageChops
from PySide6.QtCore import QBuffer, QByteArray, QIODevice

from agent_ui.app import LockScreen, make_app
from agent_ui.theme import Scale

REFERENCES = Path(__file__).parent / "lock_screen_references"
# A pixel "differs" when a channel moved by more than this; at most this share of pixels may differ.
CHANNEL_TOLERANCE = 48
DIFFERING_SHARE = 0.002


def as_pil(name: str, language: str) -> Image.Image:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    render(name, language).save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(data.data()))).convert("RGB")


def differing_share(actual: Image.Image, expected: Image.Image) -> float:
    difference = ImageChops.difference(actual, expected).convert("L")
    histogram = difference.histogram()
    return sum(histogram[CHANNEL_TOLERANCE + 1 :]) / (actual.width * actual.height)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(STATES))
def test_each_state_looks_as_reviewed(name: str, language: str) -> None:
    expected = Image.open(REFERENCES / f"{name}-{language}.png").convert("RGB")
    actual = as_pil(name, language)
    assert actual.size == expected.size, f"{name}-{language}: {actual.size} != {expected.size}"
    share = differing_share(actual, expected)
    assert share <= DIFFERING_SHARE, f"{name}-{language}: {share:.2%} of the pixels differ"


def test_the_comparison_catches_a_real_change() -> None:
    """Another state (a changed text, a missing field) is far beyond the tolerance."""
    expected = Image.open(REFERENCES / "locked-en.png").convert("RGB")
    assert differing_share(as_pil("refused", "en"), expected) > DIFFERING_SHARE
    assert differing_share(as_pil("locked", "ru"), expected) > DIFFERING_SHARE


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12: nothing to drop")
def test_redrawing_keeps_the_references_to_none() -> None:
    """PySide6 6.12.0 (excluded in pyproject) drops a reference to None at every call of a method that
    returns nothing; on Python 3.11 None is then deallocated and the lock screen dies with a fatal error
    after some thousands of redraws (the guard restarts it, but every death is a tamper alert)."""
    make_app([])
    screen = LockScreen(None, Scale(0.5), fullscreen=False)
    screen.show(STATES["timer"][0])
    before = sys.getrefcount(None)
    for _ in range(50):  # each redraw makes some 50 such calls
        screen.windows.lock.redraw()
        screen.windows.timer.redraw()
    assert sys.getrefcount(None) > before - 500, "the Qt binding drops references to None"
    screen.windows.lock.close()
    screen.windows.timer.close()
