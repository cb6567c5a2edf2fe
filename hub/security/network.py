"""Where a request comes from, and the optional allow-list of networks for the staff API.

The client address is the socket peer, or, when ``ICAFE_PROXIES_COUNT`` says how many reverse proxies
stand in front of the hub, the matching entry of ``X-Forwarded-For`` (Sanic's ``PROXIES_COUNT``); a
forwarded header is never trusted otherwise.

``ICAFE_STAFF_NETWORKS`` (CIDRs, comma-separated) limits ``/api/v1`` to those networks; empty allows
all. Loopback is *not* implicitly allowed: behind a reverse proxy on the same host every request would
come from 127.0.0.1 and the list would mean nothing. List ``127.0.0.0/8,::1/128`` to allow it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sanic import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: Request) -> str:
    address = str(request.client_ip or "")
    # Sanic brackets IPv6 addresses taken from forwarded headers.
    return address[1:-1] if address.startswith("[") and address.endswith("]") else address


def parse_networks(setting: str) -> list[Network]:
    """``"10.0.0.0/8, 192.168.1.0/24"`` → networks; raises ValueError naming the bad entry."""
    networks: list[Network] = []
    for part in (p.strip() for p in setting.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not a network (CIDR like 192.168.1.0/24)") from None
    return networks


class NetworkAllowList:
    def __init__(self, networks: Iterable[Network]) -> None:
        self.networks = list(networks)

    @property
    def open(self) -> bool:
        return not self.networks

    def allows(self, address: str) -> bool:
        if self.open:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False  # a UNIX socket name or garbage: not on a listed network
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip.version == net.version and ip in net for net in self.networks)
