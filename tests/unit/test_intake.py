"""The MQTT bridge's intake (hub.mqtt.intake): a PC's control messages in order, PCs concurrently within the
bound, telemetry in its own lane that never delays control messages and is shed (counted) beyond its cap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from hub.metrics import HubMetrics
from hub.mqtt.intake import TELEMETRY_SLICE, Intake, pc_of


def t(pc: str, kind: str) -> str:
    return f"icafe/v1/main/pc/{pc}/{kind}"


class Recorder:
    """A dispatch that records what it handled, after an optional per-topic wait."""

    def __init__(self) -> None:
        self.handled: list[tuple[str, Any]] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.running = 0
        self.most_running = 0

    async def __call__(self, raw_topic: str, payload: Any) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            gate = self.gates.get(raw_topic)
            if gate is not None:
                await gate.wait()
            else:
                await asyncio.sleep(0)
            if payload == b"boom":
                raise RuntimeError("a handler failed")
            self.handled.append((raw_topic, payload))
        finally:
            self.running -= 1


async def until(predicate: Callable[[], bool], what: str, timeout_s: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        if predicate():
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


def sample(metrics: HubMetrics, name: str, labels: dict[str, str]) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


Make = Callable[..., Awaitable[tuple[Intake, Recorder, HubMetrics]]]


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    intakes: list[Intake] = []

    async def build(
        *, cap: int = 1000, parallel: int = 32, start: bool = True
    ) -> tuple[Intake, Recorder, HubMetrics]:
        recorder, metrics = Recorder(), HubMetrics()
        intake = Intake(recorder, metrics, telemetry_cap=cap, parallel=parallel)
        if start:
            intake.start()
        intakes.append(intake)
        return intake, recorder, metrics

    yield build
    for intake in intakes:
        await intake.stop()


def test_the_pc_of_a_topic() -> None:
    assert pc_of("icafe/v1/main/pc/pc-7/events") == "pc-7"
    assert pc_of("icafe/v1/main/pc/pc-7/sub/more") == "pc-7"
    assert pc_of("icafe/v1/broker/denials") == ""
    assert pc_of("icafe/v1/main/desk/pc-7/events") == ""


async def test_a_pcs_control_messages_keep_their_order_while_another_pc_goes_ahead(make: Make) -> None:
    intake, recorder, _ = await make()
    recorder.gates[t("a", "status")] = gate = asyncio.Event()
    intake.put(t("a", "status"), b"1")
    intake.put(t("a", "events"), b"2")
    intake.put(t("b", "events"), b"3")
    await until(lambda: (t("b", "events"), b"3") in recorder.handled, "PC b's message")
    assert [p for _, p in recorder.handled] == [b"3"]  # a's second message waits for its first
    gate.set()
    await until(lambda: len(recorder.handled) == 3, "PC a's messages")
    assert [p for _, p in recorder.handled] == [b"3", b"1", b"2"]


async def test_at_most_parallel_pcs_are_handled_at_once(make: Make) -> None:
    intake, recorder, _ = await make(parallel=2)
    gate = asyncio.Event()
    for n in range(6):
        recorder.gates[t(f"pc-{n}", "events")] = gate
        intake.put(t(f"pc-{n}", "events"), b"e")
    await until(lambda: recorder.running == 2, "two PCs in progress")
    await asyncio.sleep(0.01)
    assert recorder.most_running == 2
    gate.set()
    await until(lambda: len(recorder.handled) == 6, "every PC's message")


async def test_telemetry_never_delays_a_control_message(make: Make) -> None:
    intake, recorder, _ = await make(cap=100_000)
    backlog = 50 * TELEMETRY_SLICE
    for n in range(backlog):
        intake.put(t(f"pc-{n % 50}", "telemetry"), n)
    intake.put(t("pc-1", "cmd-ack"), b"ack")
    await until(lambda: (t("pc-1", "cmd-ack"), b"ack") in recorder.handled, "the acknowledgement")
    before = recorder.handled.index((t("pc-1", "cmd-ack"), b"ack"))
    # Handled after at most a slice or two of telemetry, not after the whole backlog.
    assert before <= 2 * TELEMETRY_SLICE
    await until(lambda: len(recorder.handled) == backlog + 1, "the telemetry backlog")
    # The telemetry lane keeps its order.
    assert [p for topic, p in recorder.handled if topic.endswith("/telemetry")] == list(range(backlog))


async def test_telemetry_beyond_the_cap_is_shed_oldest_first_and_counted(make: Make) -> None:
    intake, recorder, metrics = await make(cap=10, start=False)
    for n in range(15):
        intake.put(t("pc-1", "telemetry"), n)
    assert sample(metrics, "icafe_mqtt_intake_backlog", {"lane": "telemetry"}) == 10
    assert sample(metrics, "icafe_mqtt_messages_dropped_total", {"reason": "shed"}) == 5
    intake.start()
    await until(lambda: len(recorder.handled) == 10, "the kept telemetry")
    assert [p for _, p in recorder.handled] == list(range(5, 15))
    assert sample(metrics, "icafe_mqtt_intake_backlog", {"lane": "telemetry"}) == 0


async def test_control_messages_are_never_shed(make: Make) -> None:
    intake, recorder, metrics = await make(cap=1)
    recorder.gates[t("a", "events")] = gate = asyncio.Event()
    for n in range(500):
        intake.put(t("a", "events"), n)
    await asyncio.sleep(0.01)
    assert sample(metrics, "icafe_mqtt_intake_backlog", {"lane": "control"}) == 500
    gate.set()
    await until(lambda: len(recorder.handled) == 500, "every event")
    assert [p for _, p in recorder.handled] == list(range(500))
    assert sample(metrics, "icafe_mqtt_messages_dropped_total", {"reason": "shed"}) == 0
    assert sample(metrics, "icafe_mqtt_intake_backlog", {"lane": "control"}) == 0


async def test_a_failing_handler_ends_neither_lane(make: Make, caplog: pytest.LogCaptureFixture) -> None:
    intake, recorder, _ = await make()
    intake.put(t("a", "events"), b"boom")
    intake.put(t("a", "events"), b"after")
    intake.put(t("a", "telemetry"), b"boom")
    intake.put(t("a", "telemetry"), b"after")
    await until(lambda: len(recorder.handled) == 2, "the messages after the failures")
    assert sorted(topic for topic, _ in recorder.handled) == [t("a", "events"), t("a", "telemetry")]
    failures = sorted(r.getMessage() for r in caplog.records if r.name == "hub.mqtt.intake")
    assert failures == [f"handling a message on {t('a', kind)} failed" for kind in ("events", "telemetry")]


async def test_a_pcs_lane_reopens_after_it_emptied(make: Make) -> None:
    intake, recorder, _ = await make()
    intake.put(t("a", "events"), 1)
    await until(lambda: len(recorder.handled) == 1, "the first message")
    await asyncio.sleep(0.01)  # the lane has closed
    intake.put(t("a", "events"), 2)
    await until(lambda: len(recorder.handled) == 2, "the second message")
