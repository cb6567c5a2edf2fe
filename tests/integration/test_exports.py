"""Exports on the real stack: a job started over the API, its progress followed on the WebSocket, its file
downloaded and read back (csv, openpyxl, pypdf) against the API's own list with the same filters; who may
export and see what; a big export that keeps the hub serving and its memory flat; private files removed
after their keep; a hub killed mid-job; replicas sharing the data directory."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import stat
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import websockets
from pypdf import PdfReader

from billing.money import currency
from hub.exports.jobs import HUB_STOPPED
from hub.sessions.defaults import DEFAULT_TARIFF
from hub.store.sessions import SessionRecord, SessionState
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port
from protocol import SessionKind

from .conftest import (
    ADMIN_PASSWORD,
    SECURITY_ENV,
    Staff,
    async_wait_until,
    create_staff,
    database,
    login,
    wait_until,
)

HOSTILE_NAME = '=HYPERLINK("http://evil.example","click")'
TERMINAL_REF = "A7731"
DONE_WITHIN_S = 60


# ---- helpers ----------------------------------------------------------------------------------------


def client(stack: LocalStack, token: str, port: int | None = None) -> httpx.Client:
    base = f"http://127.0.0.1:{port}" if port else stack.api_url
    return httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30)


@asynccontextmanager
async def live_events(port: int, token: str) -> AsyncIterator[list[dict[str, Any]]]:
    """The export events a user's WebSocket receives while open."""
    seen: list[dict[str, Any]] = []
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/api/v1/ws?token={token}")
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "hello"

    async def collect() -> None:
        async for message in ws:
            event = json.loads(message)
            if str(event.get("type", "")).startswith("export."):
                seen.append(event)

    task = asyncio.create_task(collect())
    try:
        yield seen
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


def start(api: httpx.Client, kind: str, fmt: str, filters: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/exports", json={"kind": kind, "format": fmt, "filters": filters})
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert job["state"] in ("queued", "running")
    return job


def finished(api: httpx.Client, job_id: str, timeout_s: float = DONE_WITHIN_S) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        job: dict[str, Any] = api.get(f"/exports/{job_id}").json()
        return job if job["state"] in ("done", "failed") else None

    job: dict[str, Any] = wait_until(ended, timeout_s, f"export {job_id} finished", poll_s=0.2)
    assert job["state"] == "done", job
    return job


def download(api: httpx.Client, job: dict[str, Any]) -> bytes:
    response = api.get(job["download"].removeprefix("/api/v1"))
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    return response.content


def exported(api: httpx.Client, kind: str, fmt: str, filters: dict[str, Any]) -> bytes:
    return download(api, finished(api, start(api, kind, fmt, filters)["id"]))


def every(api: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of a paged list."""
    items: list[dict[str, Any]] = []
    while True:
        page = api.get(path, params={**params, "offset": len(items), "limit": 100}).json()
        items += page["items"]
        if len(items) >= page["total"]:
            return items


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def xlsx_rows(data: bytes) -> tuple[list[str], list[tuple[Any, ...]], Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [str(h) for h in header], rows, sheet


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def moment(text: str) -> int:
    """An ISO time with an offset, as epoch seconds."""
    return int(dt.datetime.fromisoformat(text).timestamp())


def seed_sessions(stack: LocalStack, pc_id: str, count: int) -> None:
    """``count`` ended sessions on ``pc_id``, written as the hub's repository writes them."""
    client_, db = database(stack)
    try:
        base = 1_795_590_000_000
        docs = [
            SessionRecord(
                id=f"{pc_id}-{i:06d}",
                pc_id=pc_id,
                kind=SessionKind.POSTPAID,
                state=SessionState.ENDED,
                created_at=base + i * 60_000,
                started_at=base + i * 60_000,
                ended_at=base + i * 60_000 + 30 * 60_000,
                used_ms=30 * 60_000,
                cost=600_000 + i,
                tariff_id=DEFAULT_TARIFF.id,
                end_reason="staff",
            ).to_document()
            for i in range(count)
        ]
        for start_at in range(0, count, 5000):
            db["sessions"].insert_many(docs[start_at : start_at + 5000], ordered=False)
    finally:
        client_.close()


def hub_rss_kb(stack: LocalStack, name: str = "hub") -> int:
    pid = stack.supervisor.services[name].pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


# ---- the shared stack -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(stack: LocalStack) -> dict[str, Any]:
    """A member named like a formula, with cash and card top-ups."""
    token = login(stack)
    with client(stack, token) as api:
        if api.get("/shifts/current").status_code == 404:
            assert api.post("/shifts", json={"opening_float": 0}).status_code == 201
        login_ = f"x{uuid.uuid4().hex[:10]}"
        member = api.post("/members", json={"login": login_, "name": HOSTILE_NAME, "secret": "1234"})
        assert member.status_code == 201, member.text
        member_id = member.json()["id"]
        for i, method in enumerate(["cash", "card", "cash", "cash", "card", "cash"]):
            body: dict[str, Any] = {
                "purpose": "topup",
                "method": method,
                "amount": 1_000_00 * (i + 1),
                "member_id": member_id,
            }
            if method == "card":
                body["terminal_ref"] = TERMINAL_REF
            paid = api.post("/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
            assert paid.status_code == 201, paid.text
    return {"member_id": member_id, "login": login_}


async def test_a_payments_export_follows_on_the_websocket_and_equals_the_list(
    stack: LocalStack, token: str, seeded: dict[str, Any]
) -> None:
    filters = {"member_id": seeded["member_id"], "method": "cash"}
    with client(stack, token) as api:
        listed = sorted(every(api, "/payments", filters), key=lambda p: (p["at"], p["id"]))
        assert len(listed) == 4
        async with live_events(stack.config.http_port, token) as events:
            job = await asyncio.to_thread(start, api, "payments", "csv", filters)
            done = await async_wait_until(
                lambda: next(
                    (e for e in events if e["type"] == "export.done" and e["id"] == job["id"]), None
                ),
                DONE_WITHIN_S,
                "export.done on the socket",
            )
        mine = [e for e in events if e["id"] == job["id"]]
        progress = [e for e in mine if e["type"] == "export.progress"]
        assert progress, mine
        assert [e["rows"] for e in progress] == sorted(e["rows"] for e in progress)
        assert done["rows"] == done["total"] == 4
        assert done["percent"] == 100
        assert done["download"] == f"/api/v1/exports/{job['id']}/download"
        view = api.get(f"/exports/{job['id']}").json()
        assert view["state"] == "done"
        assert view["filters"] == filters
        rows = csv_rows(download(api, view))
    assert [r["id"] for r in rows] == [p["id"] for p in listed]
    assert [int(r["amount_minor"]) for r in rows] == [p["amount"] for p in listed]
    assert [r["receipt"] for r in rows] == [p["receipt"] for p in listed]
    assert [moment(r["time"]) for r in rows] == [p["at"] // 1000 for p in listed]
    assert {r["method"] for r in rows} == {"cash"}


def test_xlsx_and_pdf_of_payments_hold_the_same_numbers_as_the_list(
    stack: LocalStack, token: str, seeded: dict[str, Any]
) -> None:
    filters = {"member_id": seeded["member_id"]}
    with client(stack, token) as api:
        listed = sorted(every(api, "/payments", filters), key=lambda p: (p["at"], p["id"]))
        assert len(listed) == 6
        header, rows, _ = xlsx_rows(exported(api, "payments", "xlsx", filters))
        text = pdf_text(exported(api, "payments", "pdf", filters))
    factor = 10 ** currency(listed[0]["currency"]).exponent
    column = {title: index for index, title in enumerate(header)}
    assert [row[column["ID"]] for row in rows] == [p["id"] for p in listed]
    assert [row[column["Amount"]] for row in rows] == [p["amount"] / factor for p in listed]
    assert sum(row[column["Amount"]] for row in rows) * factor == sum(p["amount"] for p in listed)
    assert all(isinstance(row[column["Time"]], dt.datetime) for row in rows)
    refs = [row[column["Terminal ref"]] for row in rows]
    assert refs == [p["terminal_ref"] for p in listed]
    assert refs.count(TERMINAL_REF) == 2
    for payment in listed:
        assert payment["receipt"] in text
    assert "Payments and refunds" in text


def test_members_sessions_and_audit_export_what_their_lists_show(
    stack: LocalStack, token: str, seeded: dict[str, Any]
) -> None:
    pc_id = f"pc-x{uuid.uuid4().hex[:6]}"
    seed_sessions(stack, pc_id, 7)
    with client(stack, token) as api:
        members = every(api, "/members", {"login": seeded["login"]})
        member_csv = csv_rows(exported(api, "members", "csv", {"login": seeded["login"]}))
        _, member_xlsx, sheet = xlsx_rows(exported(api, "members", "xlsx", {"login": seeded["login"]}))

        sessions = every(api, "/sessions", {"pc_id": pc_id})
        session_csv = csv_rows(exported(api, "sessions", "csv", {"pc_id": pc_id}))

        audit_filters = {"action": "export.create", "actor": "admin"}
        audit_job = start(api, "audit", "xlsx", audit_filters)
        finished(api, audit_job["id"])
        audit = every(api, "/audit", audit_filters)
        _, audit_rows, _ = xlsx_rows(download(api, api.get(f"/exports/{audit_job['id']}").json()))

    # Members: balance in minor units in CSV, the formula-like name neutralised in CSV, exact in XLSX.
    assert len(members) == len(member_csv) == len(member_xlsx) == 1
    assert member_csv[0]["id"] == members[0]["id"]
    assert int(member_csv[0]["balance_minor"]) == members[0]["balance"] == 21_000_00
    assert member_csv[0]["name"] == "'" + HOSTILE_NAME
    name = sheet["B2"]
    assert (name.value, name.data_type, name.quotePrefix) == (HOSTILE_NAME, "s", True)

    assert sorted(r["id"] for r in session_csv) == sorted(s["id"] for s in sessions)
    assert len(session_csv) == 7
    costs = {s["id"]: s["cost"] for s in sessions}
    assert all(int(r["cost_minor"]) == costs[r["id"]] for r in session_csv)

    # The audit export was asked for after its own entry was written: it lists itself.
    assert sorted(r[0] for r in audit_rows) == sorted(e["seq"] for e in audit)
    assert audit_job["id"] in {e["target"].removeprefix("export:") for e in audit}


async def test_who_may_export_and_see_what(stack: LocalStack, token: str, seeded: dict[str, Any]) -> None:
    cashier, other, technician = [
        await asyncio.to_thread(create_staff, stack, token, role)
        for role in ("cashier", "cashier", "technician")
    ]

    def post(staff: Staff, kind: str, fmt: str = "csv", **filters: Any) -> httpx.Response:
        body = {"kind": kind, "format": fmt, "filters": filters}
        return httpx.post(staff.url("/exports"), headers=staff.headers, json=body, timeout=15)

    # What a role cannot read, it cannot export.
    assert (await asyncio.to_thread(post, cashier, "audit")).status_code == 403
    assert (await asyncio.to_thread(post, technician, "payments")).status_code == 403
    # Bad input says what to do.
    unknown = await asyncio.to_thread(post, cashier, "payments", colour="red")
    assert unknown.status_code == 400
    assert "not a filter of payments" in unknown.json()["error"]["message"]
    not_printable = await asyncio.to_thread(post, cashier, "sessions", "pdf")
    assert not_printable.status_code == 400
    assert "export it as csv or xlsx" in not_printable.json()["error"]["message"]

    port = stack.config.http_port
    async with (
        live_events(port, cashier.access_token) as mine,
        live_events(port, other.access_token) as theirs,
    ):
        response = await asyncio.to_thread(post, cashier, "payments", member_id=seeded["member_id"])
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        await async_wait_until(
            lambda: any(e["type"] == "export.done" and e["id"] == job_id for e in mine), DONE_WITHIN_S, "done"
        )
        # The other cashier's socket stays quiet while the owner of the job heard it all.
        await asyncio.sleep(0.5)
        assert [e for e in theirs if e["id"] == job_id] == []

    def get(staff: Staff, path: str) -> httpx.Response:
        return httpx.get(staff.url(path), headers=staff.headers, timeout=15)

    assert (await asyncio.to_thread(get, cashier, f"/exports/{job_id}/download")).status_code == 200
    for path in (f"/exports/{job_id}", f"/exports/{job_id}/download"):
        assert (await asyncio.to_thread(get, other, path)).status_code == 404
    assert job_id not in {j["id"] for j in (await asyncio.to_thread(get, other, "/exports")).json()["items"]}
    # The owner sees everyone's jobs.
    with client(stack, token) as api:
        assert api.get(f"/exports/{job_id}").json()["requested_by"] == cashier.username


def test_files_are_private(stack: LocalStack, token: str, seeded: dict[str, Any]) -> None:
    with client(stack, token) as api:
        job = finished(api, start(api, "members", "xlsx", {"login": seeded["login"]})["id"])
    folder = stack.data_dir / "exports"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "tmp").stat().st_mode) == 0o700
    file = folder / f"{job['id']}.xlsx"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert file.stat().st_size == job["size"]


BIG = 20_000


async def test_a_big_export_streams_while_the_hub_keeps_answering(stack: LocalStack, token: str) -> None:
    """20,000 sessions to XLSX. The stack runs with blocking detection on (a blocking call in the event
    loop fails the job); the job's own record is read over the API all along and must be seen part-way
    several times, and the hub's resident memory must not grow with the rows."""
    pc_id = f"pc-big{uuid.uuid4().hex[:6]}"
    await asyncio.to_thread(seed_sessions, stack, pc_id, BIG)
    with client(stack, token) as api:
        before = hub_rss_kb(stack)
        job = await asyncio.to_thread(start, api, "sessions", "xlsx", {"pc_id": pc_id})
        seen: list[int] = []
        peak = before
        while True:
            view = (await asyncio.to_thread(api.get, f"/exports/{job['id']}")).json()
            peak = max(peak, hub_rss_kb(stack))
            if view["state"] in ("done", "failed"):
                break
            seen.append(view["rows"])
            await asyncio.sleep(0.1)
        assert view["state"] == "done", view
        assert view["rows"] == view["total"] == BIG
        data = await asyncio.to_thread(download, api, view)
    part_way = sorted({rows for rows in seen if 0 < rows < BIG})
    assert len(part_way) >= 2, seen
    # The rows of a whole export held at once would be tens of MB; a batch is a few hundred KB.
    assert peak - before < 60 * 1024, (before, peak)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    ids = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert len(ids) == BIG
    assert ids[0] == f"{pc_id}-000000"
    assert ids[-1] == f"{pc_id}-{BIG - 1:06d}"


# ---- a stack of its own: replicas sharing the data directory, the keep, a killed hub -----------------

KEEP_H = 0.003  # 10.8 s
KILLED = 10_000  # rows of the export the hub is killed during: enough to catch it running


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, int]]:
    """Two hub replicas on one data directory. Started (and restarted) with a longer wait than the shared
    helpers' 60 s: the test kills and restarts one while the machine may be busy with other work."""
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("exports"),
        http_port=free_port(),
        admin_password=ADMIN_PASSWORD,
        hub_env={
            "ICAFE_MONGO_DB": f"icafe_own_{uuid.uuid4().hex[:8]}",
            "ICAFE_DETECT_BLOCKING": "1",
            "ICAFE_EXPORT_KEEP_H": str(KEEP_H),
            **SECURITY_ENV,
        },
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_hub(ready_timeout_s=180)
        port = free_port()
        local.start_hub("hub-2", port, ready_timeout_s=180)
        yield local, port
    finally:
        local.stop()


async def test_replicas_share_files_and_progress_and_files_go_after_their_keep(
    replicated: tuple[LocalStack, int],
) -> None:
    stack, port2 = replicated
    token = await asyncio.to_thread(login, stack)
    pc_id = "pc-shared"
    await asyncio.to_thread(seed_sessions, stack, pc_id, 50)
    with client(stack, token, port2) as there, client(stack, token) as here:
        # Asked of the second replica, heard on a socket of the first, downloaded from the first.
        async with live_events(stack.config.http_port, token) as events:
            job = await asyncio.to_thread(start, there, "sessions", "csv", {"pc_id": pc_id})
            await async_wait_until(
                lambda: any(e["type"] == "export.done" and e["id"] == job["id"] for e in events),
                DONE_WITHIN_S,
                "export.done relayed by the other replica",
            )
        view = here.get(f"/exports/{job['id']}").json()
        assert len(csv_rows(await asyncio.to_thread(download, here, view))) == 50
        assert view["expires_at"] - view["finished_at"] == int(KEEP_H * 3600 * 1000)
        file = stack.data_dir / "exports" / f"{job['id']}.csv"
        assert file.exists()

        # Past its keep, a replica's upkeep deletes the file and marks the job expired.
        await async_wait_until(
            lambda: here.get(f"/exports/{job['id']}").json()["state"] == "expired", 60, "the job expired"
        )
        assert not file.exists()
        gone = here.get(f"/exports/{job['id']}/download")
        assert gone.status_code == 409
        assert "expired: export it again" in gone.json()["error"]["message"]


async def test_a_hub_killed_mid_export_leaves_it_failed_as_retryable(
    replicated: tuple[LocalStack, int],
) -> None:
    stack, port2 = replicated
    token = await asyncio.to_thread(login, stack)
    pc_id = "pc-killed"
    await asyncio.to_thread(seed_sessions, stack, pc_id, KILLED)
    with client(stack, token) as here, client(stack, token, port2) as there:
        job = await asyncio.to_thread(start, here, "sessions", "xlsx", {"pc_id": pc_id})
        await async_wait_until(
            lambda: there.get(f"/exports/{job['id']}").json()["state"] == "running", 30, "the job running"
        )
        stack.supervisor.services["hub"].kill()  # kill -9: nothing of the hub gets to say goodbye
        assert there.get(f"/exports/{job['id']}").json()["state"] == "running"
        await asyncio.to_thread(stack.supervisor.restart, "hub")

        # The restarted hub fails what its previous life left running, and its upkeep removes the part.
        failed = there.get(f"/exports/{job['id']}").json()
        assert failed["state"] == "failed", failed
        assert failed["retryable"] is True
        assert failed["error"] == HUB_STOPPED
        folder = stack.data_dir / "exports"
        await async_wait_until(
            lambda: not any(p.name.startswith(job["id"]) for p in folder.iterdir()), 30, "the part removed"
        )

        retried = there.post(f"/exports/{job['id']}/retry")
        assert retried.status_code == 202, retried.text
        assert there.post(f"/exports/{job['id']}/retry").status_code == 409  # queued, not failed
        done = await asyncio.to_thread(finished, there, job["id"], 120)
        assert done["rows"] == KILLED
        book = openpyxl.load_workbook(
            io.BytesIO(await asyncio.to_thread(download, here, done)), read_only=True
        )
        assert sum(1 for _ in book.active.iter_rows(min_row=2)) == KILLED
