"""Alerts: what staff should look at, stored (``hub.store.alerts``) and pushed live to the console.

PC alerts (``PcAlerts``), coalesced per PC and kind and pushed as ``pc.alert``: a PC is in the customer's
hands (DESIGN: "a PC is hostile"), so whatever it sends that the hub refuses (a journal event it
quarantines, a malformed or oversized message, a message under another site, a burst of failed logins, an
offline session without a valid proof) raises one of these against that PC.

Stock alerts (``StockAlerts``), one per product and branch, pushed as ``stock.alert``: a product's stock
fell to its low-stock level; the alert is resolved (and pushed again, resolved) when it is restocked above.

System alerts (``SystemAlerts``), one per site and kind, pushed as ``system.alert``: the hub's broker
connection down, a store outage (recorded once the store answers again), scheduled backups overdue
(``hub.system_alerts`` decides when).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from hub.clock import now_ms
from hub.errors import Refused
from hub.live import LiveState
from hub.store.alerts import RESOLVED, AlertRecord, AlertRepository

log = logging.getLogger(__name__)

LIVE_TYPE = "pc.alert"
STOCK_LIVE_TYPE = "stock.alert"
SYSTEM_LIVE_TYPE = "system.alert"


class AlertKind(StrEnum):
    EVENT_QUARANTINED = "event_quarantined"
    SESSION_BOUNDED = "session_bounded"
    OFFLINE_UNVERIFIED = "offline_unverified"
    MALFORMED_MESSAGE = "malformed_message"
    OVERSIZED_MESSAGE = "oversized_message"
    FOREIGN_SITE = "foreign_site"
    LOGIN_FAILURES = "login_failures"
    # The broker refused what the PC tried: another PC's or site's topics, the hub's shared
    # subscription, an oversized packet (hub.mqtt.broker_denials).
    BROKER_REFUSED = "broker_refused"
    # The PC's guard saw someone get at the lock screen: killed or hung, or a foreign process on the
    # agent's local link (protocol's tamper.* events).
    TAMPER = "tamper"
    # The agent's self-test at start found the lock screen less than fully hardened (its hello).
    LOCK_HARDENING = "lock_hardening"
    # The PC dropped off (its last will, or it said so) while a customer's session was running on it:
    # paid time with nobody watching the PC; resolved by the hub when the PC is back online.
    OFFLINE_IN_SESSION = "offline_in_session"
    # A product's stock at a branch fell to its low-stock level (a stock alert, not a PC's).
    LOW_STOCK = "low_stock"
    # System alerts, about the site's hub as a whole (hub.system_alerts): its connection to the broker
    # down for a while; the store unreachable for a while (recorded when it answers again); the newest
    # good scheduled backup older than the interval and an hour.
    BROKER_DOWN = "broker_down"
    STORE_OUTAGE = "store_outage"
    BACKUP_OVERDUE = "backup_overdue"


def _what_happened(alert: AlertRecord) -> dict[str, Any]:
    """What every alert's view shows, whatever its subject (a PC, a product at a branch, the site)."""
    return {
        "kind": alert.kind,
        "state": alert.state,
        "message": alert.message,
        "details": alert.details,
        "count": alert.count,
        "first_at": alert.first_at,
        "last_at": alert.last_at,
    }


def alert_view(alert: AlertRecord) -> dict[str, Any]:
    return {"id": alert.id, "pc_id": alert.pc_id, **_what_happened(alert)}


class PcAlerts:
    def __init__(
        self, alerts: AlertRepository, live: LiveState, notify: Callable[[AlertRecord], object] | None = None
    ) -> None:
        self._alerts = alerts
        self._live = live
        # Told of each alert as it opens (hub.notify: a Telegram chat), not of its repeats.
        self._notify = notify

    async def raise_alert(
        self, pc_id: str, kind: AlertKind, message: str, details: dict[str, Any] | None = None
    ) -> AlertRecord | None:
        """Record (or add to) the alert and push it; never raises: an alert that cannot be stored is
        logged, and what caused it has been counted and refused regardless."""
        log.warning("alert for %s (%s): %s", pc_id, kind.value, message[:300])
        try:
            alert = await self._alerts.raise_alert(pc_id, kind.value, message[:500], details or {}, now_ms())
            await self._live.publish({"type": LIVE_TYPE, "pc_id": pc_id, "alert": alert_view(alert)})
        except (PyMongoError, RedisError, OSError) as exc:
            log.error("could not record an alert for %s: %s", pc_id, str(exc)[:300])
            return None
        if self._notify is not None and alert.count == 1:
            self._notify(alert)
        return alert

    async def resolve(self, pc_id: str, kind: AlertKind, by: str) -> AlertRecord | None:
        """Resolve the PC's open alert of ``kind`` because its cause is over, and push it; None when there
        was none (or it could not be stored: logged)."""
        try:
            alert = await self._alerts.resolve_pc_alert(pc_id, kind.value, by=by, at=now_ms())
            if alert is not None:
                await self._live.publish({"type": LIVE_TYPE, "pc_id": pc_id, "alert": alert_view(alert)})
        except (PyMongoError, RedisError, OSError) as exc:
            log.error("could not resolve the %s alert of %s: %s", kind.value, pc_id, str(exc)[:300])
            return None
        return alert

    async def unresolved(self, pc_id: str) -> list[dict[str, Any]]:
        return [alert_view(alert) for alert in await self._alerts.unresolved_for_pc(pc_id)]

    async def unresolved_counts(self, pc_ids: list[str]) -> dict[str, int]:
        return await self._alerts.unresolved_counts(pc_ids)


def stock_alert_view(alert: AlertRecord) -> dict[str, Any]:
    return {"id": alert.id, "branch": alert.branch, "product_id": alert.product_id, **_what_happened(alert)}


class StockAlerts:
    """Low stock: raised when a product's stock at a branch falls to its level, resolved when it is back
    above. Never raises: the movement is recorded already, and the next one (or the reconciler) looks
    again."""

    def __init__(self, alerts: AlertRepository, live: LiveState) -> None:
        self._alerts = alerts
        self._live = live

    async def low_stock(self, branch: str, product_id: str, message: str, details: dict[str, Any]) -> None:
        try:
            alert = await self._alerts.raise_stock_alert(
                branch, product_id, AlertKind.LOW_STOCK.value, message[:500], details, now_ms()
            )
            await self._publish(alert)
        except (PyMongoError, RedisError, OSError) as exc:
            log.error("could not record low stock of %s at %s: %s", product_id, branch, str(exc)[:300])

    async def restocked(self, branch: str, product_id: str, by: str) -> None:
        try:
            alert = await self._alerts.resolve_stock_alert(
                branch, product_id, AlertKind.LOW_STOCK.value, by=by, at=now_ms()
            )
            if alert is not None:
                await self._publish(alert)
        except (PyMongoError, RedisError, OSError) as exc:
            log.error("could not resolve low stock of %s at %s: %s", product_id, branch, str(exc)[:300])

    async def unresolved(self, branch: str) -> list[AlertRecord]:
        return await self._alerts.unresolved_for_branch(branch)

    async def _publish(self, alert: AlertRecord) -> None:
        await self._live.publish(
            {
                "type": STOCK_LIVE_TYPE,
                "branch": alert.branch,
                "product_id": alert.product_id,
                "alert": stock_alert_view(alert),
            }
        )


def system_alert_view(alert: AlertRecord) -> dict[str, Any]:
    return {"id": alert.id, "system": alert.system, **_what_happened(alert)}


class SystemAlerts:
    """Alerts about the site's hub as a whole (its ``site`` is the subject, shared by its replicas).
    Raises what the store refuses (``PyMongoError``): the caller (``hub.system_alerts``) tries again on
    its next look; a push that fails is only logged."""

    def __init__(self, alerts: AlertRepository, live: LiveState, site: str) -> None:
        self._alerts = alerts
        self._live = live
        self._site = site

    async def raise_alert(self, kind: AlertKind, message: str, details: dict[str, Any]) -> AlertRecord:
        log.warning("system alert (%s): %s", kind.value, message[:300])
        at = now_ms()
        alert = await self._alerts.raise_system_alert(self._site, kind.value, message[:500], details, at)
        await self._push(alert)
        return alert

    async def resolve(self, kind: AlertKind, by: str) -> AlertRecord | None:
        alert = await self._alerts.resolve_system_alert(self._site, kind.value, by=by, at=now_ms())
        if alert is not None:
            await self._push(alert)
        return alert

    async def _push(self, alert: AlertRecord) -> None:
        try:
            await self._live.publish(live_message(alert))
        except (RedisError, OSError) as exc:
            log.warning("could not push system alert %s: %s", alert.id, str(exc)[:300])


class AlertDesk:
    """Staff acknowledging (someone is on it) and resolving (done) alerts of any kind; the changed alert is
    pushed like a new one (``pc.alert``, ``stock.alert`` or ``system.alert``)."""

    def __init__(self, alerts: AlertRepository, live: LiveState) -> None:
        self._alerts = alerts
        self._live = live

    async def set_state(self, alert_id: str, state: str, by: str) -> AlertRecord:
        """Raises ``Refused`` 404 for an unknown alert, 409 for one resolved already (nothing to change)."""
        alert = await self._alerts.get(alert_id)
        if alert is None:
            raise Refused(404, "not_found", f"alert {alert_id!r} not found")
        if alert.state == RESOLVED:
            raise Refused(409, "alert_resolved", f"alert {alert_id!r} is resolved already: nothing to change")
        changed = await self._alerts.set_state(alert_id, state, by=by, at=now_ms())
        if changed is None or changed.state != state:
            raise Refused(409, "alert_resolved", f"alert {alert_id!r} was resolved meanwhile")
        try:
            await self._live.publish(live_message(changed))
        except (RedisError, OSError) as exc:
            log.warning("could not push alert %s: %s", alert_id, str(exc)[:300])
        return changed


def any_alert_view(alert: AlertRecord) -> dict[str, Any]:
    """A PC's, a stock or a system alert, with who last changed its state and when."""
    if alert.pc_id is not None:
        view = alert_view(alert)
    elif alert.system is not None:
        view = {"id": alert.id, **_what_happened(alert)}
    else:
        view = stock_alert_view(alert)
    return {
        "pc_id": None,
        "branch": None,
        "product_id": None,
        **view,
        "updated_by": alert.updated_by,
        "updated_at": alert.updated_at,
    }


def live_message(alert: AlertRecord) -> dict[str, Any]:
    if alert.pc_id is not None:
        return {"type": LIVE_TYPE, "pc_id": alert.pc_id, "alert": alert_view(alert)}
    if alert.system is not None:
        return {"type": SYSTEM_LIVE_TYPE, "system": alert.system, "alert": system_alert_view(alert)}
    return {
        "type": STOCK_LIVE_TYPE,
        "branch": alert.branch,
        "product_id": alert.product_id,
        "alert": stock_alert_view(alert),
    }
