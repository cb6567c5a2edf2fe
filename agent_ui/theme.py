"""Calm colours and sizes legible from two metres, scaled to the screen (1.0 at 1080 lines, 1.33 at 1440)."""

from __future__ import annotations

from dataclasses import dataclass

BACKGROUND = "#0f1b2d"
CARD = "#17283f"
TEXT = "#eef3f8"
MUTED = "#9fb3c8"
ACCENT = "#3fa7d6"
ACCENT_TEXT = "#06121f"
ERROR = "#ff8a80"
WARNING = "#ffb74d"
WARNING_TEXT = "#2b1a00"
OFFLINE = "#ffcc80"
FONT = "DejaVu Sans"


@dataclass(frozen=True)
class Scale:
    factor: float

    @classmethod
    def for_height(cls, height: int) -> Scale:
        return cls(max(0.5, height / 1080))

    def px(self, size: float) -> int:
        return max(1, round(size * self.factor))


def lock_style(scale: Scale) -> str:
    px = scale.px
    return f"""
    QWidget#lock {{ background: {BACKGROUND}; }}
    QLabel {{ color: {TEXT}; font-family: "{FONT}"; font-size: {px(22)}px; }}
    QLabel#cafe {{ font-size: {px(40)}px; font-weight: bold; }}
    QLabel#title {{ font-size: {px(48)}px; font-weight: bold; }}
    QLabel#subtitle {{ color: {MUTED}; font-size: {px(26)}px; }}
    QLabel#message {{ color: {ERROR}; font-size: {px(24)}px; }}
    QLabel#offline {{ color: {OFFLINE}; font-size: {px(22)}px; }}
    QLabel#banner {{ background: {WARNING}; color: {WARNING_TEXT}; border-radius: {px(10)}px;
        padding: {px(14)}px; font-size: {px(24)}px; }}
    QLabel#over {{ background: {CARD}; border-radius: {px(10)}px; padding: {px(16)}px;
        font-size: {px(24)}px; }}
    QFrame#card {{ background: {CARD}; border-radius: {px(18)}px; }}
    QLineEdit {{ background: #0b1524; color: {TEXT}; border: {px(2)}px solid #2c4666;
        border-radius: {px(10)}px; padding: {px(12)}px; font-size: {px(28)}px; font-family: "{FONT}"; }}
    QLineEdit:focus {{ border-color: {ACCENT}; }}
    QPushButton {{ background: {ACCENT}; color: {ACCENT_TEXT}; border: none; border-radius: {px(10)}px;
        padding: {px(14)}px; font-size: {px(28)}px; font-weight: bold; font-family: "{FONT}"; }}
    QPushButton:disabled {{ background: #2c4666; color: {MUTED}; }}
    QPushButton#tab {{ background: transparent; color: {MUTED}; border-bottom: {px(4)}px solid transparent;
        border-radius: 0; font-size: {px(24)}px; }}
    QPushButton#tab:checked {{ color: {TEXT}; border-bottom-color: {ACCENT}; }}
    QPushButton#language {{ background: transparent; color: {MUTED}; font-size: {px(20)}px;
        padding: {px(8)}px {px(12)}px; }}
    QPushButton#language:checked {{ color: {TEXT}; border: {px(2)}px solid {ACCENT}; }}
    """


def timer_style(scale: Scale, *, flashing: bool) -> str:
    px = scale.px
    background = WARNING if flashing else CARD
    text = WARNING_TEXT if flashing else TEXT
    return f"""
    QWidget#timer {{ background: {background}; border: {px(2)}px solid {ACCENT}; border-radius: {px(12)}px; }}
    QLabel {{ color: {text}; font-family: "{FONT}"; font-size: {px(17)}px; background: transparent; }}
    QLabel#big {{ font-size: {px(40)}px; font-weight: bold; }}
    QLabel#caption {{ color: {text if flashing else MUTED}; font-size: {px(15)}px; }}
    QLabel#offline {{ color: {WARNING_TEXT if flashing else OFFLINE}; }}
    QLabel#alert {{ font-weight: bold; }}
    QPushButton {{ background: {ACCENT}; color: {ACCENT_TEXT}; border: none; border-radius: {px(8)}px;
        padding: {px(7)}px {px(10)}px; font-size: {px(16)}px; font-weight: bold; font-family: "{FONT}"; }}
    QPushButton[danger="true"] {{ background: {ERROR}; }}
    """
