"""The broker's reports of what it refused (``protocol.broker``): counted, and alerted on known PCs.

The broker's access list refuses a PC's publish outside its own topics, its subscription to another PC's
topics or to the hub's shared subscription, and any packet over its size limit; the watcher next to the
broker (``icafe broker-log``) reports those refusals here at most once per period. Each refusal counts in
``icafe_broker_denied_total{kind}``; a refusal by a PC the hub has a record of raises a PC alert, so staff
see which machine is being tampered with. The report comes from the broker's own identity
(``icafe-broker-log``), which the access list alone lets publish on this topic.
"""

from __future__ import annotations

import logging

from hub.alerts import AlertKind, PcAlerts
from hub.metrics import HubMetrics
from hub.mqtt.sites import PcSites
from protocol import ProtocolError, decode
from protocol.broker import BrokerDenials

log = logging.getLogger(__name__)


class BrokerDenialsHandler:
    def __init__(self, metrics: HubMetrics, sites: PcSites, alerts: PcAlerts) -> None:
        self._metrics = metrics
        self._sites = sites
        self._alerts = alerts

    async def __call__(self, payload: bytes) -> None:
        try:
            report = decode(payload, BrokerDenials)
        except ProtocolError as exc:
            self._metrics.dropped.labels("malformed").inc()
            log.info("dropped a malformed broker report: %s", str(exc)[:300])
            return
        for kind, count in report.totals.items():
            self._metrics.broker_denied.labels(kind.value).inc(count)
        for entry in report.clients:
            if await self._sites.site_of(entry.client) is None:
                continue  # the hub, a service, or a certificate that never spoke as a PC: counted above
            await self._alerts.raise_alert(
                entry.client,
                AlertKind.BROKER_REFUSED,
                f"the broker refused {entry.count} {entry.kind.value} attempt(s) by this PC, the last on "
                f"{entry.last_topic!r}",
                {"kind": entry.kind.value, "count": entry.count, "last_topic": entry.last_topic},
            )
