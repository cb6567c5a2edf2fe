"""The permission map: one place, and the scopes that narrow it."""

from __future__ import annotations

from hub.auth.permissions import (
    COMMAND_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    Scope,
    allows,
    may_command,
    permissions_of,
)


def test_every_role_has_a_set_and_its_own_account() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    for role in Role:
        assert Permission.ACCOUNT in permissions_of(role)


def test_owners_may_do_everything_and_only_owners_manage_users_and_read_the_audit_log() -> None:
    assert permissions_of(Role.OWNER) == frozenset(Permission)
    for role in (Role.MANAGER, Role.CASHIER, Role.TECHNICIAN):
        assert not allows(role, Permission.USERS_MANAGE)
        assert not allows(role, Permission.AUDIT_READ)


def test_refunds_and_time_grants_are_for_managers_and_owners() -> None:
    for permission in (Permission.MONEY_REFUND, Permission.SESSIONS_GRANT, Permission.SETTINGS_MANAGE):
        assert {r for r in Role if allows(r, permission)} == {Role.OWNER, Role.MANAGER}


def test_cashiers_take_money_technicians_command_pcs() -> None:
    assert allows(Role.CASHIER, Permission.MONEY_COLLECT)
    assert not allows(Role.CASHIER, Permission.PCS_COMMAND)
    assert allows(Role.TECHNICIAN, Permission.PCS_COMMAND)
    assert not allows(Role.TECHNICIAN, Permission.MONEY_COLLECT)


def test_a_cashier_may_message_and_lock_a_pc_and_nothing_else() -> None:
    assert {c for c in COMMAND_PERMISSIONS if may_command(Role.CASHIER, c)} == {"message", "lock"}
    for role in (Role.OWNER, Role.MANAGER, Role.TECHNICIAN):
        assert all(may_command(role, c) for c in COMMAND_PERMISSIONS)
    assert not may_command(Role.OWNER, "session.start")  # session commands go through the session routes
    assert not may_command(Role.OWNER, "lock", Scope.LIMITED)


def test_a_limited_token_reaches_only_its_own_account() -> None:
    assert permissions_of(Role.OWNER, Scope.LIMITED) == frozenset({Permission.ACCOUNT})


def test_unknown_roles_and_scopes_get_nothing() -> None:
    assert permissions_of("root") == frozenset()
    assert permissions_of(Role.OWNER, "admin") == frozenset()
