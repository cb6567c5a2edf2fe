"""Every API route that changes state writes an audit entry: each write route of the app's router (POST,
PUT, PATCH, DELETE under /api/v1) is called here with valid input, and the entry it declares with
``@audits(...)`` must appear. A write route without a step below fails the walk, and one without a
declaration keeps the hub from starting, so no write route can stay silent."""

from __future__ import annotations

import gzip
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sanic import Blueprint, Sanic, json

from hub.api.audited import WRITE_METHODS, audits, declared_audits, silent_write_routes
from hub.store.exports import ExportRecord, JobState
from hub.store.sessions import SessionRecord, SessionState
from icafe.stack import LocalStack
from protocol import SessionKind

from .conftest import (
    ADMIN_CONFIRMATION,
    ADMIN_PASSWORD,
    Phone,
    Staff,
    create_staff,
    database,
    start_online_agent,
)
from .route_table import ApiRoute, api_routes, build_app

PC = "pc-audit"
WRITES = {(r.method, r.template): r for r in api_routes() if r.method in WRITE_METHODS}


def key() -> str:
    return uuid.uuid4().hex


@dataclass
class Walk:
    stack: LocalStack
    token: str
    state: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.stack.api_url}/api/v1{path}"

    def as_owner(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.call(self.token, method, path, **kwargs)

    def call(self, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url(path), headers=headers, timeout=20, **kwargs)

    def entries(self, action: str) -> int:
        found = self.as_owner("GET", "/audit", params={"action": action, "limit": 1})
        assert found.status_code == 200, found.text
        total: int = found.json()["total"]
        return total


# ---- one step per write route: (method, route template) -> a call with valid input ----------------

Step = Callable[[Walk], httpx.Response]
STEPS: dict[tuple[str, str], Step] = {}


def step(method: str, template: str) -> Callable[[Step], Step]:
    def register(function: Step) -> Step:
        STEPS[(method, template)] = function
        return function

    return register


@step("POST", "/api/v1/auth/login")
def _login(walk: Walk) -> httpx.Response:
    response = httpx.post(walk.url("/auth/login"), json={"username": "admin", "password": ADMIN_PASSWORD})
    walk.state["fresh"] = response.json()
    return response


@step("POST", "/api/v1/auth/refresh")
def _refresh(walk: Walk) -> httpx.Response:
    response = httpx.post(
        walk.url("/auth/refresh"), json={"refresh_token": walk.state["fresh"]["refresh_token"]}
    )
    walk.state["fresh"] = response.json()
    return response


@step("POST", "/api/v1/auth/logout")
def _logout(walk: Walk) -> httpx.Response:
    return walk.call(walk.state["fresh"]["access_token"], "POST", "/auth/logout")


@step("POST", "/api/v1/auth/login/2fa")
def _login_2fa(walk: Walk) -> httpx.Response:
    manager = create_staff(walk.stack, walk.token, "manager")  # enrolled
    walk.state["manager"] = manager
    first = httpx.post(
        walk.url("/auth/login"), json={"username": manager.username, "password": manager.password}
    )
    assert manager.phone is not None
    body = {"mfa_token": first.json()["mfa_token"], "code": manager.phone.code()}
    return httpx.post(walk.url("/auth/login/2fa"), json=body)


def _cashier(walk: Walk) -> Staff:
    if "cashier" not in walk.state:
        walk.state["cashier"] = create_staff(walk.stack, walk.token, "cashier")
    cashier: Staff = walk.state["cashier"]
    return cashier


def _keep_session(cashier: Staff, response: httpx.Response) -> httpx.Response:
    if response.status_code == 200 and "access_token" in response.json():
        cashier.access_token = response.json()["access_token"]
    return response


@step("POST", "/api/v1/auth/password")
def _password(walk: Walk) -> httpx.Response:
    cashier = _cashier(walk)
    new = f"walk-the-audit-{key()}"
    body = {"current_password": cashier.password, "new_password": new}
    response = walk.call(cashier.access_token, "POST", "/auth/password", json=body)
    cashier.password = new
    return _keep_session(cashier, response)


@step("POST", "/api/v1/auth/2fa/setup")
def _totp_setup(walk: Walk) -> httpx.Response:
    cashier = _cashier(walk)
    response = walk.call(cashier.access_token, "POST", "/auth/2fa/setup")
    cashier.phone = Phone(response.json()["secret"])
    return response


@step("POST", "/api/v1/auth/2fa/activate")
def _totp_activate(walk: Walk) -> httpx.Response:
    cashier = _cashier(walk)
    assert cashier.phone is not None
    response = walk.call(
        cashier.access_token, "POST", "/auth/2fa/activate", json={"code": cashier.phone.code()}
    )
    return _keep_session(cashier, response)


def _totp_confirmation(cashier: Staff) -> dict[str, Any]:
    assert cashier.phone is not None
    return {"confirmation": {"reason": "audit walk", "totp": cashier.phone.code()}}


@step("POST", "/api/v1/auth/2fa/recovery-codes")
def _recovery_codes(walk: Walk) -> httpx.Response:
    cashier = _cashier(walk)
    return walk.call(
        cashier.access_token, "POST", "/auth/2fa/recovery-codes", json=_totp_confirmation(cashier)
    )


@step("POST", "/api/v1/auth/2fa/disable")
def _totp_disable(walk: Walk) -> httpx.Response:
    cashier = _cashier(walk)
    response = walk.call(cashier.access_token, "POST", "/auth/2fa/disable", json=_totp_confirmation(cashier))
    return _keep_session(cashier, response)


@step("POST", "/api/v1/users")
def _create_user(walk: Walk) -> httpx.Response:
    body = {
        "username": f"walk-{key()[:8]}",
        "role": "cashier",
        "password": f"walk-password-{key()}",
        "confirmation": ADMIN_CONFIRMATION,
    }
    response = walk.as_owner("POST", "/users", json=body)
    walk.state["user"] = body["username"]
    return response


def _user_change(what: str, **extra: Any) -> Step:
    def change(walk: Walk) -> httpx.Response:
        user = walk.state["manager"].username if what == "reset-2fa" else walk.state["user"]
        return walk.as_owner(
            "POST", f"/users/{user}/{what}", json={"confirmation": ADMIN_CONFIRMATION, **extra}
        )

    return change


for _what in ("disable", "enable", "reset-password", "reset-2fa"):
    STEPS[("POST", f"/api/v1/users/<user_ref:str>/{_what}")] = _user_change(_what)
STEPS[("POST", "/api/v1/users/<user_ref:str>/role")] = _user_change("role", role="technician")


@step("POST", "/api/v1/members")
def _create_member(walk: Walk) -> httpx.Response:
    response = walk.as_owner("POST", "/members", json={"login": f"walk{key()[:10]}", "secret": "1234"})
    walk.state["member"] = response.json()["id"]
    return response


@step("PUT", "/api/v1/members/<member_id:str>/secret")
def _member_secret(walk: Walk) -> httpx.Response:
    return walk.as_owner("PUT", f"/members/{walk.state['member']}/secret", json={"secret": "5678"})


@step("PATCH", "/api/v1/members/<member_id:str>")
def _update_member(walk: Walk) -> httpx.Response:
    body = {"name": "Audit Walk", "phone": "+998 90 000 00 01"}
    return walk.as_owner("PATCH", f"/members/{walk.state['member']}", json=body)


@step("POST", "/api/v1/members/<member_id:str>/balance-adjustments")
def _adjust(walk: Walk) -> httpx.Response:
    body = {"amount": 5_000, "reason": "audit walk", "idempotency_key": key()}
    return walk.as_owner("POST", f"/members/{walk.state['member']}/balance-adjustments", json=body)


@step("POST", "/api/v1/pcs/<pc_id:str>/commands")
def _command(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", f"/pcs/{PC}/commands", json={"type": "lock"})


@step("POST", "/api/v1/tariffs")
def _create_tariff(walk: Walk) -> httpx.Response:
    walk.state["tariff"] = {"id": f"t-{key()[:8]}", "name": "Walk", "hourly_rate": 6_000, "currency": "UZS"}
    return walk.as_owner("POST", "/tariffs", json=walk.state["tariff"])


@step("PUT", "/api/v1/tariffs/<tariff_id:str>")
def _put_tariff(walk: Walk) -> httpx.Response:
    tariff = walk.state["tariff"] | {"name": "Walk, changed"}
    return walk.as_owner("PUT", f"/tariffs/{tariff['id']}", json=tariff)


@step("PUT", "/api/v1/groups/<group_id:str>")
def _put_group(walk: Walk) -> httpx.Response:
    walk.state["group"] = f"walk-{key()[:6]}"
    body = {"name": "Walk zone", "tariff_id": walk.state["tariff"]["id"]}
    return walk.as_owner("PUT", f"/groups/{walk.state['group']}", json=body)


@step("PUT", "/api/v1/pcs/<pc_id:str>/group")
def _put_pc_group(walk: Walk) -> httpx.Response:
    return walk.as_owner("PUT", f"/pcs/{PC}/group", json={"group": walk.state["group"]})


@step("POST", "/api/v1/sessions")
def _start_session(walk: Walk) -> httpx.Response:
    response = walk.as_owner("POST", "/sessions", json={"pc_id": PC, "guest": {"prepaid_minutes": 30}})
    walk.state["session"] = response.json()["id"]
    return response


@step("POST", "/api/v1/sessions/quote")
def _quote_session(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", "/sessions/quote", json={"pc_id": PC, "guest": {"prepaid_minutes": 30}})


@step("POST", "/api/v1/sessions/<session_id:str>/extend")
def _extend_session(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", f"/sessions/{walk.state['session']}/extend", json={"minutes": 10})


@step("POST", "/api/v1/sessions/<session_id:str>/stop")
def _stop_session(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", f"/sessions/{walk.state['session']}/stop", json={"reason": "audit walk"})


@step("POST", "/api/v1/sessions/<session_id:str>/review")
def _review_session(walk: Walk) -> httpx.Response:
    # What an offline session without a valid proof leaves (tests/integration/test_hostile_pc.py makes
    # one through a PC): ended, its charge awaiting staff's decision.
    now = int(time.time() * 1000)
    record = SessionRecord(
        id=key(),
        pc_id=PC,
        kind=SessionKind.MEMBER,
        state=SessionState.ENDED,
        created_at=now,
        tariff_id="standard",
        review="pending",
    )
    client, db = database(walk.stack)
    with client:
        db["sessions"].insert_one(record.to_document())
    body = {"decision": "waive", "confirmation": ADMIN_CONFIRMATION}
    return walk.as_owner("POST", f"/sessions/{record.id}/review", json=body)


@step("POST", "/api/v1/products")
def _create_product(walk: Walk) -> httpx.Response:
    response = walk.as_owner("POST", "/products", json={"name": f"Walk {key()[:8]}", "price": 3_000})
    walk.state["product"] = response.json()["id"]
    return response


@step("PATCH", "/api/v1/products/<product_id:str>")
def _update_product(walk: Walk) -> httpx.Response:
    return walk.as_owner("PATCH", f"/products/{walk.state['product']}", json={"price": 3_500})


def _desk(walk: Walk) -> Staff:
    if "desk" not in walk.state:
        walk.state["desk"] = create_staff(walk.stack, walk.token, "cashier")
    desk: Staff = walk.state["desk"]
    return desk


@step("POST", "/api/v1/shifts")
def _open_shift(walk: Walk) -> httpx.Response:
    response = walk.call(_desk(walk).access_token, "POST", "/shifts", json={"opening_float": 0})
    walk.state["shift"] = response.json()["id"]
    return response


@step("POST", "/api/v1/payments")
def _pay(walk: Walk) -> httpx.Response:
    body = {"purpose": "topup", "method": "cash", "amount": 2_000, "member_id": walk.state["member"]}
    response = walk.call(
        _desk(walk).access_token, "POST", "/payments", json=body, headers={"Idempotency-Key": key()}
    )
    walk.state["payment"] = response.json()["id"]
    return response


@step("POST", "/api/v1/payments/<payment_id:str>/refunds")
def _refund(walk: Walk) -> httpx.Response:
    if walk.as_owner("GET", "/shifts/current").status_code == 404:  # cash goes out of a drawer
        assert walk.as_owner("POST", "/shifts", json={"opening_float": 10_000}).status_code == 201
    body = {"amount": 500, "reason": "audit walk", "password": ADMIN_PASSWORD}
    return walk.as_owner(
        "POST", f"/payments/{walk.state['payment']}/refunds", json=body, headers={"Idempotency-Key": key()}
    )


@step("POST", "/api/v1/shifts/<shift_id:str>/close")
def _close_shift(walk: Walk) -> httpx.Response:
    body = {"counted": {"cash": 2_000, "card": 0}, "note": "audit walk"}
    return walk.call(_desk(walk).access_token, "POST", f"/shifts/{walk.state['shift']}/close", json=body)


@step("PUT", "/api/v1/branches/<branch_id:str>")
def _put_branch(walk: Walk) -> httpx.Response:
    branch = walk.as_owner("GET", "/branches").json()["items"][0]
    settings = {
        k: branch[k] for k in ("name", "address", "tax_id", "phone", "currency", "language", "timezone")
    }
    return walk.as_owner(
        "PUT", f"/branches/{branch['id']}", json=settings | {"payment_methods": branch["payment_methods"]}
    )


@step("POST", "/api/v1/vouchers/check")
def _check_voucher(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", "/vouchers/check", json={"code": f"NOPE-{key()[:8]}"})


# ---- inventory ----------------------------------------------------------------------------------------


def _stocked(walk: Walk) -> str:
    """A product of its own, counted, with stock received once."""
    if "stocked" not in walk.state:
        created = walk.as_owner("POST", "/products", json={"name": f"Stock {key()[:8]}", "price": 900})
        walk.state["stocked"] = created.json()["id"]
    product: str = walk.state["stocked"]
    return product


@step("PUT", "/api/v1/inventory/items/<product_id:str>")
def _stock_settings(walk: Walk) -> httpx.Response:
    body = {"track": True, "low_stock": 1, "unit_cost": 400}
    return walk.as_owner("PUT", f"/inventory/items/{_stocked(walk)}", json=body)


@step("POST", "/api/v1/inventory/receipts")
def _receive(walk: Walk) -> httpx.Response:
    body = {"lines": [{"product_id": _stocked(walk), "quantity": 10, "unit_cost": 400}], "note": "walk"}
    return walk.as_owner("POST", "/inventory/receipts", json=body, headers={"Idempotency-Key": key()})


@step("POST", "/api/v1/inventory/write-offs")
def _write_off(walk: Walk) -> httpx.Response:
    _receive(walk)
    body = {"product_id": _stocked(walk), "quantity": 1, "reason": "audit walk"}
    return walk.as_owner("POST", "/inventory/write-offs", json=body, headers={"Idempotency-Key": key()})


@step("POST", "/api/v1/inventory/transfers")
def _transfer(walk: Walk) -> httpx.Response:
    _receive(walk)
    home = walk.as_owner("GET", "/branches").json()["items"][0]
    settings = {k: home[k] for k in ("address", "tax_id", "phone", "currency", "language", "timezone")}
    second = walk.as_owner(
        "PUT",
        "/branches/walk-second",
        json=settings | {"name": "Second", "payment_methods": home["payment_methods"]},
    )
    assert second.status_code == 200, second.text
    body = {"to_branch": "walk-second", "lines": [{"product_id": _stocked(walk), "quantity": 1}]}
    return walk.as_owner("POST", "/inventory/transfers", json=body, headers={"Idempotency-Key": key()})


@step("POST", "/api/v1/inventory/stocktakes")
def _open_stocktake(walk: Walk) -> httpx.Response:
    response = walk.as_owner("POST", "/inventory/stocktakes", json={"counted_by": "Audit Walker"})
    walk.state["stocktake"] = response.json()["id"]
    return response


@step("PUT", "/api/v1/inventory/stocktakes/<sheet_id:str>/counts")
def _count_stocktake(walk: Walk) -> httpx.Response:
    body = {"counts": [{"product_id": _stocked(walk), "counted": 3}]}
    return walk.as_owner("PUT", f"/inventory/stocktakes/{walk.state['stocktake']}/counts", json=body)


@step("POST", "/api/v1/inventory/stocktakes/<sheet_id:str>/post")
def _post_stocktake(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", f"/inventory/stocktakes/{walk.state['stocktake']}/post")


@step("POST", "/api/v1/exports")
def _create_export(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", "/exports", json={"kind": "products", "format": "csv"})


@step("POST", "/api/v1/exports/<export_id:str>/retry")
def _retry_export(walk: Walk) -> httpx.Response:
    # What a hub killed mid-export leaves (tests/integration/test_exports.py kills one): failed, retryable.
    now = int(time.time() * 1000)
    record = ExportRecord(
        id=key(),
        user_id="walk",
        username="walk",
        kind="products",
        format="csv",
        filters={},
        created_at=now,
        runner="gone",
        beat_at=now,
        state=JobState.FAILED,
        retryable=True,
        error="the hub stopped during the export; retry it",
    )
    client, db = database(walk.stack)
    with client:
        db["export_jobs"].insert_one(record.to_document())
    return walk.as_owner("POST", f"/exports/{record.id}/retry")


def _enroll_code(walk: Walk) -> str:
    response = walk.as_owner("POST", "/enrollment-codes", json={"uses": 1})
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def _certificate_request(name: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    request = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


def _submit_enrollment(walk: Walk, name: str) -> httpx.Response:
    body = {"code": _enroll_code(walk), "csr": _certificate_request(name), "name": name}
    return httpx.post(walk.url("/enroll"), json=body, timeout=20)


@step("POST", "/api/v1/enrollment-codes")
def _create_enroll_code(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", "/enrollment-codes", json={"uses": 2})


@step("POST", "/api/v1/enrollment-codes/<code_id:str>/withdraw")
def _withdraw_enroll_code(walk: Walk) -> httpx.Response:
    made = walk.as_owner("POST", "/enrollment-codes", json={"uses": 1})
    return walk.as_owner("POST", f"/enrollment-codes/{made.json()['id']}/withdraw")


@step("POST", "/api/v1/enroll")
def _enroll(walk: Walk) -> httpx.Response:
    response = _submit_enrollment(walk, "pc-walk-enrolled")
    walk.state["enrollment"] = response.json().get("id")
    return response


@step("POST", "/api/v1/enrollments/<request_id:str>/approve")
def _approve_enrollment(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", f"/enrollments/{walk.state['enrollment']}/approve", json={})


@step("POST", "/api/v1/enrollments/<request_id:str>/reject")
def _reject_enrollment(walk: Walk) -> httpx.Response:
    submitted = _submit_enrollment(walk, "pc-walk-rejected")
    assert submitted.status_code == 202, submitted.text
    body = {"reason": "not one of ours"}
    return walk.as_owner("POST", f"/enrollments/{submitted.json()['id']}/reject", json=body)


@step("POST", "/api/v1/pcs/<pc_id:str>/revoke")
def _revoke_pc(walk: Walk) -> httpx.Response:
    # The PC the walk enrolled above (steps run in the order they are defined).
    return walk.as_owner("POST", "/pcs/pc-walk-enrolled/revoke", json={"confirmation": ADMIN_CONFIRMATION})


@step("POST", "/api/v1/agent-releases")
def _upload_agent_release(walk: Walk) -> httpx.Response:
    walk.state["release"] = version = f"0.0.{int(time.time() * 1000)}"
    package = gzip.compress(b"an agent release")
    return walk.as_owner("POST", "/agent-releases", params={"version": version}, content=package)


@step("POST", "/api/v1/agent-rollouts")
def _roll_out_agent(walk: Walk) -> httpx.Response:
    # The walk's PC is not started by a launcher: it rejects the update, the rollout is made all the same.
    body = {"version": walk.state["release"], "ring": "one", "pc_id": PC, "confirmation": ADMIN_CONFIRMATION}
    return walk.as_owner("POST", "/agent-rollouts", json=body)


def _open_alert(walk: Walk) -> str:
    now = int(time.time() * 1000)
    alert_id = key()
    doc = {"_id": alert_id, "slot": f"{PC}:walk-{alert_id}", "pc_id": PC, "kind": "login_failures"}
    doc |= {"state": "open", "message": "5 failed logins", "details": {}, "count": 1}
    client, db = database(walk.stack)
    with client:
        db["pc_alerts"].insert_one({**doc, "first_at": now, "last_at": now})
    return alert_id


@step("POST", "/api/v1/alerts/<alert_id:str>/acknowledge")
def _acknowledge_alert(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", f"/alerts/{_open_alert(walk)}/acknowledge", json={"note": "on it"})


@step("POST", "/api/v1/alerts/<alert_id:str>/resolve")
def _resolve_alert(walk: Walk) -> httpx.Response:
    return walk.as_owner("POST", f"/alerts/{_open_alert(walk)}/resolve", json={})


# ---- the walk -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def agent(stack: LocalStack, token: str) -> Iterator[None]:
    service = start_online_agent(stack, PC, token=token)
    yield
    service.stop()


def test_every_write_route_has_a_step() -> None:
    missing = sorted(f"{m} {t}" for m, t in set(WRITES) - set(STEPS))
    assert not missing, f"write routes with no audited call here; add a step for each: {missing}"
    assert not set(STEPS) - set(WRITES), "steps for routes that no longer exist"


def test_every_write_route_writes_the_audit_entry_it_declares(
    stack: LocalStack, token: str, agent: None
) -> None:
    walk = Walk(stack, token)
    silent = []
    for route_key, call in STEPS.items():
        route: ApiRoute = WRITES[route_key]
        declared = declared_audits(route.handler)
        assert declared is not None, route_key
        before = {action: walk.entries(action) for action in declared}
        response = call(walk)
        if declared:
            assert response.is_success, f"{route_key}: {response.status_code} {response.text}"
        else:
            assert response.status_code < 500, f"{route_key}: {response.status_code} {response.text}"
        if declared and not any(walk.entries(action) > before[action] for action in declared):
            silent.append(f"{route_key[0]} {route_key[1]} (declares {', '.join(declared)})")
    assert not silent, f"these write routes changed state without their audit entry: {silent}"


def test_the_hub_refuses_a_write_route_that_declares_no_audit() -> None:
    assert silent_write_routes(build_app("audit_declared")) == []
    app = Sanic("audit_check")
    bp = Blueprint("demo", url_prefix="/api/v1/demo")

    @bp.post("/silent")
    async def silent(request: Any) -> Any:
        return json({})

    @bp.post("/declared")
    @audits("demo.write")
    async def declared(request: Any) -> Any:
        return json({})

    app.blueprint(bp)
    assert silent_write_routes(app) == ["POST /api/v1/demo/silent"]
