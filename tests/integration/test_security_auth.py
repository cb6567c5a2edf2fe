"""Staff authentication against the running hub: refresh rotation and reuse, logout, disabling, lockout,
2FA enrolment and login, replay protection, password change and reset, rate limits."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from redis.asyncio import Redis

from hub.auth.accounts import AccountService
from hub.auth.logins import LoginTimeouts, RefreshRefused, StaffLogins
from hub.auth.state import AuthState
from hub.auth.tokens import TokenIssuer
from hub.security.audit import AuditLog
from hub.store import StaffUser, open_store
from icafe.stack import LocalStack

from .conftest import (
    ACCESS_TOKEN_TTL_S,
    ADMIN_CONFIRMATION,
    Staff,
    create_staff,
    start_online_agent,
)


def url(stack: LocalStack, path: str) -> str:
    return f"{stack.api_url}/api/v1{path}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_entries(stack: LocalStack, token: str, **filters: str) -> list[dict[str, object]]:
    response = httpx.get(url(stack, "/audit"), headers=bearer(token), params={"limit": 500, **filters})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_a_full_login_answers_access_and_refresh_tokens(stack: LocalStack, token: str) -> None:
    cashier = create_staff(stack, token, "cashier")
    body = cashier.login().json()
    assert body["scope"] == "full"
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= ACCESS_TOKEN_TTL_S
    assert body["refresh_token"]
    assert body["user"]["role"] == "cashier"
    assert httpx.get(url(stack, "/auth/me"), headers=cashier.headers).json()["username"] == cashier.username


def test_refresh_rotates_and_reusing_a_spent_token_revokes_the_whole_family(
    stack: LocalStack, token: str
) -> None:
    cashier = create_staff(stack, token, "cashier")
    first_refresh = cashier.refresh_token
    rotated = httpx.post(url(stack, "/auth/refresh"), json={"refresh_token": first_refresh})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first_refresh
    assert httpx.get(url(stack, "/pcs"), headers=bearer(second["access_token"])).status_code == 200

    # The spent token comes back: someone kept a copy. The family dies, current tokens included.
    reused = httpx.post(url(stack, "/auth/refresh"), json={"refresh_token": first_refresh})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "refresh_token_reused"
    after = httpx.post(url(stack, "/auth/refresh"), json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    assert httpx.get(url(stack, "/pcs"), headers=bearer(second["access_token"])).status_code == 401
    # Other sessions of the same user are not affected.
    other = Staff(stack, cashier.username, cashier.password, "cashier")
    assert other.login().status_code == 200
    assert httpx.get(url(stack, "/pcs"), headers=other.headers).status_code == 200

    outcomes = {e["outcome"] for e in audit_entries(stack, token, action="auth.refresh")}
    assert "reuse_detected" in outcomes


def test_unknown_refresh_tokens_are_refused(stack: LocalStack) -> None:
    response = httpx.post(url(stack, "/auth/refresh"), json={"refresh_token": "not-a-token"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_refresh_token"


def test_logout_ends_the_session_at_once(stack: LocalStack, token: str) -> None:
    tech = create_staff(stack, token, "technician")
    assert httpx.get(url(stack, "/pcs"), headers=tech.headers).status_code == 200
    assert httpx.post(url(stack, "/auth/logout"), headers=tech.headers).status_code == 200
    gone = httpx.get(url(stack, "/pcs"), headers=tech.headers)
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "invalid_token"
    assert (
        httpx.post(url(stack, "/auth/refresh"), json={"refresh_token": tech.refresh_token}).status_code == 401
    )


def test_disabling_a_user_kills_their_tokens_at_once(stack: LocalStack, token: str) -> None:
    tech = create_staff(stack, token, "technician")
    second = Staff(stack, tech.username, tech.password, "technician")
    assert second.login().status_code == 200
    for session in (tech, second):
        assert httpx.get(url(stack, "/pcs"), headers=session.headers).status_code == 200

    disabled = httpx.post(
        url(stack, f"/users/{tech.username}/disable"),
        headers=bearer(token),
        json={"confirmation": ADMIN_CONFIRMATION},
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["user"]["disabled"] is True

    for session in (tech, second):
        assert httpx.get(url(stack, "/pcs"), headers=session.headers).status_code == 401
        assert (
            httpx.post(url(stack, "/auth/refresh"), json={"refresh_token": session.refresh_token}).status_code
            == 401
        )
    assert tech.login().status_code == 401

    enabled = httpx.post(
        url(stack, f"/users/{tech.username}/enable"),
        headers=bearer(token),
        json={"confirmation": ADMIN_CONFIRMATION},
    )
    assert enabled.status_code == 200
    assert tech.login().status_code == 200
    actions = [e["action"] for e in audit_entries(stack, token, actor="admin")]
    assert "user.disable" in actions
    assert "user.enable" in actions


def test_brute_force_is_locked_out_with_retry_after(stack: LocalStack, token: str) -> None:
    victim = create_staff(stack, token, "cashier")
    login = url(stack, "/auth/login")
    statuses = []
    for _ in range(5):
        statuses.append(
            httpx.post(login, json={"username": victim.username, "password": "guess-guess-1"}).status_code
        )
    assert statuses == [401] * 5
    # Locked now: even the right password is answered 429 until the back-off passes.
    locked = httpx.post(login, json={"username": victim.username, "password": victim.password})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "rate_limited"
    assert int(locked.headers["Retry-After"]) >= 1
    time.sleep(int(locked.headers["Retry-After"]) + 0.2)
    # Each further failure doubles the wait.
    assert (
        httpx.post(login, json={"username": victim.username, "password": "guess-guess-2"}).status_code == 401
    )
    again = httpx.post(login, json={"username": victim.username, "password": victim.password})
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) >= 2
    time.sleep(int(again.headers["Retry-After"]) + 0.2)
    assert victim.login().status_code == 200  # a success clears the account's failures
    # Unknown usernames are limited the same way, so the limiter does not reveal which exist.
    ghost = f"ghost-{victim.username}"
    for _ in range(5):
        httpx.post(login, json={"username": ghost, "password": "x"})
    assert httpx.post(login, json={"username": ghost, "password": "x"}).status_code == 429

    outcomes = [e["outcome"] for e in audit_entries(stack, token, actor=victim.username, action="auth.login")]
    assert "failure" in outcomes
    assert "locked" in outcomes
    assert "success" in outcomes


def test_a_manager_must_enrol_2fa_and_until_then_may_only_enrol(stack: LocalStack, token: str) -> None:
    manager = create_staff(stack, token, "manager", enrol=False)
    me = httpx.get(url(stack, "/auth/me"), headers=manager.headers).json()
    assert me["scope"] == "limited"
    assert me["required_actions"] == ["enroll_2fa"]
    assert me["permissions"] == ["account:self"]
    refused = httpx.get(url(stack, "/pcs"), headers=manager.headers)
    assert refused.status_code == 403
    assert manager.refresh_token is None  # no refresh token until enrolled

    setup = httpx.post(url(stack, "/auth/2fa/setup"), headers=manager.headers).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/icafe:")
    assert setup["qr_svg"].startswith("<svg")
    wrong = httpx.post(url(stack, "/auth/2fa/activate"), headers=manager.headers, json={"code": "000000"})
    assert wrong.status_code == 400

    codes = manager.enrol()
    assert len(codes) == 10
    assert httpx.get(url(stack, "/pcs"), headers=manager.headers).status_code == 200

    # The next login asks for the code.
    step1 = httpx.post(
        url(stack, "/auth/login"), json={"username": manager.username, "password": manager.password}
    )
    assert step1.json()["mfa_required"] is True
    assert "access_token" not in step1.json()
    assert manager.phone is not None
    bad = httpx.post(
        url(stack, "/auth/login/2fa"), json={"mfa_token": step1.json()["mfa_token"], "code": "123456"}
    )
    assert bad.status_code == 401
    good = httpx.post(
        url(stack, "/auth/login/2fa"),
        json={"mfa_token": step1.json()["mfa_token"], "code": manager.phone.code()},
    )
    assert good.status_code == 200, good.text
    assert good.json()["scope"] == "full"
    # A finished MFA step cannot be replayed with another code.
    replay = httpx.post(
        url(stack, "/auth/login/2fa"),
        json={"mfa_token": step1.json()["mfa_token"], "code": manager.phone.code()},
    )
    assert replay.status_code == 401

    # A recovery code works once.
    for expected in (200, 401):
        step = httpx.post(
            url(stack, "/auth/login"), json={"username": manager.username, "password": manager.password}
        )
        second = httpx.post(
            url(stack, "/auth/login/2fa"), json={"mfa_token": step.json()["mfa_token"], "code": codes[0]}
        )
        assert second.status_code == expected


def test_a_totp_code_cannot_be_replayed(stack: LocalStack, token: str) -> None:
    manager = create_staff(stack, token, "manager")
    assert manager.phone is not None
    code = manager.phone.code()
    first = httpx.post(
        url(stack, "/auth/login"), json={"username": manager.username, "password": manager.password}
    )
    used = httpx.post(
        url(stack, "/auth/login/2fa"), json={"mfa_token": first.json()["mfa_token"], "code": code}
    )
    assert used.status_code == 200, used.text
    again = httpx.post(
        url(stack, "/auth/login"), json={"username": manager.username, "password": manager.password}
    )
    replayed = httpx.post(
        url(stack, "/auth/login/2fa"), json={"mfa_token": again.json()["mfa_token"], "code": code}
    )
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "invalid_code"
    # Confirmations refuse the spent code too.
    confirm = {"reason": "replay check", "totp": code}
    refused = httpx.post(
        url(stack, "/auth/2fa/recovery-codes"), headers=manager.headers, json={"confirmation": confirm}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "confirmation_failed"


def test_owner_without_2fa_must_confirm_user_changes_with_password_and_reason(
    stack: LocalStack, token: str
) -> None:
    body = {"username": "nobody-confirms", "role": "cashier", "password": "a fine passphrase"}
    missing = httpx.post(url(stack, "/users"), headers=bearer(token), json=body)
    assert missing.status_code == 400  # the confirmation is a required field
    wrong = httpx.post(
        url(stack, "/users"),
        headers=bearer(token),
        json={**body, "confirmation": {"reason": "new hire", "password": "not-my-password"}},
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "confirmation_failed"
    no_proof = httpx.post(
        url(stack, "/users"), headers=bearer(token), json={**body, "confirmation": {"reason": "x y z"}}
    )
    assert no_proof.status_code == 403
    assert no_proof.json()["error"]["code"] == "confirmation_required"


def test_weak_passwords_are_refused_and_a_reset_forces_a_change(stack: LocalStack, token: str) -> None:
    for weak in ("short", "password1234", "qwertyuiop123"):
        response = httpx.post(
            url(stack, "/users"),
            headers=bearer(token),
            json={
                "username": "weakling",
                "role": "cashier",
                "password": weak,
                "confirmation": ADMIN_CONFIRMATION,
            },
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "weak_password"

    cashier = create_staff(stack, token, "cashier")
    reset = httpx.post(
        url(stack, f"/users/{cashier.username}/reset-password"),
        headers=bearer(token),
        json={"confirmation": ADMIN_CONFIRMATION},
    )
    assert reset.status_code == 200
    one_time = reset.json()["password"]
    assert httpx.get(url(stack, "/pcs"), headers=cashier.headers).status_code == 401  # sessions ended
    cashier.password = one_time
    limited = cashier.login().json()
    assert limited["required_actions"] == ["change_password"]
    assert httpx.get(url(stack, "/pcs"), headers=cashier.headers).status_code == 403
    change = url(stack, "/auth/password")
    weak = httpx.post(
        change, headers=cashier.headers, json={"current_password": one_time, "new_password": "short"}
    )
    assert weak.status_code == 400
    changed = httpx.post(
        change,
        headers=cashier.headers,
        json={"current_password": one_time, "new_password": "my own new passphrase"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["scope"] == "full"
    assert httpx.get(url(stack, "/pcs"), headers=bearer(changed.json()["access_token"])).status_code == 200


def test_owners_cannot_lock_themselves_out(stack: LocalStack, token: str) -> None:
    me = httpx.post(
        url(stack, "/users/admin/disable"), headers=bearer(token), json={"confirmation": ADMIN_CONFIRMATION}
    )
    assert me.status_code == 409
    assert me.json()["error"]["code"] == "self_change"
    demote = httpx.post(
        url(stack, "/users/admin/role"),
        headers=bearer(token),
        json={"role": "cashier", "confirmation": ADMIN_CONFIRMATION},
    )
    assert demote.status_code == 409


def test_role_change_and_2fa_reset_end_sessions(stack: LocalStack, token: str) -> None:
    manager = create_staff(stack, token, "manager")
    promoted = httpx.post(
        url(stack, f"/users/{manager.username}/role"),
        headers=bearer(token),
        json={"role": "technician", "confirmation": ADMIN_CONFIRMATION},
    )
    assert promoted.status_code == 200
    assert httpx.get(url(stack, "/pcs"), headers=manager.headers).status_code == 401
    assert manager.login().json()["user"]["role"] == "technician"
    reset = httpx.post(
        url(stack, f"/users/{manager.username}/reset-2fa"),
        headers=bearer(token),
        json={"confirmation": ADMIN_CONFIRMATION},
    )
    assert reset.status_code == 200
    assert reset.json()["user"]["totp_enabled"] is False
    assert httpx.get(url(stack, "/pcs"), headers=manager.headers).status_code == 401


@pytest.mark.parametrize("body", [{"type": "unlock"}, {"type": "unlock", "confirmation": {"reason": "x"}}])
def test_unlock_without_a_confirmation_is_refused(
    stack: LocalStack, token: str, body: dict[str, object]
) -> None:
    agent = start_online_agent(stack, "pc-unlock", token=token)
    try:
        with httpx.Client(base_url=url(stack, ""), headers=bearer(token), timeout=15) as api:
            refused = api.post("/pcs/pc-unlock/commands", json=body)
            assert refused.status_code in (400, 403)
            assert refused.json()["error"]["code"] in ("confirmation_required", "bad_request")
            confirmed = api.post(
                "/pcs/pc-unlock/commands",
                json={
                    "type": "unlock",
                    "confirmation": {"reason": "customer paid cash", "password": "integration-owner-pass"},
                },
            )
            assert confirmed.status_code == 200, confirmed.text
            assert confirmed.json()["state"] == "done"
            entries = audit_entries(stack, token, action="pc.command")
            assert any(e["target"] == "pc:pc-unlock" and e["reason"] == "customer paid cash" for e in entries)
    finally:
        agent.stop()


def test_the_general_api_limit_answers_429_with_retry_after(stack: LocalStack, token: str) -> None:
    tech = create_staff(stack, token, "technician")
    limit = 1200  # ICAFE_API_RATE_LIMIT's default, per user per minute
    with httpx.Client(base_url=url(stack, ""), headers=tech.headers, timeout=15) as api:
        statuses = [api.get("/auth/me").status_code for _ in range(limit)]
        assert set(statuses) == {200}
        over = api.get("/auth/me")
    assert over.status_code == 429
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    # Another user is not affected.
    assert httpx.get(url(stack, "/auth/me"), headers=bearer(token)).status_code == 200


async def test_idle_and_absolute_timeouts_end_a_login_session(stack: LocalStack) -> None:
    """The session service on the stack's store and Redis, with timeouts short enough to watch."""
    store = await open_store(stack.mongo_url, stack.config.hub_env["ICAFE_MONGO_DB"])
    redis = Redis.from_url(stack.redis_url)
    try:
        state = AuthState(redis, 900)
        accounts = AccountService(
            store.users,
            store.refresh_tokens,
            None,
            AuditLog(store.audit, "test"),
            state,
            require_2fa_roles=frozenset(),
            admin_2fa_optional=False,
        )
        user = StaffUser(uuid.uuid4().hex, f"t-{uuid.uuid4().hex[:8]}", "cashier", "h", False, 1)
        assert await store.users.create(user)

        def sessions(idle_s: int, absolute_s: int) -> StaffLogins:
            return StaffLogins(
                TokenIssuer("k" * 48, 900),
                store.refresh_tokens,
                state,
                accounts,
                LoginTimeouts(idle_s, absolute_s),
            )

        # Idle: no refresh within a second ends it.
        idle = sessions(1, 60)
        started = await idle.start(user)
        await asyncio.sleep(1.3)
        with pytest.raises(RefreshRefused) as expired:
            await idle.refresh(started["refresh_token"])
        assert expired.value.code == "session_expired"

        # Absolute: refreshing keeps it alive only until 3 s after the login, and no access token outlives it.
        bounded = sessions(2, 3)
        answer = await bounded.start(user)
        assert answer["expires_in"] <= 3
        for _ in range(2):
            await asyncio.sleep(1.0)
            answer, _ = await bounded.refresh(answer["refresh_token"])
        await asyncio.sleep(1.3)
        with pytest.raises(RefreshRefused) as ended:
            await bounded.refresh(answer["refresh_token"])
        assert ended.value.code == "session_expired"
    finally:
        await redis.aclose()
        await store.close()
