"""The broker's ``$SYS`` counts as the hub reads them: ASCII digits, anything else refused."""

from __future__ import annotations

from hub.mqtt.bridge import broker_count


def test_a_count_is_read_from_its_digits() -> None:
    assert broker_count(b"0") == 0
    assert broker_count(b"123456") == 123456
    assert broker_count(b" 42\n") == 42


def test_anything_but_a_count_is_refused() -> None:
    for payload in (b"", b"-1", b"1.5", b"12a", b"9" * 21, "123", None):
        assert broker_count(payload) is None, payload
