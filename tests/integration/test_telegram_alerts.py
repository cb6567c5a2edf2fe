"""A hub configured with a Telegram chat sends a PC's new alert there (a fake Bot API on loopback),
and never writes the bot token in its log."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from hub.store import open_store
from protocol import SessionKind

from .conftest import async_wait_until, guest_session
from .own_stack import own_stack
from .rogue import RoguePc, now_ms

TOKEN = "654321:integration-bot-token"


class FakeTelegram(ThreadingHTTPServer):
    """Records each sendMessage and answers ok, as the Bot API does."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeTelegram

    def do_POST(self) -> None:
        self.server.received.append(
            (self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        )
        data = b'{"ok": true, "result": {}}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


async def test_a_pc_offline_in_paid_time_reaches_the_chat_once(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    threading.Thread(target=telegram.serve_forever, daemon=True).start()
    env = {
        "ICAFE_TELEGRAM_BOT_TOKEN": TOKEN,
        "ICAFE_TELEGRAM_CHAT_ID": "-1001",
        "ICAFE_TELEGRAM_API_URL": telegram.url,
    }
    try:
        with own_stack(tmp_path / "cafe", hub_env=env) as local:
            login = await asyncio.to_thread(
                httpx.post,
                f"{local.api_url}/api/v1/auth/login",
                json={"username": "admin", "password": local.secrets["admin_password"]},
            )
            token = login.json()["access_token"]
            pc_id, session_id = f"pc-tg-{uuid.uuid4().hex[:6]}", f"s-{uuid.uuid4().hex[:8]}"
            store = await open_store(local.mongo_url, local.config.hub_env["ICAFE_MONGO_DB"])
            with httpx.Client(
                base_url=f"{local.api_url}/api/v1", headers={"Authorization": f"Bearer {token}"}
            ) as api:
                async with RoguePc(local, pc_id, api):
                    started = now_ms()
                    record = guest_session(
                        session_id,
                        SessionKind.PREPAID,
                        pc_id=pc_id,
                        prepaid_minutes=60,
                        created_at=started,
                        started_at=started,
                    )
                    await store.sessions.insert(record)
                await async_wait_until(lambda: telegram.received, 20, "the message at the fake Telegram")
            await store.close()
            await asyncio.sleep(1)  # anything the hub still logs about it
            log = local.log("hub").read_text()
    finally:
        telegram.shutdown()
        telegram.server_close()
    ((path, body),) = telegram.received
    assert path == f"/bot{TOKEN}/sendMessage"
    assert body["chat_id"] == "-1001"
    assert body["text"].startswith(f"icafe main: offline_in_session on {pc_id}\n")
    assert session_id in body["text"]
    assert TOKEN not in log
