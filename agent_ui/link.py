"""The UI's end of the local link: ``QLocalSocket`` (a Unix socket on Linux, a named pipe on Windows).

It says hello with the secret the agent gave at spawn, sends a heartbeat from the Qt event loop (a hung UI
stops sending it, and the agent's guard replaces it), says which state it has drawn (``shown``), and turns
the agent's lines into typed messages. Any line sent counts as a heartbeat: the timer restarts with each.
"""

from __future__ import annotations

import itertools

from pydantic import ValidationError
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalSocket

from edge_agent.link_models import (
    AGENT_MESSAGE,
    MAX_LINE,
    Activity,
    CodeLoginRequest,
    EndSessionRequest,
    Error,
    Hello,
    LinkModel,
    MemberLoginRequest,
    Ping,
    PriceReply,
    PriceRequest,
    Reply,
    ScreenState,
    encode_line,
)

HEARTBEAT_MS = 500  # the guard calls a UI hung after 1.5 s of silence (edge_agent.guard)
RECONNECT_MS = 500


class AgentLink(QObject):
    state = Signal(object)  # ScreenState
    reply = Signal(object)  # Reply
    price = Signal(object)  # PriceReply
    connected = Signal(bool)

    def __init__(self, address: str, secret: str) -> None:
        super().__init__()
        self._address = address
        self._secret = secret
        self._buffer = b""
        self._ids = itertools.count(1)
        self._socket = QLocalSocket(self)
        self._socket.connected.connect(self._hello)
        self._socket.readyRead.connect(self._read)
        self._socket.disconnected.connect(self._lost)
        self._socket.errorOccurred.connect(lambda _error: self._lost())
        self._heartbeat = QTimer(self)
        self._heartbeat.timeout.connect(lambda: self._send(Ping()))
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.open)

    def open(self) -> None:
        self._buffer = b""
        self._socket.connectToServer(self._address)

    def _hello(self) -> None:
        self._send(Hello(secret=self._secret))
        self._heartbeat.start(HEARTBEAT_MS)
        self.connected.emit(True)

    def _lost(self) -> None:
        self._heartbeat.stop()
        self.connected.emit(False)
        if not self._retry.isActive():
            self._retry.start(RECONNECT_MS)

    def _send(self, message: LinkModel) -> None:
        if self._socket.state() == QLocalSocket.LocalSocketState.ConnectedState:
            self._socket.write(encode_line(message))
            self._socket.flush()
            if self._heartbeat.isActive():
                self._heartbeat.start()  # this line was a sign of life: the next ping can wait

    def shown(self, version: int) -> None:
        """The state ``version`` is on the screen (the guard times its restarts by it)."""
        self._send(Ping(shown=version))

    def _read(self) -> None:
        self._buffer += bytes(self._socket.readAll().data())
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            try:
                message = AGENT_MESSAGE.validate_json(line)
            except ValidationError:
                continue  # the agent is trusted, but a torn line must not stop the screen
            match message:
                case ScreenState():
                    self.state.emit(message)
                case Reply():
                    self.reply.emit(message)
                case PriceReply():
                    self.price.emit(message)
                case Error():
                    pass
        if len(self._buffer) > MAX_LINE:
            self._buffer = b""

    # ---- requests ----------------------------------------------------------------------------
    def member_login(self, login: str, secret: str) -> int:
        request_id = next(self._ids)
        self._send(MemberLoginRequest(id=request_id, login=login, secret=secret))
        return request_id

    def code_login(self, code: str) -> int:
        request_id = next(self._ids)
        self._send(CodeLoginRequest(id=request_id, code=code))
        return request_id

    def end_session(self) -> int:
        request_id = next(self._ids)
        self._send(EndSessionRequest(id=request_id))
        return request_id

    def ask_price(self) -> int:
        request_id = next(self._ids)
        self._send(PriceRequest(id=request_id))
        return request_id

    def activity(self) -> None:
        self._send(Activity())
