"""What the hub keeps of the PCs' telemetry: every reading for the live feed, a bounded history in the store.

Telemetry is the one message the hub may lose (QoS 0, and the next reading replaces it), so what it costs
the store is capped whatever the PCs send, and cannot crowd out money or sessions:

- a PC's history gets at most one sample every ``sample_ms`` (its newest reading when one is due), and the
  PC's record (its latest reading, last seen) is written with that sample, not with every reading;
- one flush writes at most ``max_samples`` samples; the PCs beyond that stay due, in the order they became
  due, and are written by the next flushes (with their newest reading by then);
- the live feed gets the newest reading of every PC that sent one since the previous flush.

Pure: no I/O and no clock (the caller passes the time a reading was received), so the rules are unit-tested
on their own (``tests/unit/test_telemetry_plan.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Reading:
    pc_id: str
    site: str
    # The telemetry as stored and shown (``protocol.Telemetry`` without its version).
    values: dict[str, Any]
    sent_at: int
    received_at: int


@dataclass(frozen=True)
class Flush:
    """What one flush writes: samples (and the PCs' records) in the store, the newest readings live."""

    samples: list[Reading]
    live: list[Reading]


class TelemetryPlan:
    def __init__(self, sample_ms: int, max_samples: int) -> None:
        if sample_ms < 0 or max_samples < 1:
            raise ValueError("sample_ms must be >= 0 and max_samples >= 1")
        self._sample_ms = sample_ms
        self._max_samples = max_samples
        self._live: dict[str, Reading] = {}
        # Every PC's newest reading: what a sample that failed to be written is retried with.
        self._newest: dict[str, Reading] = {}
        # PCs whose sample is due, with their newest reading; in the order they became due.
        self._due: dict[str, Reading] = {}
        # When each PC's next sample is due (ms); a PC never sampled is due at once.
        self._next_sample: dict[str, int] = {}

    def offer(self, reading: Reading) -> None:
        pc_id = reading.pc_id
        self._live[pc_id] = reading
        self._newest[pc_id] = reading
        if pc_id in self._due:
            self._due[pc_id] = reading  # keeps its place in the order
        elif reading.received_at >= self._next_sample.get(pc_id, 0):
            self._due[pc_id] = reading

    def take(self) -> Flush:
        """The next flush; its samples are no longer due (``restore`` puts them back if writing failed)."""
        live = list(self._live.values())
        self._live = {}
        samples: list[Reading] = []
        for pc_id in list(self._due)[: self._max_samples]:
            reading = self._due.pop(pc_id)
            self._next_sample[pc_id] = reading.received_at + self._sample_ms
            samples.append(reading)
        return Flush(samples=samples, live=live)

    def restore(self, samples: list[Reading]) -> None:
        """Samples that could not be written: due again, first in line, each with its PC's newest reading
        (one offered while the write was failing is newer than the one taken)."""
        again = {r.pc_id: self._newest.get(r.pc_id, r) for r in samples}
        for pc_id in again:
            self._next_sample.pop(pc_id, None)
            self._due.pop(pc_id, None)
        self._due = {**again, **self._due}
