"""The journal's typed payloads: every number bounded, so what a hostile PC could plant (a negative cost, a
budget of 10^15 and more, a year-2100 end, integers of 10^30, a seq of 2^53) fails as malformed, and the
largest valid message of each kind a PC sends fits the byte bound checked before decoding."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import (
    MAX_BYTES,
    MAX_MINOR_UNITS,
    MAX_SEQ,
    MAX_SESSION_MS,
    PAYLOAD_MODELS,
    ClockJump,
    CommandAck,
    CommandOutcome,
    Event,
    Hardening,
    HardeningCheck,
    HardeningGrade,
    Hardware,
    Hello,
    LinkRefused,
    MemberLogin,
    ProtocolError,
    SessionCheckpoint,
    SessionEnded,
    SessionKind,
    SessionStarted,
    Telemetry,
    TopicKind,
    decode,
    encode,
    oversized,
)

JOURNAL = "ab" * 16


def envelope(type_: str, data: dict[str, Any], seq: int = 1) -> bytes:
    return json.dumps({"v": 1, "journal": JOURNAL, "seq": seq, "type": type_, "data": data, "at": 1}).encode()


CHECKPOINT = {"session_id": "s-1", "used_ms": 60_000, "cost": 20_000}
ENDED = {
    "session_id": "s-1",
    "reason": "stopped",
    "kind": "member",
    "member_id": "m-1",
    "tariff_id": "standard",
    "started_at": 1_700_000_000_000,
    "ended_at": 1_700_000_060_000,
    "used_ms": 60_000,
    "cost": 20_000,
}


def test_a_valid_event_carries_its_typed_payload() -> None:
    event = decode(envelope("session.ended", ENDED), Event)
    assert isinstance(event.payload, SessionEnded)
    assert event.payload.kind is SessionKind.MEMBER
    assert event.payload.offline is False


def test_the_agent_builds_events_from_the_models() -> None:
    payload = SessionCheckpoint(session_id="s-1", used_ms=5, cost=3)
    event = Event.of(JOURNAL, 7, payload, 10)
    assert (event.type, event.data, event.payload) == ("session.checkpoint", payload.to_data(), payload)
    assert decode(encode(event), Event) == event


def test_an_unknown_type_keeps_a_generic_payload() -> None:
    event = decode(envelope("tamper.case_opened", {"where": "side panel", "count": 1}), Event)
    assert event.payload is None


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("session.checkpoint", {**CHECKPOINT, "cost": -1}),  # negative cost
        ("session.checkpoint", {**CHECKPOINT, "used_ms": -5}),
        ("session.checkpoint", {**CHECKPOINT, "used_ms": MAX_SESSION_MS + 1}),  # beyond a week
        ("session.checkpoint", {**CHECKPOINT, "cost": 10**30}),  # beyond any integer we store
        ("session.checkpoint", {**CHECKPOINT, "used_ms": 10**30}),
        ("session.checkpoint", {**CHECKPOINT, "cost": "1"}),  # numbers are numbers
        ("session.checkpoint", {**CHECKPOINT, "cost": True}),
        ("session.checkpoint", {**CHECKPOINT, "extra": 1}),  # closed shapes
        ("session.checkpoint", {"used_ms": 1, "cost": 1}),  # no session
        ("session.extended", {"session_id": "s-1", "budget": MAX_MINOR_UNITS + 1}),
        ("session.extended", {"session_id": "s-1", "ends_at": 2**53}),
        ("session.extended", {"session_id": "s-1", "prepaid_minutes": 0}),
        ("session.ended", {**ENDED, "kind": "vip"}),
        ("session.ended", {**ENDED, "session_id": "a/b"}),
        ("session.ended", {**ENDED, "proof": "not-a-signature"}),
        ("session.started", {"session_id": "s-1", "kind": "member", "tariff_id": "t", "started_at": -1}),
        ("clock.jump", {"delta_ms": 2**60}),
    ],
)
def test_out_of_range_payloads_are_malformed(type_: str, data: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError):
        decode(envelope(type_, data), Event)


def test_the_envelope_bounds_seq_and_generic_payloads() -> None:
    with pytest.raises(ProtocolError):
        decode(envelope("session.checkpoint", CHECKPOINT, seq=MAX_SEQ + 1), Event)
    assert decode(envelope("session.checkpoint", CHECKPOINT, seq=MAX_SEQ), Event).seq == MAX_SEQ
    for data in ({"n": 10**30}, {"k" * 65: 1}, {"s": "x" * 257}, {"f": 1.5}, {"l": [1]}):
        with pytest.raises(ProtocolError):
            decode(envelope("tamper.x", data), Event)
    with pytest.raises(ProtocolError):
        decode(envelope("tamper.x", {f"k{i}": i for i in range(33)}), Event)


@given(used_ms=st.integers(), cost=st.integers())
def test_checkpoint_numbers_validate_exactly_within_bounds(used_ms: int, cost: int) -> None:
    data = {"session_id": "s-1", "used_ms": used_ms, "cost": cost}
    in_bounds = 0 <= used_ms <= MAX_SESSION_MS and 0 <= cost <= MAX_MINOR_UNITS
    try:
        event = decode(envelope("session.checkpoint", data), Event)
    except ProtocolError:
        assert not in_bounds
    else:
        assert in_bounds
        assert event.payload == SessionCheckpoint(session_id="s-1", used_ms=used_ms, cost=cost)


@given(
    type_=st.sampled_from(sorted(PAYLOAD_MODELS)),
    data=st.dictionaries(
        st.sampled_from(["session_id", "used_ms", "cost", "kind", "started_at", "delta_ms", "budget", "x"]),
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        max_size=8,
    ),
)
def test_any_payload_is_valid_or_malformed_never_an_other_error(type_: str, data: dict[str, Any]) -> None:
    try:
        event = decode(envelope(type_, data), Event)
    except ProtocolError:
        return
    assert isinstance(event.payload, PAYLOAD_MODELS[type_])


BIG = "\U0001f600" * 256  # the longest short text, four bytes a character


def largest() -> dict[TopicKind, bytes]:
    ended = SessionEnded(
        session_id="s" * 64,
        reason=BIG,
        kind=SessionKind.MEMBER,
        member_id="m" * 64,
        tariff_id="t" * 64,
        started_at=MAX_SEQ,
        ended_at=MAX_SEQ,
        used_ms=MAX_SESSION_MS,
        cost=MAX_MINOR_UNITS,
        offline=True,
        proof="A" * 86,
    )
    started = SessionStarted(
        session_id="s" * 64,
        kind=SessionKind.MEMBER,
        member_id="m" * 64,
        tariff_id="t" * 64,
        started_at=MAX_SEQ,
        ends_at=MAX_SEQ,
        prepaid_minutes=MAX_SESSION_MS // 60_000,
        budget=MAX_MINOR_UNITS,
        offline=True,
        proof="A" * 86,
    )
    refused = LinkRefused(reason=BIG, peer_pid=2**31, peer_uid=2**32, lockdown=True)
    payloads = (ended, started, ClockJump(delta_ms=-MAX_SEQ), refused)
    events = [Event.of(JOURNAL, MAX_SEQ, p, MAX_SEQ) for p in payloads]
    return {
        TopicKind.EVENTS: max((encode(e) for e in events), key=len),
        TopicKind.HELLO: encode(
            Hello(
                agent_version=BIG,
                hostname=BIG,
                os=BIG,
                hardware=Hardware(cpu_model=BIG, cpu_count=4096, memory_bytes=2**62, disk_bytes=2**62),
                boot_time=MAX_SEQ,
                sent_at=MAX_SEQ,
                hardening=Hardening(
                    grade=HardeningGrade.PARTIAL,
                    checks=[HardeningCheck(name="c" * 32, ok=None, detail=BIG[:128]) for _ in range(8)],
                ),
            )
        ),
        TopicKind.TELEMETRY: encode(
            Telemetry(
                cpu_percent=99.99999,
                memory_percent=99.99999,
                disk_percent=99.99999,
                uptime_s=2**62,
                user=BIG,
                locked=False,
                sent_at=MAX_SEQ,
            )
        ),
        TopicKind.CMD_ACK: encode(
            CommandAck(id="c" * 64, outcome=CommandOutcome.REJECTED, detail=BIG, done_at=MAX_SEQ)
        ),
        TopicKind.LOGIN: encode(MemberLogin(request_id="r" * 64, login="\U0001f600" * 64, secret=BIG[:128])),
    }


@pytest.mark.parametrize("kind", sorted(largest(), key=str))
def test_the_largest_valid_message_a_pc_sends_fits_its_bound(kind: TopicKind) -> None:
    payload = largest()[kind]
    assert not oversized(kind, payload), f"{kind}: {len(payload)} > {MAX_BYTES[kind]}"
    assert oversized(kind, payload + b" " * (MAX_BYTES[kind] - len(payload) + 1))
