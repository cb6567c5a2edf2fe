"""The wire contract: topics, encoding, and refusal of anything malformed."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import (
    Command,
    CommandAck,
    CommandOutcome,
    CommandType,
    Event,
    EventsAck,
    Hardware,
    Hello,
    MemberLogin,
    PcSettings,
    PcState,
    ProtocolError,
    RateWindowSpec,
    SessionCheckpoint,
    SessionKind,
    SessionOrder,
    Status,
    TariffSpec,
    Telemetry,
    Topic,
    TopicKind,
    agent_subscriptions,
    decode,
    encode,
    hub_shared_subscriptions,
    hub_subscriptions,
    parse_topic,
    topic,
)
from protocol.codec import MAX_PAYLOAD, MODEL_BY_KIND

SAMPLES = [
    Hello(
        agent_version="1.0",
        hostname="pc-1",
        os="Windows 11",
        hardware=Hardware(cpu_model="x", cpu_count=8, memory_bytes=16 << 30, disk_bytes=1 << 40),
        boot_time=1,
        sent_at=2,
    ),
    Status(state=PcState.OFFLINE, sent_at=3),
    Telemetry(
        cpu_percent=1.5, memory_percent=20, disk_percent=30, uptime_s=4, user="u", locked=False, sent_at=5
    ),
    Event.of("ab" * 16, 1, SessionCheckpoint(session_id="s-1", used_ms=60_000, cost=20_000), 6),
    Event(journal="ab" * 16, seq=2, type="tamper.future", data={"member": "m1", "minutes": 60}, at=6),
    EventsAck(journal="ab" * 16, up_to_seq=10, hub_time=11),
    PcSettings(
        hub_time=12,
        tariff=TariffSpec(
            id="standard",
            name="Standard",
            hourly_rate=1_200_000,
            windows=[RateWindowSpec(name="night", start_minute=1320, end_minute=480, hourly_rate=600_000)],
        ),
    ),
    Command(
        id="c2",
        type=CommandType.SESSION_START,
        session=SessionOrder(
            session_id="s-1",
            kind=SessionKind.MEMBER,
            member_id="m-1",
            budget=500_000,
            tariff=TariffSpec(id="standard", name="Standard", hourly_rate=1_200_000),
        ),
        issued_at=7,
        expires_at=8,
    ),
    Command(id="c1", type=CommandType.MESSAGE, text="hello", issued_at=7, expires_at=8),
    CommandAck(id="c1", outcome=CommandOutcome.DONE, done_at=9),
]


def test_topic_round_trip() -> None:
    raw = topic("main", "pc-001", TopicKind.TELEMETRY)
    assert raw == "icafe/v1/main/pc/pc-001/telemetry"
    assert parse_topic(raw) == Topic("main", "pc-001", TopicKind.TELEMETRY)


@pytest.mark.parametrize(
    "raw",
    [
        "icafe/v1/main/pc/pc-001",
        "icafe/v2/main/pc/pc-001/telemetry",
        "icafe/v1/main/box/pc-001/telemetry",
        "icafe/v1/main/pc/pc-001/unknown",
        "icafe/v1/main/pc/pc 1/telemetry",
        "icafe/v1//pc/pc-001/telemetry",
        "icafe/v1/main/pc/pc-001/telemetry/extra",
        "",
    ],
)
def test_parse_topic_refuses_what_is_not_ours(raw: str) -> None:
    assert parse_topic(raw) is None


@pytest.mark.parametrize("bad", ["a/b", "+", "#", "", "x" * 65, "pc 1", "-pc"])
def test_topic_refuses_names_that_would_escape_a_level(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        topic("main", bad, TopicKind.CMD)
    with pytest.raises(ValueError, match="invalid"):
        topic(bad, "pc-1", TopicKind.CMD)


def test_subscriptions() -> None:
    assert hub_subscriptions() == [
        "icafe/v1/+/pc/+/status",
        "icafe/v1/+/pc/+/cmd-ack",
        "icafe/v1/+/pc/+/hello",
    ]
    shared = hub_shared_subscriptions()
    # Every PC's messages, and the broker's reports of what it refused.
    assert shared[-1] == "$share/hub/icafe/v1/broker/denials"
    assert all(s.startswith("$share/hub/icafe/v1/+/pc/+/") for s in shared[:-1])
    assert {s.rsplit("/", 1)[1] for s in shared[:-1]} == {"telemetry", "events", "login"}
    assert agent_subscriptions("main", "pc-7") == [
        "icafe/v1/main/pc/pc-7/cmd",
        "icafe/v1/main/pc/pc-7/config",
        "icafe/v1/main/pc/pc-7/events-ack",
        "icafe/v1/main/pc/pc-7/login-reply",
    ]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips_with_its_version(message: object) -> None:
    data = encode(message)  # type: ignore[arg-type]
    assert json.loads(data)["v"] == 1
    assert decode(data, type(message)) == message  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "Invalid JSON"),
        (b"not json", "Invalid JSON"),
        (b"[]", "Input should be"),
        (b'{"state": "online", "sent_at": 1}', "version"),
        (b'{"v": 2, "state": "online", "sent_at": 1}', "v"),
        (b'{"v": true, "state": "online", "sent_at": 1}', "version"),
        (b'{"v": "1", "state": "online", "sent_at": 1}', "version"),
        (b'{"v": 1, "state": "sleeping", "sent_at": 1}', "state"),
        (b'{"v": 1, "state": "online", "sent_at": "1"}', "sent_at"),
        (b'{"v": 1, "state": "online", "sent_at": -1}', "sent_at"),
        (b'{"v": 1, "state": "online", "sent_at": 1, "extra": 1}', "extra"),
    ],
)
def test_malformed_status_is_a_protocol_error(payload: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode(payload, Status)


def test_telemetry_percent_bounds_and_nan_are_refused() -> None:
    good = json.loads(encode(SAMPLES[2]))
    for field, value in [("cpu_percent", 101), ("memory_percent", -1), ("disk_percent", "NaN")]:
        bad = {**good, field: value}
        with pytest.raises(ProtocolError):
            decode(json.dumps(bad).encode(), Telemetry)


def test_oversized_payload_is_refused_before_parsing() -> None:
    with pytest.raises(ProtocolError, match="exceeds"):
        decode(b" " * (MAX_PAYLOAD + 1), Status)


@given(payload=st.binary(max_size=512))
def test_decoding_arbitrary_bytes_never_raises_anything_else(payload: bytes) -> None:
    for model in MODEL_BY_KIND.values():
        with contextlib.suppress(ProtocolError):
            decode(payload, model)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@given(
    document=st.dictionaries(
        st.sampled_from(["v", "state", "id", "type", "seq", "sent_at", "x"]), json_values
    )
)
def test_decoding_arbitrary_json_objects_is_valid_or_protocol_error(document: dict[str, object]) -> None:
    payload = json.dumps(document).encode()
    for model in MODEL_BY_KIND.values():
        try:
            message = decode(payload, model)
        except ProtocolError:
            continue
        assert message.v == 1


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"login": "aziz", "secret": "1111"}, True),
        ({"code": "ABCD-EFGH-JKLM"}, True),
        ({}, False),
        ({"login": "aziz"}, False),
        ({"secret": "1111"}, False),
        ({"login": "aziz", "secret": "1111", "code": "ABCD-EFGH"}, False),
        ({"login": "aziz", "code": "ABCD-EFGH"}, False),
    ],
)
def test_a_login_is_a_member_or_a_voucher_code_never_both(fields: dict[str, str], ok: bool) -> None:
    payload = json.dumps({"v": 1, "request_id": "r1", **fields}).encode()
    if ok:
        assert decode(payload, MemberLogin).request_id == "r1"
    else:
        with pytest.raises(ProtocolError):
            decode(payload, MemberLogin)
