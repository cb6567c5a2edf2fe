"""Every route of the app, for every role: each gets exactly what the permission map gives it.

The table is built by introspecting the app's router and the permission each handler declares, so a route
added later is covered without touching this file. The check is only the guard's decision: 401 without a
token, 403 ``forbidden`` without the permission, anything else when allowed (bodies are empty and path
parameters are dummies, so allowed calls mostly answer 400 or 404).
"""

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass

import httpx
import pytest
import websockets

from hub.api.guard import ACCESS_SEPARATOR, declared_access
from hub.app import create_app
from hub.auth.permissions import COMMAND_PERMISSIONS, Permission, Role, may_command, permissions_of
from hub.config import load_settings
from hub.security.crypto import generate_key
from icafe.stack import LocalStack

from .conftest import Staff, create_staff

API = "api/v1/"
DUMMY = "x-dummy-0"
PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # concrete, with dummy parameters
    declared: str  # a permission value, or "public"
    websocket: bool


def app_routes() -> list[Route]:
    settings = load_settings(
        {
            "ICAFE_MQTT_CA": "/unused/ca.crt",
            "ICAFE_MQTT_CERT": "/unused/hub.crt",
            "ICAFE_MQTT_KEY": "/unused/hub.key",
            "ICAFE_JWT_SECRET": "t" * 48,
            "ICAFE_ENCRYPTION_KEYS": generate_key("table"),
        }
    )
    app = create_app(settings, name="route_table")
    routes = []
    for route in app.router.routes:
        if not route.path.startswith(API):
            continue
        handler = route.handler
        websocket = isinstance(handler, functools.partial)
        if websocket:
            handler = handler.args[0]
        declared = declared_access(handler)
        assert declared is not None, route.path
        path = "/" + re.sub(r"<[^>]+>", DUMMY, route.path)
        for method in sorted(route.methods):
            if method in PROBED_METHODS:
                routes.append(Route(method, path, declared, websocket))
    return routes


ROUTES = app_routes()
GUARDED = [r for r in ROUTES if r.declared != "public"]


def denied(role: str, scope: str, route: Route) -> bool:
    """A route declares one permission, or several joined (any one of them opens it)."""
    wanted = {Permission(p) for p in route.declared.split(ACCESS_SEPARATOR)}
    return not wanted & permissions_of(role, scope)


class Caller:
    """One identity's view: sends a route's request and keeps its session alive (logout is a route too)."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff

    def call(self, route: Route) -> tuple[int, str]:
        if route.websocket:
            return asyncio.run(ws_call(self.staff.stack, route.path, self.staff.access_token))
        response = httpx.request(
            route.method,
            self.staff.url(route.path.removeprefix("/api/v1")),
            headers=self.staff.headers,
            json=None if route.method == "GET" else {},
        )
        code = response.json().get("error", {}).get("code", "") if _is_json(response) else ""
        if route.method != "GET" and response.status_code not in (401, 403):
            self.revive()
        return response.status_code, code

    def revive(self) -> None:
        if httpx.get(self.staff.url("/auth/me"), headers=self.staff.headers).status_code == 401:
            assert self.staff.login().status_code == 200


def _is_json(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("application/json")


async def ws_call(stack: LocalStack, path: str, token: str | None) -> tuple[int, str]:
    """A WebSocket route: allowed if the hub says hello, refused if it closes (or refuses the upgrade)."""
    url = f"ws://127.0.0.1:{stack.config.http_port}{path}" + (f"?token={token}" if token else "")
    try:
        async with websockets.connect(url) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            return 101, ""
    except (websockets.ConnectionClosed, websockets.InvalidStatus):
        return 403, "forbidden"


@pytest.fixture(scope="module")
def callers(stack: LocalStack, token: str) -> dict[str, Caller]:
    return {role.value: Caller(create_staff(stack, token, role.value)) for role in Role}


def test_the_table_covers_the_api() -> None:
    declared = {r.declared for r in ROUTES}
    assert "public" in declared
    assert {"pcs:read", "users:manage", "audit:read", "account:self"} <= declared
    assert any(r.websocket for r in ROUTES)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_gets_exactly_what_the_permission_map_gives(role: str, callers: dict[str, Caller]) -> None:
    caller = callers[role]
    wrong = []
    for route in GUARDED:
        status, code = caller.call(route)
        refused = status == 403 and code == "forbidden"
        expected = denied(role, "full", route)
        if refused != expected or status == 401:
            wrong.append(f"{route.method} {route.path} ({route.declared}): {status} {code}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


def test_without_a_token_every_guarded_route_is_401(stack: LocalStack) -> None:
    wrong = []
    for route in GUARDED:
        if route.websocket:
            status, _ = asyncio.run(ws_call(stack, route.path, None))
            ok = status != 101
        else:
            body = None if route.method == "GET" else {}
            response = httpx.request(route.method, f"{stack.api_url}{route.path}", json=body)
            ok = response.status_code == 401
        if not ok:
            wrong.append(f"{route.method} {route.path}")
    assert not wrong, wrong


def test_a_limited_token_reaches_only_its_own_account(stack: LocalStack, token: str) -> None:
    manager = create_staff(stack, token, Role.MANAGER.value, enrol=False)  # must enrol 2FA first
    caller = Caller(manager)
    wrong = []
    for route in GUARDED:
        if route.path.endswith(("/2fa/setup", "/2fa/activate", "/logout")):
            continue  # they would move the enrolment on or end the session under test
        status, code = caller.call(route)
        refused = status == 403 and code == "forbidden"
        if refused != denied(Role.MANAGER.value, "limited", route):
            wrong.append(f"{route.method} {route.path}: {status} {code}")
    assert not wrong, wrong


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_sends_exactly_the_pc_commands_the_map_gives(role: str, callers: dict[str, Caller]) -> None:
    """The command route is open to any command permission; each command then needs its own. The PC does
    not exist, so an allowed command answers 404 (the PC is looked up after the permission)."""
    caller = callers[role]
    answers = {}
    for command in COMMAND_PERMISSIONS:
        body = {"type": command, "text": "hello"} if command == "message" else {"type": command}
        response = httpx.post(
            caller.staff.url(f"/pcs/{DUMMY}/commands"), headers=caller.staff.headers, json=body
        )
        answers[command] = (response.status_code, response.json()["error"]["code"])
    expected = {
        command: (404, "not_found") if may_command(role, command) else (403, "forbidden")
        for command in COMMAND_PERMISSIONS
    }
    assert answers == expected


def test_a_cashier_messages_and_locks_pcs_but_does_not_restart_shut_down_or_unlock() -> None:
    allowed = {command for command in COMMAND_PERMISSIONS if may_command(Role.CASHIER, command)}
    assert allowed == {"message", "lock"}
    assert {c for c in COMMAND_PERMISSIONS if may_command(Role.TECHNICIAN, c)} == set(COMMAND_PERMISSIONS)


def test_public_routes_are_few_and_known() -> None:
    public = {r.path for r in ROUTES if r.declared == "public"}
    # Staff sign in; a PC that has no certificate yet sends its enrollment request with a one-time code
    # and polls it with the secret that request returned (hub.api.enroll: both limited per address); a PC
    # downloads an agent release with the signed link its update command carries (hub.fleet).
    assert public == {
        "/api/v1/auth/login",
        "/api/v1/auth/login/2fa",
        "/api/v1/auth/refresh",
        "/api/v1/enroll",
        "/api/v1/enroll/x-dummy-0",
        "/api/v1/agent-releases/x-dummy-0/package",
    }
