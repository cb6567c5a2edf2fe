"""The in-session timer: small, above every window, movable but never over the centre of the screen, and
never taking the focus from a game (warnings flash it instead)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from agent_ui import i18n
from agent_ui.theme import Scale, timer_style
from edge_agent.link_models import PriceReply, ScreenState

CONFIRM_MS = 5000
FLASH_MS = 500


def keep_off_centre(position: QPoint, size: QRect, screen: QRect) -> QPoint:
    """Where the timer may sit: inside the screen and outside its central half (the game's)."""
    x = min(max(position.x(), screen.left()), screen.right() - size.width())
    y = min(max(position.y(), screen.top()), screen.bottom() - size.height())
    width, height = screen.width(), screen.height()
    centre = QRect(screen.left() + width // 4, screen.top() + height // 4, width // 2, height // 2)
    if QRect(x, y, size.width(), size.height()).intersects(centre):
        # Out to the nearer side.
        left = centre.left() - size.width()
        right = centre.right() + 1
        x = left if abs(x - left) <= abs(x - right) else right
    return QPoint(x, y)


class TimerWindow(QWidget):
    def __init__(self, scale: Scale, on_end: Callable[[], None], on_price: Callable[[], None]) -> None:
        super().__init__(
            None,
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setObjectName("timer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scale = scale
        self.language = "en"
        self._state: ScreenState | None = None
        self._price: PriceReply | None = None
        self._confirming = False
        self._flash_on = False
        self._on_end, self._on_price = on_end, on_price
        self._drag: QPoint | None = None
        px = scale.px

        self.caption = QLabel()
        self.caption.setObjectName("caption")
        self.big = QLabel()
        self.big.setObjectName("big")
        self.money = QLabel()
        self.cost = QLabel()
        self.alert = QLabel()
        self.alert.setObjectName("alert")
        self.alert.setWordWrap(True)
        self.offline = QLabel()
        self.offline.setObjectName("offline")
        self.lines = QLabel()
        self.lines.setWordWrap(True)
        self.price_button = QPushButton()
        self.price_button.setObjectName("price")
        self.end_button = QPushButton()
        self.end_button.setObjectName("end")
        for button in (self.price_button, self.end_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.price_button.clicked.connect(self._toggle_price)
        self.end_button.clicked.connect(self._end)
        buttons = QVBoxLayout()  # full width each: the labels are long in Russian and Uzbek
        buttons.addWidget(self.price_button)
        buttons.addWidget(self.end_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(px(16), px(12), px(16), px(14))
        layout.setSpacing(px(4))
        for widget in (self.caption, self.big, self.money, self.cost, self.alert, self.offline, self.lines):
            layout.addWidget(widget)
        layout.addSpacing(px(6))
        layout.addLayout(buttons)
        self.setFixedWidth(px(330))

        self._confirm_timer = QTimer(self)
        self._confirm_timer.setSingleShot(True)
        self._confirm_timer.timeout.connect(self._cancel_confirm)
        self._flash = QTimer(self)
        self._flash.timeout.connect(self._toggle_flash)
        self.setStyleSheet(timer_style(scale, flashing=False))

    # ---- input -------------------------------------------------------------------------------
    def _end(self) -> None:
        if not self._confirming:  # asks once
            self._confirming = True
            self._confirm_timer.start(CONFIRM_MS)
            self.redraw()
            return
        self._cancel_confirm()
        self._on_end()

    def _cancel_confirm(self) -> None:
        self._confirming = False
        self.redraw()

    def _toggle_price(self) -> None:
        if self._price is not None:
            self._price = None
            self.redraw()
        else:
            self._on_price()

    def show_price(self, price: PriceReply) -> None:
        self._price = price
        self.redraw()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._drag = event.globalPosition().toPoint() - self.pos()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self.move(self._placed(event.globalPosition().toPoint() - self._drag))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    def _placed(self, position: QPoint) -> QPoint:
        screen = self.screen().availableGeometry() if self.screen() is not None else QRect(0, 0, 1920, 1080)
        return keep_off_centre(position, self.rect(), screen)

    def place_top_right(self) -> None:
        screen = self.screen().availableGeometry() if self.screen() is not None else QRect(0, 0, 1920, 1080)
        margin = self.scale.px(24)
        self.adjustSize()
        self.move(self._placed(QPoint(screen.right() - self.width() - margin, screen.top() + margin)))

    # ---- drawing -----------------------------------------------------------------------------
    def _toggle_flash(self) -> None:
        self._flash_on = not self._flash_on
        self.setStyleSheet(timer_style(self.scale, flashing=self._flash_on))

    def show_state(self, state: ScreenState) -> None:
        self._state = state
        warn = state.warning_minutes is not None or state.idle_logout_in_ms is not None
        if warn and not self._flash.isActive():
            self._flash.start(FLASH_MS)
        elif not warn and self._flash.isActive():
            self._flash.stop()
            self._flash_on = False
            self.setStyleSheet(timer_style(self.scale, flashing=False))
        if state.session is None:
            self._price = None
        self.redraw()

    def redraw(self) -> None:
        state, lang = self._state, self.language
        t = partial(i18n.text, lang)
        session = state.session if state is not None else None
        currency = state.cafe.currency if state is not None else "UZS"
        if session is not None and session.time_left_ms is not None:
            self.caption.setText(t("time_left"))
            self.big.setText(i18n.clock(session.time_left_ms))
        else:
            self.caption.setText(t("time_used"))
            self.big.setText(i18n.clock(session.used_ms if session else 0))
        if session is not None and session.budget is not None:
            balance = max(0, session.budget - session.cost)
            self.money.setText(f"{t('balance')}: {i18n.money(balance, currency, lang)}")
        elif session is not None and session.prepaid_minutes is not None:
            self.money.setText(f"{t('prepaid')}: {t('minutes', n=session.prepaid_minutes)}")
        else:
            self.money.setText("")
        self.money.setVisible(bool(self.money.text()))
        self.cost.setText(f"{t('cost')}: {i18n.money(session.cost if session else 0, currency, lang)}")
        alerts = []
        if state is not None and state.idle_logout_in_ms is not None:
            alerts.append(t("idle_warning", s=state.idle_logout_in_ms // 1000))
        if state is not None and state.warning_minutes is not None:
            alerts.append(t("warning", n=state.warning_minutes))
        if state is not None and state.staff_message:
            alerts.append(f"{t('staff_message')}: {state.staff_message}")
        self.alert.setText("\n".join(alerts))
        self.alert.setVisible(bool(alerts))
        self.offline.setText(f"● {t('offline_short')}" if state is not None and state.offline else "")
        self.offline.setVisible(bool(self.offline.text()))
        price = self._price
        if price is not None:
            rows = [
                f"{line.label}: {t('minutes', n=line.minutes)} · "
                f"{i18n.money(line.amount, price.currency, lang)}"
                for line in price.lines
            ]
            rows.append(f"<b>{t('total')}: {i18n.money(price.total, price.currency, lang)}</b>")
            self.lines.setText("<br>".join(rows))
        self.lines.setVisible(price is not None)
        self.price_button.setText(t("hide_price") if price is not None else t("price"))
        self.end_button.setText(t("confirm_end") if self._confirming else t("end_session"))
        self.end_button.setProperty("danger", self._confirming)
        self.end_button.style().unpolish(self.end_button)
        self.end_button.style().polish(self.end_button)
        self.adjustSize()
