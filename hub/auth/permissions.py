"""Roles and what each may do: the one place that decides it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"
    TECHNICIAN = "technician"


class Permission(StrEnum):
    PCS_READ = "pcs:read"
    PCS_COMMAND = "pcs:command"
    LIVE_READ = "live:read"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.MANAGER: frozenset(Permission),
    Role.CASHIER: frozenset({Permission.PCS_READ, Permission.LIVE_READ}),
    Role.TECHNICIAN: frozenset({Permission.PCS_READ, Permission.PCS_COMMAND, Permission.LIVE_READ}),
}


def allows(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
