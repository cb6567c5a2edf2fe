"""The hub's app factory: typed settings and context, blueprints, listeners that open connections."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

import redis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.driver_info import DriverInfo
from sanic import Request, Sanic, json
from sanic.config import Config
from sanic.exceptions import MethodNotAllowed, SanicException
from sanic.response import HTTPResponse

from hub.alerts import PcAlerts, SystemAlerts
from hub.api import API_PREFIX, blueprints
from hub.api import query as api_edges
from hub.api.answers import document_answers
from hub.api.audited import silent_write_routes
from hub.api.docs import configure as configure_docs
from hub.api.guard import declared_access
from hub.auth.tokens import TokenIssuer
from hub.backups.schedule import scheduler_for
from hub.bootstrap import ensure_owner
from hub.clock import now_ms
from hub.commands import CommandService
from hub.config import HubSettings
from hub.console import DEFAULT_DIR as CONSOLE_DIR
from hub.console import ConsoleFiles, console_blueprint
from hub.context import HubContext
from hub.enrollment import EnrollmentService, SignerClient
from hub.errors import ApiError, ConfigError, HubError, Refused
from hub.exports.jobs import ExportJobs
from hub.fleet import FleetUpdates
from hub.health import HealthGauges
from hub.inventory.service import Inventory
from hub.live import LiveState
from hub.metrics import HubMetrics
from hub.money.service import MoneyService
from hub.money.shifts import ShiftService
from hub.mqtt.bridge import MqttBridge
from hub.mqtt.broker_denials import BrokerDenialsHandler
from hub.mqtt.cmd_ack import CommandAckHandler
from hub.mqtt.events import EventsHandler
from hub.mqtt.hello import HelloHandler
from hub.mqtt.login import MemberLoginHandler
from hub.mqtt.login_limits import PcLoginLimiter
from hub.mqtt.sites import PcSites
from hub.mqtt.status import StatusHandler
from hub.mqtt.telemetry import TelemetryIngest
from hub.notify import TelegramNotifier
from hub.outages import RETRY_AFTER_S, outage
from hub.security.setup import configure_security, open_security
from hub.sessions.defaults import ensure_branch, ensure_defaults, ensure_demo_members, ensure_demo_products
from hub.sessions.offline import OfflineProofs
from hub.sessions.pc_settings import PcSettingsPublisher
from hub.sessions.projection import ProjectionPolicy, SessionProjection
from hub.sessions.service import SessionService
from hub.store import open_store
from hub.store.ledger import LedgerBusy
from hub.system_alerts import SystemAlertWatcher
from protocol import TopicKind
from protocol.transport import tls_context

log = logging.getLogger(__name__)

HubApp = Sanic[Config, HubContext]

PRUNE_EVERY_S = 600
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: HubSettings, name: str = "icafe_hub") -> HubApp:
    context = HubContext(
        settings=settings,
        metrics=HubMetrics(),
        tokens=TokenIssuer(settings.jwt_secret, settings.access_token_ttl_s),
    )
    # Our own logging set-up (icafe.cli) already formats every logger; Sanic adding its own doubles lines.
    app: HubApp = Sanic(name, ctx=context, configure_logging=False)
    app.config.CORS = False  # closed by default; the console is served from the same origin
    configure_docs(app)  # /docs served by the hub itself, no CDN (hub.api.docs)
    app.config.API_TITLE = "icafe hub API"
    app.config.API_VERSION = "1"
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES  # larger bodies: 413
    configure_security(app)  # refuses to start without ICAFE_ENCRYPTION_KEYS
    for blueprint in blueprints():
        app.blueprint(blueprint)
    # Last: the console's catch-all for client-side routes never shadows an API route.
    app.blueprint(console_blueprint(ConsoleFiles.load(settings.console_dir or CONSOLE_DIR)))
    api_edges.install(app)  # ids in paths and query parameters: checked, and in the OpenAPI document
    unanswered = document_answers(app)  # every route's answers and errors, in the OpenAPI document
    app.error_handler.add(Exception, _error_response)
    app.register_listener(_open, "before_server_start")
    app.register_listener(_settle, "after_server_start")
    app.register_listener(_close, "after_server_stop")
    _check_routes_declare_access(app, unanswered)
    return app


def _check_routes_declare_access(app: HubApp, unanswered: list[str]) -> None:
    def handler_of(route: Any) -> Any:
        handler = route.handler
        # Sanic wraps WebSocket handlers in a partial of its own.
        return handler.args[0] if isinstance(handler, functools.partial) else handler

    missing = [
        route.path
        for route in app.router.routes
        if f"/{route.path}".startswith(API_PREFIX) and declared_access(handler_of(route)) is None
    ]
    if missing:
        raise HubError(f"API routes without @requires or @public: {sorted(missing)}")
    silent = silent_write_routes(app)
    if silent:
        raise HubError(f"API write routes that declare no audit entry (@audits or @audits_nothing): {silent}")
    if unanswered:
        raise HubError(f"API routes that declare no answer (@answers): {unanswered}")


def _allowed_methods(request: Request) -> list[str]:
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        with contextlib.suppress(SanicException):
            request.app.router.get(request.path, method, request.host)
            allowed.append(method)
    return allowed


async def _error_response(request: Request, exception: Exception) -> HTTPResponse:
    if isinstance(exception, ApiError):
        return json(
            {"error": {"code": exception.code, "message": str(exception)}},
            status=exception.status_code,
            headers=exception.headers,
        )
    if isinstance(exception, Refused):  # the services' refusals (money, sessions, shifts), answered here only
        return json({"error": {"code": exception.code, "message": str(exception)}}, status=exception.status)
    if isinstance(exception, LedgerBusy):
        return json(
            {"error": {"code": "busy", "message": str(exception)}}, status=503, headers={"Retry-After": "1"}
        )
    if isinstance(exception, SanicException):
        code = str(exception.__class__.__name__).lower()
        headers = dict(exception.headers or {})
        if isinstance(exception, MethodNotAllowed):
            headers["Allow"] = ", ".join(_allowed_methods(request))  # RFC 9110: a 405 says what is
        body = {"error": {"code": code, "message": str(exception)}}
        return json(body, status=exception.status_code, headers=headers)
    down = outage(exception)
    if down is not None:
        log.warning("%s unavailable on %s %s: %r", down, request.method, request.path, exception)
        return json(
            {
                "error": {
                    "code": f"{down}_unavailable",
                    "message": f"the {down} is unavailable; try again shortly",
                }
            },
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    log.exception("unhandled error on %s %s", request.method, request.path)
    return json({"error": {"code": "internal", "message": "internal error; see the hub's log"}}, status=500)


async def _open(app: HubApp) -> None:
    ctx = app.ctx
    settings = ctx.settings
    # Every round trip to the store counted (icafe_store_commands_total): what an operation costs.
    ctx.store = await open_store(
        settings.mongo_url, settings.mongo_db, listeners=[ctx.metrics.store_listener]
    )
    # An explicit driver identity: otherwise redis-py reads its package metadata from disk on every new
    # connection, a blocking call on the event loop.
    driver = DriverInfo(name="icafe-hub", lib_version=redis.__version__)
    # Short timeouts and one retry: a request meeting a Redis that is down fails within seconds (503).
    ctx.redis = Redis.from_url(
        settings.redis_url,
        socket_timeout=2,
        socket_connect_timeout=2,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.1), retries=1),
        health_check_interval=30,
        driver_info=driver,
    )
    ctx.live = LiveState(ctx.redis)
    await ctx.live.start()
    await open_security(ctx)
    await ensure_owner(ctx.store.users, settings.admin_password, ctx.audit)
    ctx.money = MoneyService(ctx.store, ctx.live, ctx.cipher, settings.site)
    ctx.shifts = ShiftService(ctx.store)
    ctx.inventory = Inventory(ctx.store, ctx.money.stock)
    await ensure_branch(ctx.store, settings)
    imported = await ctx.store.import_legacy_balances(settings.currency)
    if imported:
        log.info("imported %d balance entries from before the ledger", imported)
    await ensure_defaults(ctx.store)
    if settings.demo_seed:
        await ensure_demo_members(ctx.store, ctx.money)
        await ensure_demo_products(ctx.store)

    tls = tls_context(settings.mqtt_ca, settings.mqtt_cert, settings.mqtt_key)
    ctx.bridge = MqttBridge(settings, ctx.metrics, tls)
    ctx.telemetry = TelemetryIngest(
        ctx.store.telemetry,
        ctx.store.pcs,
        ctx.live,
        ctx.metrics,
        settings.telemetry_flush_s,
        settings.telemetry_sample_s,
    )
    ctx.commands = CommandService(
        ctx.store.commands, ctx.bridge, ctx.live, ctx.metrics, settings.command_timeout_s
    )
    ctx.sessions = SessionService(ctx.store, ctx.commands, ctx.live)
    ctx.pc_settings = PcSettingsPublisher(
        settings, ctx.store.pcs, ctx.sessions, ctx.bridge, branches=ctx.store.branches
    )
    telegram = (
        TelegramNotifier(
            settings.telegram_bot_token, settings.telegram_chat_id, settings.site, settings.telegram_api_url
        )
        if settings.telegram_bot_token and settings.telegram_chat_id
        else None
    )
    ctx.alerts = PcAlerts(ctx.store.alerts, ctx.live, telegram.notify if telegram else None)
    signer = SignerClient(settings.signer_socket) if settings.signer_socket else None
    ctx.enrollment = EnrollmentService(ctx.store, settings, ctx.live, ctx.bridge, signer)
    ctx.exports = ExportJobs(
        ctx.store.exports,
        ctx.live,
        settings.data_dir / "exports",
        runner=settings.hub_id,
        keep_ms=int(settings.export_keep_h * 3600 * 1000),
        clock=now_ms,
    )
    await ctx.exports.open()
    ctx.fleet = FleetUpdates(ctx.store, ctx.live, ctx.commands, settings.data_dir, settings.jwt_secret)
    ctx.bridge.guard(PcSites(ctx.store.pcs), ctx.alerts)
    ctx.bridge.route_broker_reports(BrokerDenialsHandler(ctx.metrics, PcSites(ctx.store.pcs), ctx.alerts))
    projection = SessionProjection(
        ctx.store,
        ctx.live,
        ctx.money,
        ctx.sessions.tariff_for,
        policy=ProjectionPolicy(settings.agent_clock_scale, settings.session_offline_credit),
        proofs=OfflineProofs(ctx.store),
        clock=now_ms,
    )
    ctx.bridge.route(
        {
            TopicKind.HELLO: HelloHandler(
                ctx.store.pcs, ctx.pc_settings.push, ctx.alerts, claim=ctx.live.claim_once
            ),
            TopicKind.EVENTS: EventsHandler(
                ctx.store.journals, projection, ctx.bridge, ctx.metrics, ctx.alerts
            ),
            TopicKind.STATUS: StatusHandler(ctx.live, ctx.store.pcs, ctx.store.sessions, ctx.alerts),
            TopicKind.TELEMETRY: ctx.telemetry,
            TopicKind.CMD_ACK: CommandAckHandler(ctx.store.commands, ctx.live),
            TopicKind.LOGIN: MemberLoginHandler(
                ctx.store,
                ctx.sessions,
                ctx.money,
                ctx.bridge,
                PcLoginLimiter(ctx.redis),
                ctx.alerts,
                ctx.metrics,
            ),
        }
    )
    ctx.telemetry.start()
    ctx.tasks.append(asyncio.create_task(ctx.bridge.run(), name="mqtt-bridge"))
    ctx.tasks.append(asyncio.create_task(_prune_telemetry(ctx), name="telemetry-retention"))
    ctx.tasks.append(asyncio.create_task(_expire_stale_orders(ctx), name="session-orders"))
    ctx.tasks.append(asyncio.create_task(ctx.inventory.reconciler.run_forever(), name="stock-reconciler"))
    gauges = HealthGauges(ctx.metrics.registry, ctx.store, ctx.live, ctx.bridge.connected)
    ctx.tasks.append(asyncio.create_task(gauges.run_forever(), name="health-gauges"))
    watcher = SystemAlertWatcher(
        ctx.store,
        ctx.redis,
        SystemAlerts(ctx.store.alerts, ctx.live, settings.site),
        ctx.bridge.connected,
        settings.backup_every_h if settings.backup_dir is not None else None,
    )
    ctx.tasks.append(asyncio.create_task(watcher.run_forever(), name="system-alerts"))
    backups = scheduler_for(settings, ctx.redis, ctx.metrics.registry)
    if backups is not None:
        ctx.tasks.append(asyncio.create_task(backups.run_forever(), name="backups"))
    if settings.detect_blocking:
        # After start-up, whose one-off file reads are fine: from here on, the loop must never block.
        from hub.blocking import activate

        activate()


async def _settle(app: HubApp) -> None:
    """Once serving: what start-up made (connections, routes, the API's documentation) lives as long as the
    process, so it goes out of the garbage collector's walks (hub.gc_pauses)."""
    app.ctx.metrics.gc.watch()
    if app.ctx.settings.gc_tuning:
        app.ctx.metrics.gc.settle_after_start()


async def _prune_telemetry(ctx: HubContext) -> None:
    retention_ms = int(ctx.settings.telemetry_retention_h * 3600 * 1000)
    while True:
        try:
            removed = await ctx.store.telemetry.prune(now_ms() - retention_ms)
            if removed:
                log.info(
                    "pruned %d telemetry samples older than %.0f h",
                    removed,
                    ctx.settings.telemetry_retention_h,
                )
        except Exception:
            log.exception("telemetry retention failed; will retry")
        await asyncio.sleep(PRUNE_EVERY_S)


async def _expire_stale_orders(ctx: HubContext) -> None:
    # An order is stale once the PC could no longer accept it: its expiry plus the agent's skew allowance.
    stale_after_ms = int(ctx.settings.command_timeout_s * 1000) + 120_000
    while True:
        await asyncio.sleep(30)
        try:
            await ctx.sessions.expire_stale_orders(stale_after_ms)
        except Exception:
            log.exception("expiring stale session orders failed; will retry")


async def _close(app: HubApp) -> None:
    ctx = app.ctx
    ctx.metrics.gc.unwatch()
    for task in ctx.tasks:
        task.cancel()
    for task in ctx.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await ctx.telemetry.stop()
    await ctx.fleet.stop()
    await ctx.exports.close()  # its jobs are failed as retryable while the store is still open
    await ctx.live.stop()
    await ctx.redis.aclose()
    await ctx.store.close()


def run(settings: HubSettings) -> None:
    """Serve in this process (one hub replica; run several behind a load balancer to scale out)."""
    try:
        app = create_app(settings)
    except ConfigError as exc:
        log.error("%s", exc)
        raise SystemExit(f"icafe: {exc}") from None
    app.run(
        host=settings.http_host,
        port=settings.http_port,
        single_process=True,
        access_log=False,
        motd=False,
    )
