"""The local link's protocol between the agent and its lock screen (``icafe agent-ui``): typed JSON lines.

The agent owns every decision; the UI is a thin view. The UI opens the link, proves it is the UI the agent
started (``Hello`` with the per-start secret, from the same process the agent spawned), then sends
heartbeats (saying which state it shows), the customer's requests and input activity; the agent pushes a
:class:`ScreenState` whenever what the screen must show changes, and answers each request with a
:class:`Reply` (or an :class:`Error` for a line it cannot read). One JSON object a line, at most
``MAX_LINE`` bytes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MAX_LINE = 16 * 1024
RequestId = Annotated[int, Field(ge=0, lt=2**31)]
Text = Annotated[str, Field(max_length=256)]


class LinkModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- from the UI ---------------------------------------------------------------------------------


class Hello(LinkModel):
    op: Literal["hello"] = "hello"
    secret: Annotated[str, Field(min_length=1, max_length=128)]


class Ping(LinkModel):
    """The UI's heartbeat, sent from its event loop: a UI that stops sending it is hung. Also sent at once
    when the UI has drawn a state, with that state's version in ``shown``."""

    op: Literal["ping"] = "ping"
    shown: Annotated[int, Field(ge=0)] | None = None


class Activity(LinkModel):
    """The customer used the keyboard or mouse (sent at most about once a second)."""

    op: Literal["activity"] = "activity"


class MemberLoginRequest(LinkModel):
    op: Literal["member_login"] = "member_login"
    id: RequestId
    login: Annotated[str, Field(min_length=1, max_length=64)]
    secret: Annotated[str, Field(min_length=1, max_length=128)]


class CodeLoginRequest(LinkModel):
    op: Literal["code_login"] = "code_login"
    id: RequestId
    code: Annotated[str, Field(min_length=4, max_length=64)]


class EndSessionRequest(LinkModel):
    op: Literal["end_session"] = "end_session"
    id: RequestId


class PriceRequest(LinkModel):
    op: Literal["price"] = "price"
    id: RequestId


UiMessage = Annotated[
    Hello | Ping | Activity | MemberLoginRequest | CodeLoginRequest | EndSessionRequest | PriceRequest,
    Field(discriminator="op"),
]
UI_MESSAGE: TypeAdapter[UiMessage] = TypeAdapter(UiMessage)


# ---- from the agent ------------------------------------------------------------------------------


class Cafe(LinkModel):
    name: str = "icafe"
    language: Literal["uz", "ru", "en"] = "en"
    currency: str = "UZS"
    logo_png: str | None = None  # base64


class SessionView(LinkModel):
    kind: Literal["member", "prepaid", "postpaid"]
    used_ms: int
    time_left_ms: int | None  # None: postpaid, runs until ended
    cost: int  # minor units, so far
    budget: int | None  # a member's balance at the start (minor units)
    prepaid_minutes: int | None
    offline: bool  # began offline (on the offline credit)


class SessionOver(LinkModel):
    reason: Text
    used_ms: int
    cost: int
    offline: bool = False  # played on the offline credit (an "expired" end: the credit is used up)


class ScreenState(LinkModel):
    op: Literal["state"] = "state"
    # locked: the login screen; session: the timer; maintenance: serviced, no logins; lockdown: the lock
    # screen was killed too often, call staff.
    mode: Literal["locked", "session", "maintenance", "lockdown"]
    cafe: Cafe
    offline: bool  # the hub or the broker is unreachable
    session: SessionView | None = None
    session_over: SessionOver | None = None  # the session that just ended, shown on the lock screen
    warning_minutes: int | None = None  # the last warning mark reached (the timer flashes)
    idle_logout_in_ms: int | None = None  # set while the customer is about to be logged out for idleness
    staff_message: Text | None = None
    version: int = 0  # increases with every push


class Reply(LinkModel):
    op: Literal["reply"] = "reply"
    id: RequestId
    ok: bool
    reason: Text = ""
    offline: bool = False


class PriceLineView(LinkModel):
    label: Text
    minutes: int
    hourly_rate: int
    amount: int


class PriceReply(LinkModel):
    op: Literal["price"] = "price"
    id: RequestId
    currency: str
    lines: list[PriceLineView]
    total: int


class Error(LinkModel):
    op: Literal["error"] = "error"
    message: Text


AgentMessage = Annotated[ScreenState | Reply | PriceReply | Error, Field(discriminator="op")]
AGENT_MESSAGE: TypeAdapter[AgentMessage] = TypeAdapter(AgentMessage)


def encode_line(message: LinkModel) -> bytes:
    return message.model_dump_json().encode() + b"\n"
