"""Roles and what each may do: the one place that decides it.

Every API route names one ``Permission`` (``@requires``); a role holds a set of them. A token's scope can
narrow that set further: a ``limited`` token (a password to change, or 2FA to enrol first) carries only
``account:self``, whatever the role.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"
    TECHNICIAN = "technician"


class Permission(StrEnum):
    # Own account: profile, password, 2FA, logout. Every role, and limited tokens.
    ACCOUNT = "account:self"
    # PCs and the live feed.
    PCS_READ = "pcs:read"
    # Every command to a PC (restart, shutdown, unlock too); the finer two are what a front desk needs.
    PCS_COMMAND = "pcs:command"
    PCS_MESSAGE = "pcs:message"
    PCS_LOCK = "pcs:lock"
    # Enroll PCs (codes, approving or rejecting their requests) and revoke a PC's certificate.
    PCS_ENROLL = "pcs:enroll"
    LIVE_READ = "live:read"
    # Acknowledge and resolve alerts (a PC's, low stock); seeing them goes with seeing the PCs.
    ALERTS_MANAGE = "alerts:manage"
    # Customer sessions: see them; start, extend, stop; grant free time (a sensitive action).
    SESSIONS_READ = "sessions:read"
    SESSIONS_MANAGE = "sessions:manage"
    SESSIONS_GRANT = "sessions:grant"
    # Members (customer accounts).
    MEMBERS_READ = "members:read"
    MEMBERS_MANAGE = "members:manage"
    # Money: see balances and the ledger; take payments and top-ups; refunds (a sensitive action).
    MONEY_READ = "money:read"
    MONEY_COLLECT = "money:collect"
    MONEY_REFUND = "money:refund"
    # Reports and exports.
    REPORTS_READ = "reports:read"
    # Stock: see it (levels, movements, stocktakes, low-stock alerts); receive, write off, transfer, count
    # and post stocktakes, and set a product's stock settings.
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"
    # Tariffs, branch and hub settings.
    SETTINGS_READ = "settings:read"
    SETTINGS_MANAGE = "settings:manage"
    # Staff accounts and the audit log.
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"
    # Upload agent releases and roll them out to the PCs (README "Fleet updates").
    FLEET_UPDATE = "fleet:update"
    # Scheduled backups' state (the last good one, the last failure).
    BACKUPS_READ = "backups:read"


_MANAGER = frozenset(Permission) - {Permission.USERS_MANAGE, Permission.AUDIT_READ}
_CASHIER = frozenset(
    {
        Permission.ACCOUNT,
        Permission.PCS_READ,
        # A cashier tells a customer something and locks a PC left open; restarting, shutting down and
        # unlocking (a PC handed out without a session) are for technicians and managers.
        Permission.PCS_MESSAGE,
        Permission.PCS_LOCK,
        Permission.LIVE_READ,
        # The desk is where a PC gone offline in paid time is noticed and seen to.
        Permission.ALERTS_MANAGE,
        Permission.SESSIONS_READ,
        Permission.SESSIONS_MANAGE,
        Permission.MEMBERS_READ,
        Permission.MEMBERS_MANAGE,
        Permission.MONEY_READ,
        Permission.MONEY_COLLECT,
        Permission.INVENTORY_READ,
        Permission.SETTINGS_READ,
    }
)
_TECHNICIAN = frozenset(
    {
        Permission.ACCOUNT,
        Permission.PCS_READ,
        Permission.PCS_COMMAND,
        Permission.PCS_MESSAGE,
        Permission.PCS_LOCK,
        Permission.PCS_ENROLL,
        Permission.FLEET_UPDATE,
        Permission.LIVE_READ,
        Permission.ALERTS_MANAGE,
        Permission.SESSIONS_READ,
        Permission.SETTINGS_READ,
        Permission.BACKUPS_READ,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.MANAGER: _MANAGER,
    Role.CASHIER: _CASHIER,
    Role.TECHNICIAN: _TECHNICIAN,
}


# The commands staff send to a PC (``POST /pcs/{id}/commands``) and the permissions that allow each, any
# one of them. Session commands are not here: they go through the session routes.
COMMAND_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "message": frozenset({Permission.PCS_COMMAND, Permission.PCS_MESSAGE}),
    "lock": frozenset({Permission.PCS_COMMAND, Permission.PCS_LOCK}),
    "unlock": frozenset({Permission.PCS_COMMAND}),
    "restart": frozenset({Permission.PCS_COMMAND}),
    "shutdown": frozenset({Permission.PCS_COMMAND}),
    # The lock screen says the PC is being serviced and takes no logins, until a lock or unlock.
    "maintenance": frozenset({Permission.PCS_COMMAND}),
}
# What the command route itself needs: a permission for at least one command.
ANY_COMMAND = frozenset(p for allowed in COMMAND_PERMISSIONS.values() for p in allowed)


class Scope(StrEnum):
    """What a token may be used for, on top of its role."""

    FULL = "full"
    # Password step done, but a required action remains (change the password, enrol 2FA).
    LIMITED = "limited"


SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    Scope.FULL: frozenset(Permission),
    Scope.LIMITED: frozenset({Permission.ACCOUNT}),
}


def permissions_of(role: str, scope: str = Scope.FULL) -> frozenset[Permission]:
    try:
        return ROLE_PERMISSIONS[Role(role)] & SCOPE_PERMISSIONS[Scope(scope)]
    except ValueError:
        return frozenset()


def allows(role: str, permission: Permission, scope: str = Scope.FULL) -> bool:
    return permission in permissions_of(role, scope)


def may_command(role: str, command: str, scope: str = Scope.FULL) -> bool:
    """Whether ``role`` may send ``command`` to a PC."""
    return bool(COMMAND_PERMISSIONS.get(command, frozenset()) & permissions_of(role, scope))
