"""A simulated front desk for the demo: a cashier (user ``front-desk``) who opens a shift and, every few
seconds, seats a member or a prepaid guest at a free PC, tops up a balance, sells a drink or sees a
customer off, all through the public API, so a trial shows sessions running and money coming in with
nothing to do.

It is a client like any other (``icafe front-desk``); it never touches the store. Errors are logged and
the desk carries on: a PC that went busy meanwhile, an empty balance, a token that expired.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

log = logging.getLogger(__name__)

SOM = 100  # minor units per so'm
FLOAT = 500_000 * SOM


DESK_USER = "front-desk"


def desk_password(owner_password: str) -> str:
    """The desk cashier's password, derived from the owner's so every demo run finds the same one."""
    return hmac.new(owner_password.encode(), DESK_USER.encode(), hashlib.sha256).hexdigest()


class Desk:
    """Works as its own cashier, ``front-desk``, created by the owner on first use: its shift, takings and
    blind count are its own, never mixed with the owner's."""

    def __init__(self, client: httpx.AsyncClient, owner_password: str, rng: random.Random) -> None:
        self.client = client
        self.owner_password = owner_password
        self.password = desk_password(owner_password)
        self.rng = rng

    async def _token(self, username: str, password: str) -> str | None:
        response = await self.client.post("/auth/login", json={"username": username, "password": password})
        return str(response.json()["access_token"]) if response.status_code == 200 else None

    async def login(self) -> None:
        token = await self._token(DESK_USER, self.password)
        if token is None:
            owner = await self._token("admin", self.owner_password)
            if owner is None:
                raise ValueError("the owner's password is wrong; cannot create the desk's cashier")
            created = await self.client.post(
                "/users",
                headers={"Authorization": f"Bearer {owner}"},
                json={
                    "username": DESK_USER,
                    "role": "cashier",
                    "password": self.password,
                    "confirmation": {"reason": "the demo's front desk", "password": self.owner_password},
                },
            )
            created.raise_for_status()
            token = await self._token(DESK_USER, self.password)
            if token is None:
                raise ValueError("the desk's cashier cannot log in")
        self.client.headers["Authorization"] = f"Bearer {token}"

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, path, **kwargs)
        if response.status_code == 401:  # access tokens are short-lived: log in again
            await self.login()
            response = await self.client.request(method, path, **kwargs)
        return response

    async def pay(self, body: dict[str, Any]) -> httpx.Response:
        return await self.call("POST", "/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})

    async def ensure_shift(self) -> None:
        if (await self.call("GET", "/shifts/current")).status_code == 404:
            (await self.call("POST", "/shifts", json={"opening_float": FLOAT})).raise_for_status()

    async def free_pcs(self) -> list[str]:
        pcs = (await self.call("GET", "/pcs", params={"status": "online"})).json()["items"]
        return [pc["id"] for pc in pcs if not pc.get("session_id")]

    async def members(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.call("GET", "/members")).json()["items"]
        return items

    async def tender(self) -> dict[str, Any]:
        if self.rng.random() < 0.7:
            return {"method": "cash"}
        return {"method": "card", "terminal_ref": f"DEMO{self.rng.randrange(10**6):06d}"}

    # ---- what happens at the desk ---------------------------------------------------------------

    async def seat_member(self) -> str:
        free, members = await self.free_pcs(), [m for m in await self.members() if not m["active_session"]]
        members = [m for m in members if m["balance"] > 0]
        if not free or not members:
            return "no free PC or no member with money"
        member = self.rng.choice(members)
        started = await self.call(
            "POST", "/sessions", json={"pc_id": self.rng.choice(free), "member_id": member["id"]}
        )
        return f"member {member['login']} seated: {started.status_code}"

    async def seat_guest(self) -> str:
        free = await self.free_pcs()
        if not free:
            return "no free PC"
        minutes = self.rng.choice([15, 30, 60])
        started = await self.call(
            "POST", "/sessions", json={"pc_id": self.rng.choice(free), "guest": {"prepaid_minutes": minutes}}
        )
        if started.status_code != 201:
            return f"guest not seated: {started.status_code}"
        paid = await self.pay(
            {"purpose": "session", "session_id": started.json()["id"], **await self.tender()}
        )
        return f"guest seated for {minutes} min, paid: {paid.status_code}"

    async def see_off(self) -> str:
        """A customer leaves before their time is up (more often when every PC is taken)."""
        active = (await self.call("GET", "/sessions", params={"state": "active"})).json()["items"]
        if not active or (await self.free_pcs() and self.rng.random() < 0.5):
            return "nobody leaving"
        session = self.rng.choice(active)
        stopped = await self.call("POST", f"/sessions/{session['id']}/stop", json={"reason": "customer left"})
        return f"{session['pc_id']} freed: {stopped.status_code}"

    async def top_up(self) -> str:
        members = await self.members()
        if not members:
            return "no members"
        member = min(members, key=lambda m: (m["balance"], self.rng.random()))  # the poorest first
        amount = self.rng.choice([10_000, 20_000, 50_000]) * SOM
        paid = await self.pay(
            {"purpose": "topup", "member_id": member["id"], "amount": amount, **await self.tender()}
        )
        return f"{member['login']} topped up: {paid.status_code}"

    async def sell(self) -> str:
        products = (await self.call("GET", "/products")).json()["items"]
        if not products:
            return "nothing to sell"
        items = [
            {"product_id": product["id"], "quantity": self.rng.randint(1, 2)}
            for product in self.rng.sample(products, self.rng.randint(1, min(2, len(products))))
        ]
        paid = await self.pay({"purpose": "sale", "items": items, **await self.tender()})
        return f"sold {len(items)} items: {paid.status_code}"


ACTIONS: list[tuple[Callable[[Desk], Awaitable[str]], int]] = [
    (Desk.seat_member, 3),
    (Desk.seat_guest, 3),
    (Desk.see_off, 2),
    (Desk.top_up, 2),
    (Desk.sell, 3),
]


async def run_front_desk(
    api_url: str, owner_password: str, pace_s: float, *, steps: int | None = None
) -> None:
    """Serve customers every ``pace_s`` seconds (jittered), forever or for ``steps`` actions."""
    rng = random.Random()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per action is enough
    async with httpx.AsyncClient(base_url=f"{api_url}/api/v1", timeout=30) as client:
        desk = Desk(client, owner_password, rng)
        done = 0
        while steps is None or done < steps:
            try:
                if "Authorization" not in client.headers:
                    await desk.login()
                await desk.ensure_shift()
                action = rng.choices([a for a, _ in ACTIONS], weights=[w for _, w in ACTIONS])[0]
                log.info("front desk: %s", await action(desk))
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                log.warning("front desk: %s; carrying on", exc)
            done += 1
            await asyncio.sleep(pace_s * rng.uniform(0.5, 1.5))
