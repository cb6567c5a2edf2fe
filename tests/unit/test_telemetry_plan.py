"""What the hub keeps of the PCs' telemetry (hub.mqtt.telemetry_plan): property tests against a model of the
rules (bounded history per PC and per flush, every reading live, nothing due left behind, failed writes
retried with the newest reading), and the rules' examples."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.mqtt.telemetry_plan import Reading, TelemetryPlan

PCS = [f"pc-{n}" for n in range(6)]


def reading(pc_id: str, at: int, sent_at: int | None = None) -> Reading:
    return Reading(
        pc_id, "main", {"cpu_percent": float(at % 100)}, sent_at if sent_at is not None else at, at
    )


# An operation: a reading of a PC received ``dt`` ms after the previous operation, or a flush whose
# store write succeeds or fails.
offers = st.tuples(st.just("offer"), st.sampled_from(PCS), st.integers(0, 20_000))
takes = st.tuples(st.just("take"), st.booleans(), st.just(0))
operations = st.lists(st.one_of(offers, takes), max_size=120)


@dataclass
class Model:
    sample_ms: int
    max_samples: int
    now: int = 0
    newest: dict[str, Reading] = field(default_factory=dict)
    since_take: dict[str, Reading] = field(default_factory=dict)
    written: dict[str, list[Reading]] = field(default_factory=dict)

    def offer(self, plan: TelemetryPlan, pc_id: str, dt: int) -> None:
        self.now += dt
        r = reading(pc_id, self.now, sent_at=self.now + len(self.written.get(pc_id, [])))
        plan.offer(r)
        self.newest[pc_id] = self.since_take[pc_id] = r

    def take(self, plan: TelemetryPlan, written: bool) -> list[Reading]:
        flush = plan.take()
        assert len(flush.samples) <= self.max_samples
        assert len({r.pc_id for r in flush.samples}) == len(flush.samples)
        # Live: the newest reading of every PC heard since the previous flush, each once.
        assert {r.pc_id: r for r in flush.live} == self.since_take
        assert len(flush.live) == len(self.since_take)
        self.since_take = {}
        for sample in flush.samples:
            # A sample is its PC's newest reading at the time of the flush.
            assert sample == self.newest[sample.pc_id]
        if written:
            for sample in flush.samples:
                history = self.written.setdefault(sample.pc_id, [])
                # At most one sample per PC every sample_ms.
                if history:
                    assert sample.received_at >= history[-1].received_at + self.sample_ms
                history.append(sample)
        else:
            plan.restore(flush.samples)
        return flush.samples


@settings(max_examples=300, deadline=None)
@given(operations, st.integers(0, 30_000), st.integers(1, 4))
def test_the_plan_follows_its_rules(
    ops: list[tuple[str, object, int]], sample_ms: int, max_samples: int
) -> None:
    plan = TelemetryPlan(sample_ms, max_samples)
    model = Model(sample_ms, max_samples)
    for kind, arg, dt in ops:
        if kind == "offer":
            assert isinstance(arg, str)
            model.offer(plan, arg, dt)
        else:
            model.take(plan, bool(arg))
    # Nothing due is left behind: flushes that succeed drain it, at most max_samples at a time ...
    for _ in range(len(PCS) // max_samples + 2):
        model.take(plan, True)
    assert plan.take().samples == []
    # ... and each PC's history ends with its newest reading, unless that came within sample_ms of the last
    # sample written (it waits for the PC's next reading).
    for pc_id, newest in model.newest.items():
        history = model.written.get(pc_id)
        assert history, f"{pc_id} was heard and never sampled"
        last = history[-1]
        assert last == newest or newest.received_at < last.received_at + sample_ms


def test_a_pc_is_sampled_at_once_then_once_per_interval_with_its_newest_reading() -> None:
    plan = TelemetryPlan(sample_ms=1000, max_samples=10)
    plan.offer(reading("a", 0))
    assert [r.received_at for r in plan.take().samples] == [0]
    plan.offer(reading("a", 400))
    flush = plan.take()
    assert flush.samples == []
    assert [r.received_at for r in flush.live] == [400]
    plan.offer(reading("a", 1000))
    plan.offer(reading("a", 1500))  # replaces the due reading
    assert [r.received_at for r in plan.take().samples] == [1500]
    plan.offer(reading("a", 2000))  # within 1000 ms of the last sample (1500)
    assert plan.take().samples == []


def test_pcs_beyond_the_cap_wait_in_the_order_they_became_due() -> None:
    plan = TelemetryPlan(sample_ms=0, max_samples=2)
    for n, pc_id in enumerate(["c", "a", "d", "b"]):
        plan.offer(reading(pc_id, n))
    plan.offer(reading("c", 10))  # newer reading, same place in line
    assert [(r.pc_id, r.received_at) for r in plan.take().samples] == [("c", 10), ("a", 1)]
    assert [r.pc_id for r in plan.take().samples] == ["d", "b"]


def test_a_failed_write_is_retried_first_with_the_newest_reading() -> None:
    plan = TelemetryPlan(sample_ms=60_000, max_samples=1)
    plan.offer(reading("a", 0))
    plan.offer(reading("b", 1))
    failed = plan.take().samples
    assert [r.pc_id for r in failed] == ["a"]
    plan.offer(reading("a", 5))  # arrives while the write is failing: not due on its own
    plan.restore(failed)
    assert [(r.pc_id, r.received_at) for r in plan.take().samples] == [("a", 5)]
    assert [r.pc_id for r in plan.take().samples] == ["b"]


@pytest.mark.parametrize(("sample_ms", "max_samples"), [(-1, 1), (0, 0)])
def test_nonsense_limits_are_refused(sample_ms: int, max_samples: int) -> None:
    with pytest.raises(ValueError, match="sample_ms"):
        TelemetryPlan(sample_ms, max_samples)
