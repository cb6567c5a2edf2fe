"""New alerts sent to a Telegram chat through the Bot HTTP API (``sendMessage``), when configured.

Only an alert's opening is sent (its repeats add to it on the console, not in the chat), as plain text: no
parse mode, so nothing a PC put in a message can format or link. Sending never holds anything up: each
message goes out in a task of its own, through the standard library's HTTP client in a worker thread, with
a few attempts (Telegram's ``retry_after`` honoured) and then a log line. The bot token is part of the API's
URL: it is never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from hub.store.alerts import AlertRecord

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # Telegram's limit for one message
ATTEMPTS = 3
_BACKOFF_S = (1.0, 4.0)
_MAX_WAIT_S = 60.0


class TelegramError(Exception):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def alert_text(alert: AlertRecord, site: str) -> str:
    subject = alert.pc_id if alert.pc_id is not None else f"{alert.product_id} at {alert.branch}"
    return f"icafe {site}: {alert.kind} on {subject}\n{alert.message}"[:TEXT_LIMIT]


class TelegramNotifier:
    def __init__(
        self,
        token: str,
        chat_id: str,
        site: str,
        api_url: str = "https://api.telegram.org",
        timeout_s: float = 10,
    ) -> None:
        self._url = f"{api_url.rstrip('/')}/bot{token}/sendMessage"
        self._chat_id, self._site, self._timeout_s = chat_id, site, timeout_s
        self._tasks: set[asyncio.Task[bool]] = set()

    def notify(self, alert: AlertRecord) -> asyncio.Task[bool]:
        """Send ``alert`` in the background; the task answers whether it was delivered."""
        task = asyncio.create_task(self.send(alert_text(alert, self._site)), name="telegram")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def send(self, text: str) -> bool:
        for attempt in range(ATTEMPTS):
            try:
                await asyncio.to_thread(self._post, {"chat_id": self._chat_id, "text": text})
            except TelegramError as exc:
                if attempt == ATTEMPTS - 1:
                    log.error("telegram: giving up after %d attempts: %s", ATTEMPTS, exc)
                    return False
                wait = exc.retry_after_s if exc.retry_after_s is not None else _BACKOFF_S[attempt]
                log.warning("telegram: %s; again in %.0f s", exc, wait)
                await asyncio.sleep(min(wait, _MAX_WAIT_S))
            else:
                return True
        return False

    def _post(self, body: dict[str, Any]) -> None:
        request = urllib.request.Request(  # noqa: S310 - the configured Bot API URL, https by default
            self._url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            answer = _json_or_empty(exc.read())
            retry = answer.get("parameters", {}).get("retry_after") if isinstance(answer, dict) else None
            described = answer.get("description") if isinstance(answer, dict) else None
            raise TelegramError(
                f"HTTP {exc.code} {described or ''}".strip(), float(retry) if retry else None
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            # URLError's text may hold the URL, and so the token: say what kind of failure only.
            raise TelegramError(f"unreachable ({type(exc).__name__})") from None
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            raise TelegramError("the Bot API did not answer ok")


def _json_or_empty(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return {}
