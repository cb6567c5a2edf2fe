"""New alerts to Telegram (hub.notify) against a fake Bot API on loopback: what is sent, Telegram's
retry_after honoured, giving up after a few attempts without ever logging the token; only an alert's
opening is sent, not its repeats."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import hub.notify
from hub.alerts import AlertKind, PcAlerts
from hub.notify import TelegramNotifier, alert_text
from hub.store.alerts import AlertRecord

TOKEN = "123456:secret-bot-token"


class FakeTelegram(ThreadingHTTPServer):
    """Answers each sendMessage with the next of ``answers`` (status, body), then 200 ok."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeTelegram

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((self.path, body))
        status, answer = (
            self.server.answers.pop(0) if self.server.answers else (200, {"ok": True, "result": {}})
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub.notify, "_BACKOFF_S", (0.01, 0.01))


def alert(count: int = 1, pc_id: str | None = "pc-007") -> AlertRecord:
    return AlertRecord(
        id="a1",
        pc_id=pc_id,
        kind="offline_in_session",
        state="open",
        message="pc-007 went offline during session s-1 (a guest)",
        first_at=1,
        last_at=1,
        count=count,
        branch=None if pc_id else "main",
        product_id=None if pc_id else "cola",
    )


async def test_a_new_alert_is_sent_as_plain_text(telegram: FakeTelegram) -> None:
    notifier = TelegramNotifier(TOKEN, "-1001", "main", telegram.url)
    assert await notifier.notify(alert())
    ((path, body),) = telegram.received
    assert path == f"/bot{TOKEN}/sendMessage"
    assert body == {
        "chat_id": "-1001",
        "text": "icafe main: offline_in_session on pc-007\npc-007 went offline during session s-1 (a guest)",
    }
    assert "parse_mode" not in body
    assert alert_text(alert(pc_id=None), "main").startswith("icafe main: offline_in_session on cola at main")
    assert len(alert_text(AlertRecord(**{**vars(alert()), "message": "x" * 10_000}), "main")) == 4096


async def test_retry_after_is_honoured(telegram: FakeTelegram) -> None:
    telegram.answers = [
        (429, {"ok": False, "description": "Too Many Requests", "parameters": {"retry_after": 0.2}})
    ]
    assert await TelegramNotifier(TOKEN, "-1001", "main", telegram.url).notify(alert())
    assert len(telegram.received) == 2


async def test_it_gives_up_after_a_few_attempts_and_never_logs_the_token(
    telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.answers = [(500, {"ok": False, "description": "Internal"})] * 5
    with caplog.at_level(logging.WARNING, logger="hub.notify"):
        assert not await TelegramNotifier(TOKEN, "-1001", "main", telegram.url).notify(alert())
        assert len(telegram.received) == hub.notify.ATTEMPTS
        unreachable = f"http://127.0.0.1:{telegram.server_address[1] + 0}/closed"
        telegram.shutdown()
        telegram.server_close()
        assert not await TelegramNotifier(TOKEN, "-1001", "main", unreachable).notify(alert())
    assert "giving up" in caplog.text
    assert "unreachable" in caplog.text
    assert TOKEN not in caplog.text
    assert "secret-bot-token" not in caplog.text


class _Alerts:
    """The repository's answer to each raise: an alert opened, then the same one repeated."""

    def __init__(self) -> None:
        self.count = 0

    async def raise_alert(self, *args: Any) -> AlertRecord:
        self.count += 1
        return alert(self.count)


class _Live:
    async def publish(self, message: dict[str, Any]) -> None:
        pass


async def test_only_an_alerts_opening_is_sent() -> None:
    sent: list[AlertRecord] = []
    alerts = PcAlerts(_Alerts(), _Live(), sent.append)  # type: ignore[arg-type]
    for _ in range(3):
        await alerts.raise_alert("pc-007", AlertKind.OFFLINE_IN_SESSION, "went offline")
    assert [a.count for a in sent] == [1]


def test_the_token_and_the_chat_go_together() -> None:
    from pydantic import ValidationError

    from hub.config import HubSettings

    required = {"mqtt_ca": "ca.pem", "mqtt_cert": "c.pem", "mqtt_key": "k.pem", "jwt_secret": "j" * 32}
    assert HubSettings.model_validate({**required, "telegram_bot_token": TOKEN, "telegram_chat_id": "-1"})
    for lone in ({"telegram_bot_token": TOKEN}, {"telegram_chat_id": "-1"}):
        with pytest.raises(
            ValidationError, match="set both ICAFE_TELEGRAM_BOT_TOKEN and ICAFE_TELEGRAM_CHAT_ID"
        ):
            HubSettings.model_validate({**required, **lone})
