"""The ingest benchmark's arithmetic (bench.ingest): the saturation point, the commands it pools, and rates
from the load's status files; the sweep itself runs a stack (`python -m bench.ingest`)."""

from __future__ import annotations

import pytest

from bench.harness import Latency
from bench.ingest import (
    Figures,
    Step,
    beyond_saturation,
    counter_rate,
    parse_rates,
    render,
    saturation,
)


def step(offered: float, bare: float, accepted: float) -> Step:
    return Step(offered=offered, bare=bare, accepted=accepted, hub_to_bare=round(accepted / bare, 3))


SWEEP = [
    step(500, 500, 498),
    step(1000, 1000, 930),
    step(2000, 1990, 1100),  # the hubs fall behind here
    step(5000, 4800, 1150),  # the most the broker delivered
    step(10000, 4500, 1050),
]


def test_saturation_is_the_highest_step_kept_up_with_and_the_ratio_where_the_broker_delivered_most() -> None:
    point = saturation(SWEEP)
    assert point.saturation_msg_s == 1000
    assert point.hub_max_accepted_msg_s == 1150
    assert point.hub_to_bare_at_saturation == round(1150 / 4800, 3)


def test_a_step_kept_up_with_above_one_that_was_not_still_counts() -> None:
    noisy = [step(500, 500, 400), step(1000, 1000, 950)]
    assert saturation(noisy).saturation_msg_s == 1000


def test_without_hubs_there_is_no_saturation() -> None:
    alone = [Step(offered=10000, sent=9990, bare=9500)]
    point = saturation(alone)
    assert (point.saturation_msg_s, point.hub_max_accepted_msg_s, point.hub_to_bare_at_saturation) == (
        None,
        None,
        None,
    )


def test_commands_are_pooled_beyond_saturation_or_everywhere_when_the_hubs_kept_up() -> None:
    assert beyond_saturation(SWEEP) == [2, 3, 4]
    assert beyond_saturation(SWEEP[:2]) == [0, 1]
    assert beyond_saturation([step(500, 500, 100)]) == [0]  # kept up nowhere


def test_a_counter_rate_sums_processes_each_over_its_own_writes() -> None:
    before = [{"pid": 1, "at": 100.0, "sent": 0}, {"pid": 2, "at": 100.4, "sent": 1000}]
    after = [
        {"pid": 1, "at": 110.0, "sent": 20_000},
        {"pid": 2, "at": 110.4, "sent": 31_000},
        {"pid": 3, "at": 110.0, "sent": 5_000},  # not written before the window: not counted
    ]
    assert counter_rate(before, after, "sent") == pytest.approx(2000 + 3000)
    assert counter_rate(before, before, "sent") == 0


@pytest.mark.parametrize("text", ["", "1000,-5", "0", "a,b"])
def test_rates_must_be_positive_numbers(text: str) -> None:
    with pytest.raises(ValueError, match="positive msg/s"):
        parse_rates(text)


def test_the_report_names_the_saturation_point_and_the_commands_beyond_it() -> None:
    figures = Figures(hubs=1, publishers=3, pcs=1000, cores=2, load_average_start=(4.0, 5.0, 6.0))
    figures.steps = SWEEP
    figures.steps[3].commands = Latency(sent=60, ok=59, p50_ms=12.0, p99_ms=80.0, failures={"504": 1})
    figures.command_p50_ms, figures.command_p99_ms = 12.0, 80.0
    text = render(figures)
    assert "1,000 msg/s; the hubs' most accepted 1,150 msg/s" in text
    assert "p50 12.0 ms, p99 80.0 ms" in text
    assert "(1 commands failed: {'504': 1})" in text
    assert figures.summary()["saturation_msg_s"] == 1000
