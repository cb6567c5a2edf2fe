"""The broker's access list, derived from the CA's records, for Mosquitto's dynamic-security plugin.

Why the plugin and not an ``acl_file``: Mosquitto 2.0's ACL file never refuses a SUBSCRIBE (it checks
only when delivering), so a PC could join the hub's shared subscription ``$share/hub/...`` and take its
share of the messages, which the hub then never sees; nor can its ``%u`` patterns say which site a PC
belongs to. The plugin checks subscriptions, publishes and deliveries against per-client roles, and can
add or remove a client while the broker runs (removing one disconnects it at once).

Every PC gets a role of its own, with literal topics under the site recorded at its enrollment: it may
publish only its ``hello``, ``telemetry``, ``events``, ``status``, ``cmd-ack`` and ``login`` and
subscribe to and receive only its ``cmd``, ``events-ack``, ``config`` and ``login-reply``. Only the hub's
identity may subscribe to ``$share/...`` and to other PCs' topics. Anything not granted is refused
(the plugin's default access is deny), and a certificate with no entry (revoked, or a PC never enrolled)
may do nothing at all.

``dynsec_config`` renders the whole list as the plugin's JSON file, read when the broker starts;
``BrokerAdmin`` changes it in a running broker over ``$CONTROL/dynamic-security/v1`` (the plugin then
rewrites its file itself). The plugin saves its whole file after every command, so many PCs at once are
better written to the file before the broker starts than sent one by one.
"""

from __future__ import annotations

import json
import queue
import ssl
import stat
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from protocol.broker import BROKER_DENIALS
from protocol.topics import AGENT_PUBLISHES, BROKER_DROPPED, HUB_PUBLISHES, PREFIX, SHARED_GROUP, topic
from provisioning.ca import (
    BROKER_ADMIN_IDENTITY,
    BROKER_LOG_IDENTITY,
    HUB_IDENTITY,
    CAError,
    CertificateAuthority,
    Identity,
    atomic_write,
)

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"

HUB_ROLE = "icafe-hub"
BROKER_LOG_ROLE = "icafe-broker-log"
ADMIN_ROLE = "icafe-broker-admin"
# Commands per control message are bounded by the broker's max_packet_size: keep each well below it.
MAX_COMMANDS_BYTES = 12 * 1024
ACL_MODE = 0o644
# A delete of something already gone is what we wanted anyway.
_HARMLESS_ERRORS = {"deleteClient": "Client not found", "deleteRole": "Role not found"}

Acl = dict[str, Any]
Command = dict[str, Any]


class BrokerAclError(CAError):
    """The broker refused a change to its access list, or did not answer."""


def _acl(acltype: str, topic_or_filter: str) -> Acl:
    return {"acltype": acltype, "topic": topic_or_filter, "allow": True}


def pc_role_name(pc_id: str) -> str:
    return f"pc:{pc_id}"


def pc_acls(site: str, pc_id: str) -> list[Acl]:
    """Exactly the PC's own topics under its site: what it publishes, and what it reads."""
    acls = [_acl("publishClientSend", topic(site, pc_id, kind)) for kind in sorted(AGENT_PUBLISHES)]
    for kind in sorted(HUB_PUBLISHES):
        acls.append(_acl("subscribeLiteral", topic(site, pc_id, kind)))
        acls.append(_acl("publishClientReceive", topic(site, pc_id, kind)))
    return acls


def service_roles() -> list[dict[str, Any]]:
    everything = f"{PREFIX.partition('/')[0]}/#"  # icafe/#: every version of the topic tree
    return [
        {
            "rolename": HUB_ROLE,
            "textdescription": "the hub: every PC's topics, and the only member of the shared subscription",
            "acls": [
                _acl("publishClientSend", everything),
                _acl("publishClientReceive", everything),
                _acl("subscribePattern", everything),
                _acl("subscribePattern", f"$share/{SHARED_GROUP}/{everything}"),
                # The broker's count of what it dropped: the hub shows it in its metrics.
                _acl("subscribeLiteral", BROKER_DROPPED),
                _acl("publishClientReceive", BROKER_DROPPED),
            ],
        },
        {
            "rolename": BROKER_LOG_ROLE,
            "textdescription": "reports refused publishes and subscriptions to the hub",
            "acls": [_acl("publishClientSend", BROKER_DENIALS)],
        },
        {
            "rolename": ADMIN_ROLE,
            "textdescription": "changes this access list while the broker runs",
            "acls": [
                _acl("publishClientSend", CONTROL_TOPIC),
                _acl("subscribeLiteral", RESPONSE_TOPIC),
                _acl("publishClientReceive", RESPONSE_TOPIC),
            ],
        },
    ]


SERVICE_CLIENTS = {
    HUB_IDENTITY: HUB_ROLE,
    BROKER_LOG_IDENTITY: BROKER_LOG_ROLE,
    BROKER_ADMIN_IDENTITY: ADMIN_ROLE,
}


def granted_pcs(identities: Iterable[Identity]) -> list[Identity]:
    """The PCs the broker admits: valid, and enrolled at a site."""
    return [i for i in identities if i.kind == "pc" and i.site is not None and not i.revoked]


def dynsec_config(ca: CertificateAuthority) -> dict[str, Any]:
    """The plugin's whole configuration for the CA's current records."""
    clients: list[dict[str, Any]] = [
        {"username": name, "roles": [{"rolename": role}]} for name, role in SERVICE_CLIENTS.items()
    ]
    roles = service_roles()
    for pc in granted_pcs(ca.valid_identities()):
        assert pc.site is not None  # granted_pcs keeps only PCs with a site
        clients.append({"username": pc.name, "roles": [{"rolename": pc_role_name(pc.name)}]})
        roles.append({"rolename": pc_role_name(pc.name), "acls": pc_acls(pc.site, pc.name)})
    return {
        # Deny whatever a role does not grant; unsubscribing is always harmless.
        "defaultACLAccess": {
            "publishClientSend": False,
            "publishClientReceive": False,
            "subscribe": False,
            "unsubscribe": True,
        },
        "clients": clients,
        "groups": [],
        "roles": roles,
    }


def render_config(ca: CertificateAuthority) -> bytes:
    return json.dumps(dynsec_config(ca), indent=1, sort_keys=True).encode() + b"\n"


def default_path(ca: CertificateAuthority) -> Path:
    return ca.root / "broker" / "dynamic-security.json"


def write_broker_acl(ca: CertificateAuthority, path: Path | None = None, mode: int | None = None) -> Path:
    """Write the access list for the broker to read at its start (no secret in it: by default readable,
    like the CRL, by the broker's user). Without ``mode``, a file rewritten keeps the mode it had: the
    signer's rewrite after an enrollment must not open up a list its owner keeps private (0600)."""
    target = Path(path) if path is not None else default_path(ca)
    if mode is None:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else ACL_MODE
    atomic_write(target, render_config(ca), mode)
    return target


def ensure_services(ca: CertificateAuthority) -> None:
    """The broker's own tools' identities: the log watcher and the access list's administrator."""
    for name in (BROKER_LOG_IDENTITY, BROKER_ADMIN_IDENTITY):
        ca.ensure(name, kind="service")


def grant_commands(site: str, pc_id: str) -> list[Command]:
    """(Re)create the PC's client and role: whatever it had before is replaced."""
    role = pc_role_name(pc_id)
    return [
        *revoke_commands(pc_id),
        {"command": "createRole", "rolename": role, "acls": pc_acls(site, pc_id)},
        {"command": "createClient", "username": pc_id, "roles": [{"rolename": role}]},
    ]


def revoke_commands(pc_id: str) -> list[Command]:
    """Remove the PC's client (which disconnects it at once) and its role."""
    return [
        {"command": "deleteClient", "username": pc_id},
        {"command": "deleteRole", "rolename": pc_role_name(pc_id)},
    ]


def batches(commands: Sequence[Command], max_bytes: int = MAX_COMMANDS_BYTES) -> Iterator[list[Command]]:
    """Consecutive runs of ``commands`` whose JSON stays under ``max_bytes`` (one command may exceed it)."""
    batch: list[Command] = []
    size = 0
    for command in commands:
        length = len(json.dumps(command)) + 2
        if batch and size + length > max_bytes:
            yield batch
            batch, size = [], 0
        batch.append(command)
        size += length
    if batch:
        yield batch


class BrokerAdmin:
    """A short-lived MQTT client with the admin identity that applies commands and checks the answers."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext, *, timeout_s: float = 10.0) -> None:
        self._host = host
        self._port = port
        self._timeout_s = timeout_s
        self._responses: queue.Queue[bytes] = queue.Queue()
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"{BROKER_ADMIN_IDENTITY}-{uuid.uuid4().hex[:8]}",
            protocol=paho.MQTTv5,
        )
        self._client.tls_set_context(tls)
        self._client.on_message = lambda _client, _data, message: self._responses.put(bytes(message.payload))

    def __enter__(self) -> BrokerAdmin:
        subscribed: queue.Queue[bool] = queue.Queue()
        self._client.on_subscribe = lambda *_args: subscribed.put(True)
        self._client.on_connect = lambda client, *_args: client.subscribe(RESPONSE_TOPIC, qos=1)
        try:
            self._client.connect(self._host, self._port)
        except OSError as exc:
            raise BrokerAclError(f"cannot reach the broker at {self._host}:{self._port}: {exc}") from exc
        self._client.loop_start()
        try:
            subscribed.get(timeout=self._timeout_s)
        except queue.Empty:
            self.__exit__(None, None, None)
            raise BrokerAclError(
                f"the broker at {self._host}:{self._port} did not let {BROKER_ADMIN_IDENTITY} in: check "
                "that its access list grants it the admin role"
            ) from None
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def apply(self, commands: Sequence[Command]) -> None:
        """Send ``commands`` in bounded batches; raise BrokerAclError on the first real error."""
        for batch in batches(commands):
            self._client.publish(CONTROL_TOPIC, json.dumps({"commands": batch}), qos=1)
            try:
                raw = self._responses.get(timeout=self._timeout_s)
            except queue.Empty:
                raise BrokerAclError(f"the broker did not answer within {self._timeout_s} s") from None
            for response in json.loads(raw).get("responses", []):
                error = response.get("error")
                if error and _HARMLESS_ERRORS.get(str(response.get("command"))) != error:
                    raise BrokerAclError(f"the broker refused {response.get('command')}: {error}")
