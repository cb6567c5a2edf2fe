"""The locked screen: the cafe, a member login and a voucher code login, and what the agent says
(offline, session over, maintenance, call staff, a message from staff)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from agent_ui import i18n
from agent_ui.theme import Scale, lock_style
from edge_agent.link_models import ScreenState


def _label(name: str, *, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class LockWindow(QWidget):
    """Everything on it is drawn from the last :class:`ScreenState` and the chosen language."""

    def __init__(
        self,
        scale: Scale,
        on_member: Callable[[str, str], None],
        on_code: Callable[[str], None],
        on_language: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.setObjectName("lock")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.scale = scale
        self.language = "en"
        self._state: ScreenState | None = None
        self._message = ""
        self._busy = False
        self._on_member, self._on_code, self._on_language = on_member, on_code, on_language
        self.setStyleSheet(lock_style(scale))
        px = scale.px

        top = QHBoxLayout()
        self.logo = QLabel()
        self.cafe = _label("cafe", wrap=False)
        self.cafe.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.logo)
        top.addSpacing(px(16))
        top.addWidget(self.cafe, 1)
        self.languages = QButtonGroup(self)
        for code in i18n.LANGUAGES:
            button = QPushButton(i18n.LANGUAGE_NAMES[code])
            button.setObjectName("language")
            button.setCheckable(True)
            button.setProperty("code", code)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, c=code: self._on_language(c))
            self.languages.addButton(button)
            top.addWidget(button)

        self.offline = _label("offline")
        self.banner = _label("banner")
        self.over = _label("over")
        self.title = _label("title")
        self.subtitle = _label("subtitle")
        self.message = _label("message")

        # The login card: member or voucher code.
        self.card = QFrame()
        self.card.setObjectName("card")
        self.card.setFixedWidth(px(620))
        card = QVBoxLayout(self.card)
        card.setContentsMargins(px(36), px(28), px(36), px(32))
        card.setSpacing(px(16))
        tabs = QHBoxLayout()
        self.tab_group = QButtonGroup(self)
        self.member_tab, self.code_tab = QPushButton(), QPushButton()
        for index, tab in enumerate((self.member_tab, self.code_tab)):
            tab.setObjectName("tab")
            tab.setCheckable(True)
            tab.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.tab_group.addButton(tab, index)
            tabs.addWidget(tab)
        self.member_tab.setChecked(True)
        self.tab_group.idClicked.connect(self._tab)
        card.addLayout(tabs)
        self.forms = QStackedWidget()
        member = QWidget()
        member_form = QVBoxLayout(member)
        member_form.setContentsMargins(0, 0, 0, 0)
        member_form.setSpacing(px(14))
        self.login = QLineEdit()
        self.login.setObjectName("login")
        self.secret = QLineEdit()
        self.secret.setObjectName("secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.log_in = QPushButton()
        self.log_in.setObjectName("log_in")
        for field in (self.login, self.secret, self.log_in):
            member_form.addWidget(field)
        code_page = QWidget()
        code_form = QVBoxLayout(code_page)
        code_form.setContentsMargins(0, 0, 0, 0)
        code_form.setSpacing(px(14))
        self.code = QLineEdit()
        self.code.setObjectName("code")
        self.start = QPushButton()
        self.start.setObjectName("start")
        code_form.addWidget(self.code)
        code_form.addWidget(self.start)
        code_form.addStretch(1)
        self.forms.addWidget(member)
        self.forms.addWidget(code_page)
        card.addWidget(self.forms)
        self.log_in.clicked.connect(self._member)
        self.secret.returnPressed.connect(self._member)
        self.login.returnPressed.connect(self.secret.setFocus)
        self.start.clicked.connect(self._code)
        self.code.returnPressed.connect(self._code)

        middle = QVBoxLayout()
        middle.setSpacing(px(18))
        middle.addStretch(2)
        for label in (self.banner, self.over, self.title, self.subtitle):
            middle.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        middle.addSpacing(px(10))
        middle.addWidget(self.card, 0, Qt.AlignmentFlag.AlignHCenter)
        middle.addWidget(self.message, 0, Qt.AlignmentFlag.AlignHCenter)
        middle.addStretch(3)
        for label in (self.banner, self.over, self.message, self.title, self.subtitle):
            label.setFixedWidth(px(900))  # wrapped text needs its width: a centred label would shrink

        root = QVBoxLayout(self)
        root.setContentsMargins(px(48), px(32), px(48), px(32))
        root.addLayout(top)
        root.addLayout(middle, 1)
        root.addWidget(self.offline)

    # ---- input -------------------------------------------------------------------------------
    def _tab(self, index: int) -> None:
        self.forms.setCurrentIndex(index)
        self._message = ""
        self.redraw()
        (self.login if index == 0 else self.code).setFocus()

    def _member(self) -> None:
        login, secret = self.login.text().strip(), self.secret.text()
        if not login or not secret:
            self.show_message(i18n.text(self.language, "empty_fields"))
            return
        self.set_busy(True)
        self._on_member(login, secret)

    def _code(self) -> None:
        code = self.code.text().strip()
        if len(code) < 4:
            self.show_message(i18n.text(self.language, "empty_code"))
            return
        self.set_busy(True)
        self._on_code(code)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self._message = ""
        self.redraw()

    def show_message(self, message: str) -> None:
        self._message = message
        self.redraw()

    def reply(self, ok: bool, reason: str) -> None:
        self._busy = False
        self.secret.clear()
        if ok:
            self.login.clear()
            self.code.clear()
            self._message = ""
        else:
            self._message = i18n.reason_text(self.language, reason)
        self.redraw()

    # ---- drawing -----------------------------------------------------------------------------
    def show_state(self, state: ScreenState) -> None:
        self._state = state
        self.redraw()

    def set_logo(self, logo_png: str | None) -> None:
        if not logo_png:
            self.logo.clear()
            self.logo.hide()
            return
        pixmap = QPixmap()
        pixmap.loadFromData(base64.b64decode(logo_png), "PNG")
        size = self.scale.px(72)
        self.logo.setPixmap(
            pixmap.scaled(
                size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.logo.show()

    def redraw(self) -> None:
        state, lang = self._state, self.language
        t = partial(i18n.text, lang)
        for button in self.languages.buttons():
            button.setChecked(button.property("code") == lang)
        self.member_tab.setText(t("member"))
        self.code_tab.setText(t("voucher"))
        self.login.setPlaceholderText(t("login"))
        self.secret.setPlaceholderText(t("password"))
        self.code.setPlaceholderText(t("code"))
        self.log_in.setText(t("checking") if self._busy else t("log_in"))
        self.start.setText(t("checking") if self._busy else t("start"))
        for widget in (self.log_in, self.start, self.login, self.secret, self.code):
            widget.setEnabled(not self._busy)
        mode = state.mode if state is not None else "locked"
        self.cafe.setText(state.cafe.name if state is not None else "")
        self.offline.setText(f"● {t('offline')}" if state is not None and state.offline else "")
        self.offline.setVisible(bool(self.offline.text()))
        staff = state.staff_message if state is not None else None
        self.banner.setText(f"{t('staff_message')}: {staff}" if staff else "")
        self.banner.setVisible(bool(staff))
        over = state.session_over if state is not None and mode == "locked" else None
        if over is not None:
            currency = state.cafe.currency if state is not None else "UZS"
            used = i18n.clock(over.used_ms)
            why = i18n.over_reason(lang, over.reason, offline=over.offline)
            self.over.setText(
                f"<b>{t('session_over')}</b><br>{why}<br>"
                f"{t('used_cost', used=used, cost=i18n.money(over.cost, currency, lang))}"
            )
        self.over.setVisible(over is not None)
        if mode == "maintenance":
            self.title.setText(t("maintenance"))
            self.subtitle.setText(t("maintenance_text"))
        elif mode == "lockdown":
            self.title.setText(t("call_staff"))
            self.subtitle.setText(t("call_staff_text"))
        else:
            self.title.setText(t("welcome"))
            self.subtitle.setText(t("log_in_to_start"))
        self.title.setVisible(over is None)
        self.card.setVisible(mode == "locked")
        self.message.setText(self._message if mode == "locked" else "")
        self.message.setVisible(bool(self.message.text()))
        for label in (self.banner, self.over, self.title, self.subtitle, self.message):
            # A wrapped label in a box layout keeps one line's height unless told what it needs (-1: it
            # has no height for a width, being empty).
            label.setMinimumHeight(max(0, label.heightForWidth(label.width())))
