"""`icafe enroll`'s client against a scripted HTTP server on loopback: a busy hub (429, 503) is waited out
as it says, a refusal is final with the hub's message, and nothing is asked twice of a code."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from edge_agent.enroll import PENDING_NAME, EnrollError, enroll

Answer = tuple[int, dict[str, Any], dict[str, str]]


class Script:
    """Answers in order per method; records what was asked."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {"POST": [], "GET": []}
        self.asked: list[tuple[str, str]] = []


@pytest.fixture
def hub() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            script.asked.append((self.command, self.path))
            status, body, headers = script.answers[self.command].pop(0)
            data = json.dumps(body).encode()
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET = _answer  # http.server calls do_<METHOD>

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", script
    finally:
        server.shutdown()
        server.server_close()


ACCEPTED = {"id": "enr_1", "secret": "s3cret", "state": "pending", "name": "pc-9", "poll_after_s": 5}
PENDING = {"id": "enr_1", "state": "pending", "message": "waiting", "poll_after_s": 5}
CODE = "K7QM-3XRT-9PWH-ZC2D"


def test_a_busy_hub_is_waited_out_as_it_says(hub: tuple[str, Script], tmp_path: Path) -> None:
    url, script = hub
    script.answers["POST"] += [
        (429, {"error": {"code": "rate_limited", "message": "too many"}}, {"Retry-After": "7"}),
        (202, ACCEPTED, {}),
    ]
    script.answers["GET"] += [
        (503, {"error": {"code": "unavailable", "message": "store down"}}, {}),
        (200, PENDING, {}),
    ]
    slept: list[float] = []
    said: list[str] = []
    result = enroll(tmp_path, hub=url, code=CODE, name="pc-9", wait_s=0, say=said.append, sleep=slept.append)
    # The 429 was waited out as long as it said; with wait_s=0 the 503 of the first poll ends this run.
    assert result is None
    assert slept == [7]
    assert [m for m, _ in script.asked] == ["POST", "POST", "GET"]
    assert "store down (503 unavailable): run the same command again to keep waiting" in said
    assert (tmp_path / PENDING_NAME).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "pc.key").stat().st_mode & 0o777 == 0o600
    # Run again: it resumes the same request, never sending the code again.
    script.asked.clear()
    assert enroll(tmp_path, hub=None, code=None, wait_s=0, say=said.append, sleep=slept.append) is None
    assert script.asked == [("GET", "/api/v1/enroll/enr_1")]
    assert said[-1] == "not approved yet: run the same command again to keep waiting"


def test_a_refusal_is_final_with_the_hubs_message(hub: tuple[str, Script], tmp_path: Path) -> None:
    url, script = hub
    message = "this enrollment code has been used (1 of 1 PCs): ask for a new code"
    script.answers["POST"].append((409, {"error": {"code": "enroll_code_used", "message": message}}, {}))
    with pytest.raises(EnrollError, match=r"has been used \(1 of 1 PCs\).*\(409 enroll_code_used\)"):
        enroll(tmp_path, hub=url, code=CODE, wait_s=0, say=lambda _: None, sleep=lambda _: None)
    assert not (tmp_path / PENDING_NAME).exists()
