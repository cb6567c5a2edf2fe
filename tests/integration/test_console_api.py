"""What the console needs of the API, on the real stack: members found by login, name or phone (kept
encrypted), a login wherever a member is named, prices asked before a session starts, payments pushed on
the WebSocket, a cashier's PC commands, money refusals in the branch's currency, and /docs that works with
no internet."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
import websockets

from hub.api_document import openapi_document
from hub.member_contact import open_phone, phone_index, phone_lookup, seal_phone
from hub.security.crypto import FieldCipher, generate_key
from hub.store import open_store
from hub.store.members import MemberRecord
from icafe.stack import LocalStack
from icafe.supervisor import Service

from .conftest import (
    ADMIN_PASSWORD,
    SECURITY_ENV,
    create_staff,
    database,
    icafe,
    pc_status,
    start_agent_process,
    wait_until,
)

SOM = 100  # minor units (tiyin) per so'm
QUOTE_PC = "pc-quote"
FLAT_RATE = 9_000 * SOM  # an hour, no windows: a price that cannot depend on when in the day it starts


def key() -> str:
    return f"console-{uuid.uuid4().hex}"


def ensure_shift(api: httpx.Client) -> None:
    if api.get("/shifts/current").status_code != 200:
        opened = api.post("/shifts", json={"opening_float": 0})
        assert opened.status_code == 201, opened.text


def new_member(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"login": f"m{uuid.uuid4().hex[:10]}", "secret": "4321", **fields}
    created = api.post("/members", json=body)
    assert created.status_code == 201, created.text
    member: dict[str, Any] = created.json()
    return member


def top_up(api: httpx.Client, member: str, amount: int) -> httpx.Response:
    body = {"purpose": "topup", "method": "cash", "amount": amount, "member_id": member}
    return api.post("/payments", json=body, headers={"Idempotency-Key": key()})


def logins(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["login"] for item in response.json()["items"]}


# ---- members ----------------------------------------------------------------------------------------


def test_members_are_found_by_login_name_or_phone_in_any_spelling(
    api: httpx.Client, stack: LocalStack
) -> None:
    tag = uuid.uuid4().hex[:6]
    nodira = new_member(
        api, login=f"Nodira_{tag}", name=f"Nodira Karimova {tag}", phone="+998 (90) 123-45-67"
    )
    bekzod = new_member(api, login=f"bek_{tag}", name=f"Bekzod {tag}", phone="+998 91 765 43 21")

    assert nodira["phone"] == "+998 (90) 123-45-67"  # shown as it was typed
    assert logins(api.get("/members", params={"q": f"nodira_{tag.upper()}"})) == {nodira["login"]}
    assert logins(api.get("/members", params={"q": f"karimova {tag}"})) == {nodira["login"]}
    assert logins(api.get("/members", params={"q": tag})) == {nodira["login"], bekzod["login"]}
    assert logins(api.get("/members", params={"q": nodira["id"]})) == {nodira["login"]}
    assert logins(api.get("/members", params={"login": bekzod["login"]})) == {bekzod["login"]}
    assert logins(api.get("/members", params={"login": bekzod["login"].upper()})) == set()  # exact
    # A phone in any spelling: the whole number, without the country code, or its last seven digits.
    for typed in ("998901234567", "+998 90 123 45 67", "90 123-45-67", "1234567"):
        found = api.get("/members", params={"q": typed})
        assert nodira["login"] in logins(found), typed
        assert bekzod["login"] not in logins(found), typed
    assert nodira["login"] not in logins(
        api.get("/members", params={"q": "234567"})
    )  # too short to be a phone
    paged = api.get("/members", params={"q": tag, "limit": 1})
    assert (len(paged.json()["items"]), paged.json()["total"]) == (1, 2)

    # The store holds the number only encrypted, and blind indexes no one can test a guess against.
    client, db = database(stack)
    with client:
        stored = db["members"].find_one({"_id": nodira["id"]})
    assert stored["phone_enc"].startswith("enc:v1:")
    assert "1234567" not in json.dumps(stored, default=str)
    assert stored["phone_index"]


def test_a_phone_is_changed_or_removed_and_bad_numbers_are_refused(api: httpx.Client) -> None:
    member = new_member(api, name="Old name", phone="+998 93 000 11 22")
    changed = api.patch(
        f"/members/{member['login']}", json={"name": "New name", "phone": "+998 94 555 66 77"}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["phone"]) == ("New name", "+998 94 555 66 77")
    assert member["login"] in logins(api.get("/members", params={"q": "945556677"}))
    assert member["login"] not in logins(api.get("/members", params={"q": "930001122"}))

    removed = api.patch(f"/members/{member['id']}", json={"phone": ""})
    assert removed.json()["phone"] is None
    assert member["login"] not in logins(api.get("/members", params={"q": "945556677"}))

    for bad in ("call me", "12-34", "+998 90 123 45 67 89 00 11"):
        refused = api.patch(f"/members/{member['id']}", json={"phone": bad})
        assert refused.status_code == 400, bad
        assert "phone" in refused.json()["error"]["message"]
    assert api.patch(f"/members/{member['id']}", json={}).status_code == 400
    audit = api.get("/audit", params={"action": "member.update"}).json()["items"]
    mine = [entry for entry in audit if entry["target"] == f"member:{member['id']}"]
    assert {entry["details"].get("phone") for entry in mine} >= {"changed", "removed"}
    assert "945556677" not in json.dumps(mine)
    assert "555 66 77" not in json.dumps(mine)


def test_a_login_names_a_member_wherever_an_id_does(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    login = member["login"]
    assert api.get(f"/members/{login}").json()["id"] == member["id"]

    paid = top_up(api, login, 7_000 * SOM)
    assert paid.status_code == 201, paid.text
    assert paid.json()["member_id"] == member["id"]  # the payment names the member by id
    assert paid.json()["balance"] == 7_000 * SOM
    adjusted = api.post(
        f"/members/{login}/balance-adjustments",
        json={"amount": -2_000 * SOM, "reason": "console test", "idempotency_key": key()},
    )
    assert adjusted.status_code == 201, adjusted.text
    assert (adjusted.json()["member_id"], adjusted.json()["balance"]) == (member["id"], 5_000 * SOM)
    assert api.put(f"/members/{login}/secret", json={"secret": "9876"}).status_code == 200

    assert api.get("/members/nobody-by-that-name").status_code == 404
    assert top_up(api, "nobody-by-that-name", 100).json()["error"]["code"] == "not_found"
    looks_like_an_id = api.post("/members", json={"login": uuid.uuid4().hex, "secret": "4321"})
    assert looks_like_an_id.status_code == 400
    assert "member id" in looks_like_an_id.json()["error"]["message"]


def test_the_payment_history_names_each_member_by_login(api: httpx.Client) -> None:
    ensure_shift(api)
    first, second = new_member(api), new_member(api)
    for member in (first, second, first):
        assert top_up(api, member["id"], 1_000 * SOM).status_code == 201
    product = api.post("/products", json={"name": f"Tea {uuid.uuid4().hex[:6]}", "price": 500 * SOM}).json()
    sale = api.post(
        "/payments",
        json={"purpose": "sale", "method": "cash", "items": [{"product_id": product["id"], "quantity": 1}]},
        headers={"Idempotency-Key": key()},
    )
    assert sale.status_code == 201, sale.text
    page = api.get("/payments", params={"limit": 4}).json()["items"]
    named = [(p["member_id"], p["member_login"]) for p in page]
    assert named == [
        (None, None),
        (first["id"], first["login"]),
        (second["id"], second["login"]),
        (first["id"], first["login"]),
    ]
    # The member filter takes a login too, and each row still names them.
    mine = api.get("/payments", params={"member_id": second["login"]}).json()["items"]
    assert [p["member_login"] for p in mine] == [second["login"]]
    detail = api.get(f"/payments/{mine[0]['id']}").json()
    assert (detail["member_id"], detail["member_login"]) == (second["id"], second["login"])
    assert api.get(f"/payments/{page[0]['id']}").json()["member_login"] is None
    rows = api.get("/payments/export.csv", params={"member_id": second["login"]}).text.splitlines()
    assert len(rows) == 2, rows
    assert second["id"] in rows[1], rows
    assert api.get("/payments", params={"member_id": "nobody-by-that-name"}).json()["items"] == []


def test_a_key_rotation_re_indexes_phones_so_they_are_found_under_the_new_key(stack: LocalStack) -> None:
    old_setting = SECURITY_ENV["ICAFE_ENCRYPTION_KEYS"]
    new_setting = generate_key(f"ph{int(time.time() * 1000)}")
    db_name = f"phones_{uuid.uuid4().hex[:8]}"
    old = FieldCipher.from_setting(old_setting)
    digits = "998907776655"

    async def seed() -> None:
        store = await open_store(stack.mongo_url, db_name)
        try:
            member = MemberRecord(
                id="m1",
                login="rotated",
                name="",
                secret_hash="x",
                created_at=1,
                phone_enc=seal_phone(old, "m1", "+998 90 777 66 55"),
                phone_index=tuple(phone_index(old, digits)),
            )
            assert await store.members.create(member)
        finally:
            await store.close()

    asyncio.run(seed())
    keys = f"{new_setting},{old_setting}"
    rotated = icafe(stack, "keys", "rotate", env={"ICAFE_MONGO_DB": db_name, "ICAFE_ENCRYPTION_KEYS": keys})
    client, _ = database(stack)
    try:
        stored = client[db_name]["members"].find_one({"_id": "m1"})
    finally:
        client.drop_database(db_name)
        client.close()
    assert rotated.returncode == 0, rotated.stderr
    assert "members.phone_index: 1 of 1 re-indexed" in rotated.stdout
    only_new = FieldCipher.from_setting(new_setting)
    assert open_phone(only_new, "m1", stored["phone_enc"]) == "+998 90 777 66 55"
    for ending in ("998907776655", "907776655", "7776655"):
        assert set(phone_lookup(only_new, ending)) & set(stored["phone_index"]), ending
    assert all(entry.startswith(f"{only_new.current_kid}:") for entry in stored["phone_index"])


# ---- prices before a session -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quote_pc(stack: LocalStack, token: str) -> Iterator[Service]:
    """A PC in a group of its own with a flat tariff."""
    agent = start_agent_process(stack, QUOTE_PC)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=15) as api:
        tariff = {"id": "console-flat", "name": "Flat", "hourly_rate": FLAT_RATE, "currency": "UZS"}
        if api.get("/tariffs/console-flat").status_code == 404:
            assert api.post("/tariffs", json=tariff).status_code == 201
        group = api.put("/groups/console-flat", json={"name": "Flat", "tariff_id": "console-flat"})
        assert group.status_code == 200, group.text
        wait_until(lambda: pc_status(api, QUOTE_PC) == "online", 30, "agent online")
        assert api.put(f"/pcs/{QUOTE_PC}/group", json={"group": "console-flat"}).status_code == 200
        yield agent


def open_session_of(api: httpx.Client, pc_id: str) -> str | None:
    items = api.get("/sessions", params={"pc_id": pc_id, "state": "active"}).json()["items"]
    return str(items[0]["id"]) if items else None


def stop_any(api: httpx.Client, pc_id: str) -> None:
    running = open_session_of(api, pc_id)
    if running:
        assert api.post(f"/sessions/{running}/stop", json={"reason": "test over"}).status_code == 200


def test_a_prepaid_quote_is_what_the_guest_then_pays(api: httpx.Client, quote_pc: Service) -> None:
    ensure_shift(api)
    stop_any(api, QUOTE_PC)
    body = {"pc_id": QUOTE_PC, "guest": {"prepaid_minutes": 90}}
    quote = api.post("/sessions/quote", json=body)
    assert quote.status_code == 200, quote.text
    answer = quote.json()
    assert (answer["kind"], answer["minutes"], answer["total"]) == ("prepaid", 90, 13_500 * SOM)
    assert answer["amount_display"] == "13 500 so'm"
    assert [(line["minutes"], line["hourly_rate"], line["amount"]) for line in answer["lines"]] == [
        (90, FLAT_RATE, 13_500 * SOM)
    ]
    assert answer["ends_at"] - answer["starts_at"] == 90 * 60_000

    started = api.post("/sessions", json=body)
    assert started.status_code == 201, started.text
    session = started.json()
    try:
        # The guest pays what the session owes: no amount given, the hub prices it.
        paid = api.post(
            "/payments",
            json={"purpose": "session", "method": "cash", "session_id": session["id"]},
            headers={"Idempotency-Key": key()},
        )
        assert paid.status_code == 201, paid.text
        assert paid.json()["amount"] == answer["total"]
        # The back office's preview from the session's own start gives the same lines.
        started_at = api.get(f"/sessions/{session['id']}").json()["started_at"]
        preview = api.get("/tariffs/console-flat/quote", params={"start": started_at, "minutes": 90}).json()
        assert (preview["total"], preview["lines"][0]["starts_at"]) == (answer["total"], started_at)
    finally:
        stop_any(api, QUOTE_PC)


def test_a_member_quote_says_what_the_balance_buys_and_until_when(
    api: httpx.Client, quote_pc: Service
) -> None:
    ensure_shift(api)
    stop_any(api, QUOTE_PC)
    member = new_member(api)
    assert top_up(api, member["id"], 3_000 * SOM).status_code == 201
    quote = api.post("/sessions/quote", json={"pc_id": QUOTE_PC, "member_id": member["login"]}).json()
    assert (quote["kind"], quote["member_id"], quote["balance"]) == ("member", member["id"], 3_000 * SOM)
    assert (quote["minutes"], quote["total"]) == (20, 3_000 * SOM)  # 150 so'm a minute
    assert quote["ends_at"] == quote["starts_at"] + 20 * 60_000

    started = api.post("/sessions", json={"pc_id": QUOTE_PC, "member_id": member["login"]})
    assert started.status_code == 201, started.text
    try:
        session = started.json()
        assert session["member_id"] == member["id"]
        assert session["budget"] == quote["balance"]
    finally:
        stop_any(api, QUOTE_PC)


def test_a_postpaid_quote_gives_the_rate_and_bad_quotes_are_refused(
    api: httpx.Client, quote_pc: Service
) -> None:
    postpaid = api.post("/sessions/quote", json={"pc_id": QUOTE_PC, "guest": {"postpaid": True}}).json()
    assert (postpaid["kind"], postpaid["total"], postpaid["minutes"], postpaid["lines"]) == (
        "postpaid",
        None,
        None,
        [],
    )
    assert (postpaid["hourly_rate"], postpaid["rate_label"]) == (FLAT_RATE, "standard")

    assert (
        api.post("/sessions/quote", json={"pc_id": "no-such-pc", "guest": {"postpaid": True}}).status_code
        == 404
    )
    assert (
        api.post("/sessions/quote", json={"pc_id": QUOTE_PC, "member_id": "no-such-member"}).status_code
        == 404
    )
    assert api.post("/sessions/quote", json={"pc_id": QUOTE_PC}).status_code == 400
    assert api.get("/tariffs/no-such/quote", params={"minutes": 5}).status_code == 404
    for params in (
        {},
        {"minutes": 0},
        {"minutes": 5, "start": "yesterday"},
        {"minutes": 60, "start": "9999-12-31T23:30Z"},
    ):
        assert api.get("/tariffs/console-flat/quote", params=params).status_code == 400, params


def test_a_tariff_preview_prices_each_window(api: httpx.Client) -> None:
    # The default tariff: 12 000 so'm an hour, 8 000 at night from 22:00 in Tashkent (UTC+5).
    preview = api.get("/tariffs/standard/quote", params={"start": "2026-03-02T21:30:00+05:00", "minutes": 60})
    assert preview.status_code == 200, preview.text
    lines = [(line["label"], line["minutes"], line["amount"]) for line in preview.json()["lines"]]
    assert lines == [("standard", 30, 6_000 * SOM), ("night", 30, 4_000 * SOM)]
    assert preview.json()["amount_display"] == "10 000 so'm"


# ---- payments on the live feed ---------------------------------------------------------------------


async def next_of(ws: Any, kind: str, payment_id: str) -> dict[str, Any]:
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if event.get("type") == kind and event.get("payment_id") == payment_id:
            return dict(event)


async def test_payments_and_refunds_are_pushed_on_the_websocket(stack: LocalStack, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=15) as api:
        if (await api.get("/shifts/current")).status_code != 200:
            assert (await api.post("/shifts", json={"opening_float": 0})).status_code == 201
        member = (
            await api.post("/members", json={"login": f"ws{uuid.uuid4().hex[:8]}", "secret": "4321"})
        ).json()
        url = f"ws://127.0.0.1:{stack.config.http_port}/api/v1/ws?token={token}"
        async with websockets.connect(url) as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "hello"
            body = {"purpose": "topup", "method": "cash", "amount": 4_000 * SOM, "member_id": member["id"]}
            paid = (await api.post("/payments", json=body, headers={"Idempotency-Key": key()})).json()
            created = await next_of(ws, "payment.created", paid["id"])
            assert (created["amount"], created["method"], created["purpose"]) == (
                4_000 * SOM,
                "cash",
                "topup",
            )

            refund = {"amount": 1_000 * SOM, "reason": "changed their mind", "password": ADMIN_PASSWORD}
            done = await api.post(
                f"/payments/{paid['id']}/refunds", json=refund, headers={"Idempotency-Key": key()}
            )
            assert done.status_code == 201, done.text
            refunded = await next_of(ws, "payment.refunded", done.json()["id"])
            assert (refunded["amount"], refunded["kind"]) == (1_000 * SOM, "refund")


# ---- money refusals ----------------------------------------------------------------------------------


def test_money_refusals_name_amounts_in_the_branch_currency(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    assert top_up(api, member["id"], 1_000 * SOM).status_code == 201
    product = api.post(
        "/products", json={"name": f"Pizza {uuid.uuid4().hex[:6]}", "price": 15_000 * SOM}
    ).json()
    sale = {
        "purpose": "sale",
        "method": "balance",
        "member_id": member["id"],
        "items": [{"product_id": product["id"], "quantity": 1}],
    }
    refused = api.post("/payments", json=sale, headers={"Idempotency-Key": key()})
    assert refused.status_code == 402
    assert refused.json()["error"]["message"] == "the balance holds 1 000 so'm, 15 000 so'm is needed"

    stale = {**sale, "method": "cash", "amount": 14_000 * SOM}
    changed = api.post("/payments", json=stale, headers={"Idempotency-Key": key()})
    assert changed.json()["error"]["message"] == "the items cost 15 000 so'm now, not 14 000 so'm"

    debit = {"amount": -5_000 * SOM, "reason": "console test", "idempotency_key": key()}
    too_much = api.post(f"/members/{member['id']}/balance-adjustments", json=debit)
    assert too_much.json()["error"]["message"] == "the balance holds only 1 000 so'm"
    assert not re.search(r"\d{5,}", json.dumps([refused.json(), changed.json(), too_much.json()]))


def test_an_over_refund_names_what_is_really_left(api: httpx.Client) -> None:
    ensure_shift(api)
    product = api.post(
        "/products", json={"name": f"Lunch {uuid.uuid4().hex[:6]}", "price": 5_000 * SOM}
    ).json()
    sale = {"purpose": "sale", "method": "cash", "items": [{"product_id": product["id"], "quantity": 4}]}
    paid = api.post("/payments", json=sale, headers={"Idempotency-Key": key()}).json()
    confirm = {"reason": "three came back", "password": ADMIN_PASSWORD}
    first = api.post(
        f"/payments/{paid['id']}/refunds",
        json={"amount": 15_000 * SOM, **confirm},
        headers={"Idempotency-Key": key()},
    )
    assert first.status_code == 201, first.text
    # More than the whole payment, after a refund: what is left is 5 000, not the 20 000 paid.
    for asked in (20_001, 5_001):
        over = api.post(
            f"/payments/{paid['id']}/refunds",
            json={"amount": asked * SOM, **confirm},
            headers={"Idempotency-Key": key()},
        )
        assert over.status_code == 409
        assert over.json()["error"] == {
            "code": "refund_exceeds_payment",
            "message": "only 5 000 so'm of 20 000 so'm is left to refund",
        }
    assert api.get(f"/payments/{paid['id']}").json()["refundable"] == 5_000 * SOM


# ---- a cashier's PC commands --------------------------------------------------------------------------


def test_a_cashier_messages_and_locks_a_pc_but_cannot_restart_it(
    stack: LocalStack, token: str, quote_pc: Service
) -> None:
    cashier = create_staff(stack, token, "cashier")
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=cashier.headers, timeout=15) as desk:
        message = desk.post(f"/pcs/{QUOTE_PC}/commands", json={"type": "message", "text": "5 minutes left"})
        assert (message.status_code, message.json()["state"]) == (200, "done"), message.text
        lock = desk.post(f"/pcs/{QUOTE_PC}/commands", json={"type": "lock"})
        assert (lock.status_code, lock.json()["state"]) == (200, "done"), lock.text
        for command in ("restart", "shutdown", "unlock"):
            refused = desk.post(f"/pcs/{QUOTE_PC}/commands", json={"type": command})
            assert refused.status_code == 403, command
            assert refused.json()["error"]["message"] == "your role may not pcs:command"
        history = desk.get(f"/pcs/{QUOTE_PC}/commands").json()["items"]
        assert [c["type"] for c in history[:2]] == ["lock", "message"]
        assert all(c["issued_by"] == cashier.username for c in history[:2])


# ---- /docs without internet ----------------------------------------------------------------------------


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append(str(found[name]))
        if tag == "script" and not found.get("src"):
            self.inline_scripts += 1
        if tag == "style" or found.get("style"):
            self.inline_scripts += 1


def test_the_api_docs_load_only_from_the_hub(stack: LocalStack) -> None:
    page = httpx.get(f"{stack.api_url}/docs")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert not re.search(r"https?://", policy), policy
    assets = _Assets()
    assets.feed(page.text)
    assert assets.inline_scripts == 0
    assert assets.urls, "the page loads its viewer"
    for url in assets.urls:
        assert not re.match(r"^(https?:)?//", url), url  # same origin: a path, never another host
        loaded = httpx.get(f"{stack.api_url}{url}" if url.startswith("/") else f"{stack.api_url}/docs/{url}")
        assert loaded.status_code == 200, url
        assert len(loaded.content) > 0
    document = httpx.get(f"{stack.api_url}/docs/openapi.json")
    assert document.status_code == 200
    assert document.json()["paths"]["/api/v1/sessions/quote"]["post"]["responses"]["200"]


# ---- the document the console's types come from --------------------------------------------------------


def test_every_change_to_staff_declares_its_confirmation() -> None:
    """The console's staff page sends a confirmation with each change: the document says so for each."""
    document = openapi_document()
    changes = {
        path: operations["post"]
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/users") and "post" in operations
    }
    assert len(changes) == 6, sorted(changes)  # create, disable, enable, reset-password, reset-2fa, role
    for path, operation in changes.items():
        schema = (
            operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        )
        assert "confirmation" in schema.get("required", []), path
        confirmation = schema["properties"]["confirmation"]
        assert {"reason", "password", "totp"} <= set(confirmation["properties"]), path
        assert confirmation["required"] == ["reason"], path
