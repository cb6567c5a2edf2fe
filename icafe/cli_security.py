"""`icafe user ...`, `icafe audit verify` and `icafe keys ...`: staff accounts, the audit chain and the
field-encryption keys, straight against the store the hub configuration names.

Settings are the hub's: ``ICAFE_*`` variables, or the TOML file ``ICAFE_CONFIG``; when ``ICAFE_DATA_DIR``
is set and ``$ICAFE_DATA_DIR/hub.toml`` exists (the local stack writes it at every hub start), that file
is the configuration, so ``ICAFE_DATA_DIR=.data/demo icafe audit verify`` checks a running demo.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

Handler = Callable[[argparse.Namespace], int]

_EXIT_FAILURE = 2
_EXIT_BROKEN = 1
ROLES = ("owner", "manager", "cashier", "technician")


class CliSettings(BaseModel):
    """The part of the hub's settings these commands need (no broker certificates, no JWT secret)."""

    model_config = ConfigDict(extra="ignore")
    mongo_url: str = "mongodb://127.0.0.1:27017"
    mongo_db: str = "icafe"
    redis_url: str = "redis://127.0.0.1:6379/0"
    encryption_keys: str | None = None
    require_2fa_roles: frozenset[str] = frozenset({"owner", "manager"})
    admin_2fa_optional: bool = False

    @field_validator("require_2fa_roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        return [p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str) else value


class CliError(Exception):
    """Printed as `icafe: <message>`, exit status 2."""


def settings_from(env: Mapping[str, str]) -> CliSettings:
    from hub.config import config_values
    from hub.errors import ConfigError

    data_dir = env.get("ICAFE_DATA_DIR")
    if data_dir and (Path(data_dir) / "hub.toml").exists():
        # A running local stack's settings: reach the same store as its hub.
        env = {**env, "ICAFE_CONFIG": str(Path(data_dir) / "hub.toml")}
    try:
        values = config_values(env, CliSettings.model_fields)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    try:
        return CliSettings.model_validate(values)
    except ValidationError as exc:
        raise CliError(f"invalid configuration: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `user`, `audit` and `keys` subcommands to the project's main parser."""
    _register_user(subparsers)
    _register_audit(subparsers)
    _register_keys(subparsers)


def _register_user(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = subparsers.add_parser("user", help="manage staff users (owner, manager, cashier, technician)")
    commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")

    add = commands.add_parser("add", help="create a staff user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (default: generate a one-time password to hand over)",
    )
    add.set_defaults(func=guarded(_user_add))

    listing = commands.add_parser("list", help="list staff users")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(func=guarded(_user_list))

    for name, helptext in (
        ("disable", "disable a user and end all their sessions at once"),
        ("enable", "enable a disabled user"),
        ("reset-2fa", "remove a user's 2FA (lost phone); they enrol again at next login"),
        ("reset-password", "set a one-time password (printed) that the user must change"),
    ):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("username")
        command.add_argument("--reason", default=None, help="kept in the audit log")
        command.set_defaults(func=guarded(_user_change), change=name)


def _register_audit(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = subparsers.add_parser("audit", help="the tamper-evident audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    verify = commands.add_parser("verify", help="check the audit log's hash chain (exit 1 if broken)")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=guarded(_audit_verify))


def _register_keys(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = subparsers.add_parser("keys", help="field-encryption keys (ICAFE_ENCRYPTION_KEYS)")
    commands = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    generate = commands.add_parser("generate", help="print a new key entry to put first in the setting")
    generate.add_argument("--kid", default=None, help="key id (default: k<unix time>)")
    generate.set_defaults(func=guarded(_keys_generate))
    rotate = commands.add_parser("rotate", help="re-encrypt every encrypted field with the current key")
    rotate.set_defaults(func=guarded(_keys_rotate))


def guarded(handler: Handler) -> Handler:
    def run(args: argparse.Namespace) -> int:
        from hub.errors import HubError

        try:
            return handler(args)
        except (CliError, HubError) as exc:
            print(f"icafe: {exc}", file=sys.stderr)
            return _EXIT_FAILURE

    return run


# --------------------------------------------------------------------------- plumbing


def run_with_services(work: Callable[[Any], Awaitable[int]]) -> int:
    """Open the store (and Redis, if reachable) from the configuration, run ``work(services)``."""
    return asyncio.run(_with_services(settings_from(os.environ), work))


class _Services:
    def __init__(self, settings: CliSettings, store: Any, redis: Any) -> None:
        from hub.auth.accounts import AccountService, Origin
        from hub.auth.state import AuthState
        from hub.security.audit import Actor, AuditLog
        from hub.security.crypto import FieldCipher

        self.settings = settings
        self.store = store
        self.cipher = FieldCipher.from_setting(settings.encryption_keys) if settings.encryption_keys else None
        self.audit = AuditLog(store.audit, "cli")
        # Access tokens live 15 min by default; the CLI marks sessions logged out for a safe upper bound.
        state = AuthState(redis, 86400) if redis is not None else None
        self.accounts = AccountService(
            store.users,
            store.refresh_tokens,
            self.cipher,
            self.audit,
            state,
            require_2fa_roles=settings.require_2fa_roles,
            admin_2fa_optional=settings.admin_2fa_optional,
        )
        self.origin = Origin(actor=Actor(f"cli:{getpass.getuser()}"), ip=None)


def without_password(url: str) -> str:
    """``url`` fit for a message or a log: its password, if any, replaced by ``***``."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


async def _with_services(settings: CliSettings, work: Callable[[Any], Awaitable[int]]) -> int:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    from hub.store import open_store

    store = await open_store(settings.mongo_url, settings.mongo_db)
    client = Redis.from_url(settings.redis_url, socket_timeout=3, socket_connect_timeout=3)
    redis: Redis | None = client
    try:
        try:
            await client.ping()
        except (RedisError, OSError):
            print(
                f"icafe: warning: Redis at {without_password(settings.redis_url)} is unreachable: access "
                "tokens of a changed user stop working within a minute instead of at once",
                file=sys.stderr,
            )
            redis = None
        return await work(_Services(settings, store, redis))
    finally:
        await client.aclose()
        await store.close()


# --------------------------------------------------------------------------- handlers


def _user_add(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None

    async def work(services: _Services) -> int:
        from hub.auth.accounts import AccountError

        try:
            user, generated = await services.accounts.create(
                args.username, args.role, password, services.origin, "icafe user add"
            )
        except AccountError as exc:
            raise CliError(str(exc)) from None
        print(f"created {user.username} ({user.role})")
        if generated:
            print(f"one-time password (to be changed at first login): {generated}")
        if services.accounts.totp_required(user):
            print("2FA: this role must enrol TOTP at first login")
        return 0

    return run_with_services(work)


def _user_list(args: argparse.Namespace) -> int:
    async def work(services: _Services) -> int:
        users, _ = await services.store.users.page(skip=0, limit=10_000)
        rows = [
            {
                "username": u.username,
                "role": u.role,
                "status": "disabled" if u.disabled else "active",
                "2fa": "on" if u.has_totp else ("required" if services.accounts.totp_required(u) else "off"),
                "id": u.id,
            }
            for u in users
        ]
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            print(_table(rows, ("username", "role", "status", "2fa", "id")))
        return 0

    return run_with_services(work)


def _user_change(args: argparse.Namespace) -> int:
    async def work(services: _Services) -> int:
        from hub.auth.accounts import AccountError

        accounts, origin = services.accounts, services.origin
        reason = args.reason or f"icafe user {args.change}"
        try:
            user = await accounts.by_username(args.username)
            if args.change == "disable":
                await accounts.disable(user.id, origin, reason)
                print(f"disabled {user.username}; all their sessions ended")
            elif args.change == "enable":
                await accounts.enable(user.id, origin, reason)
                print(f"enabled {user.username}")
            elif args.change == "reset-2fa":
                await accounts.reset_2fa(user.id, origin, reason)
                print(f"2FA removed for {user.username}; their sessions ended")
            else:
                password = await accounts.reset_password(user.id, origin, reason)
                print(f"one-time password for {user.username} (to be changed at next login): {password}")
        except AccountError as exc:
            raise CliError(str(exc)) from None
        return 0

    return run_with_services(work)


def _audit_verify(args: argparse.Namespace) -> int:
    async def work(services: _Services) -> int:
        report = await services.audit.verify()
        if args.json:
            print(
                json.dumps(
                    {
                        "ok": report.ok,
                        "entries": report.entries,
                        "head_hash": report.head_hash,
                        "problems": report.problems,
                    }
                )
            )
        elif report.ok:
            print(f"audit log intact: {report.entries} entries; head {report.head_hash}")
        else:
            print(f"audit log BROKEN after checking {report.entries} entries:", file=sys.stderr)
            for problem in report.problems:
                print(f"  {problem}", file=sys.stderr)
        return 0 if report.ok else _EXIT_BROKEN

    return run_with_services(work)


def _keys_generate(args: argparse.Namespace) -> int:
    import time

    from hub.security.crypto import CipherError, generate_key

    try:
        print(generate_key(args.kid or f"k{int(time.time())}"))
    except CipherError as exc:
        raise CliError(str(exc)) from None
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    async def work(services: _Services) -> int:
        from hub.member_contact import PhoneRefused, reindexed
        from hub.security.crypto import ENCRYPTED_FIELDS, CipherError, FieldCipher, field_aad

        cipher = services.cipher
        if cipher is None:
            raise CliError("ICAFE_ENCRYPTION_KEYS is not configured")
        failures: list[str] = []

        def rewriter(collection: str, path: str, bound: bool) -> Callable[[Any, str], str | None]:
            def rewrite(record_id: Any, value: str) -> str | None:
                if not FieldCipher.is_encrypted(value):
                    return None
                aad = field_aad(collection, path, record_id) if bound else ""
                try:
                    return cipher.rotate(value, aad)
                except CipherError as exc:
                    failures.append(f"{collection}.{path} of {record_id}: {exc}")
                    return None

            return rewrite

        total = 0
        for spec in ENCRYPTED_FIELDS:
            seen, rewritten = await services.store.rewrite_field(
                spec.collection, spec.field, rewriter(spec.collection, spec.field, spec.aad == "id")
            )
            total += rewritten
            print(f"{spec.collection}.{spec.field}: {rewritten} of {seen} re-encrypted")

        def phone_index(member_id: str, sealed: str) -> list[str] | None:
            try:
                return reindexed(cipher, member_id, sealed)
            except (CipherError, PhoneRefused) as exc:
                failures.append(f"members.phone_index of {member_id}: {exc}")
                return None

        # Blind indexes follow the key too: a number stays findable once the old key is dropped.
        seen, rewritten = await services.store.members.reindex_phones(phone_index)
        print(f"members.phone_index: {rewritten} of {seen} re-indexed")
        await services.audit.record(
            "settings.keys_rotate",
            actor=services.origin.actor,
            outcome="success" if not failures else "failure",
            details={"key_id": cipher.current_kid, "rewritten": total, "failures": len(failures)},
        )
        for failure in failures:
            print(f"  could not re-encrypt {failure}", file=sys.stderr)
        print(f"done: {total} values now under key {cipher.current_kid!r}")
        return 0 if not failures else _EXIT_BROKEN

    return run_with_services(work)


def _table(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    header = {c: c.upper() for c in columns}
    everything = [header, *rows]
    widths = {c: max(len(str(r[c])) for r in everything) for c in columns}
    return "\n".join("  ".join(str(r[c]).ljust(widths[c]) for c in columns).rstrip() for r in everything)
