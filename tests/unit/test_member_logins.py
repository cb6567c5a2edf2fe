"""``edge_agent.login``: a login request the hub has not answered is sent again, with the same id, until
the PC stops waiting; a PC that cannot reach the broker does not wait."""

from __future__ import annotations

import asyncio
from typing import cast

from edge_agent.login import MemberLogins
from edge_agent.sessions import SessionRuntime
from protocol import MemberLogin, MemberLoginReply


class Link:
    """The agent's send port: records every copy; the hub answers the copy numbered ``answered``."""

    def __init__(self, *, up: bool = True, answered: int | None = None) -> None:
        self.sent: list[MemberLogin] = []
        self.up = up
        self.answered = answered
        self.logins: MemberLogins | None = None

    async def send(self, request: MemberLogin) -> bool:
        self.sent.append(request)
        if self.up and len(self.sent) == self.answered and self.logins is not None:
            reply = MemberLoginReply(request_id=request.request_id, ok=True, session_id="s1")
            asyncio.get_running_loop().call_soon(self.logins.replied, reply)
        return self.up


def logins(link: Link, *, timeout_s: float = 1.0, resend_after_s: float = 0.05) -> MemberLogins:
    # A voucher code's login touches no session state on the PC: only the link is exercised.
    made = MemberLogins(cast(SessionRuntime, None), link.send, "pc-1", timeout_s, resend_after_s)
    link.logins = made
    return made


async def test_an_unanswered_request_is_sent_again_with_the_same_id_until_answered() -> None:
    link = Link(answered=3)
    result = await logins(link).code_login("ABCD-1234")
    assert (result.ok, result.session_id) == (True, "s1")
    assert len(link.sent) == 3
    assert {request.request_id for request in link.sent} == {link.sent[0].request_id}


async def test_a_request_answered_at_once_is_sent_once() -> None:
    link = Link(answered=1)
    assert (await logins(link).code_login("ABCD-1234")).ok
    await asyncio.sleep(0.15)  # three resend intervals: none goes out after the answer
    assert len(link.sent) == 1


async def test_copies_stop_when_the_pc_stops_waiting() -> None:
    link = Link()
    result = await logins(link, timeout_s=0.2).code_login("ABCD-1234")
    assert not result.ok
    assert "unreachable" in result.reason
    assert 3 <= len(link.sent) <= 5  # at 0, 0.05, 0.1, 0.15 s (timers may slip, never past the deadline)


async def test_a_pc_without_its_link_does_not_wait() -> None:
    link = Link(up=False)
    result = await logins(link, timeout_s=5).code_login("ABCD-1234")
    assert not result.ok
    assert len(link.sent) == 1
