"""`icafe demo --hubs N`: N hub replicas on consecutive ports, each with its own hub id (its broker client
id, so each holds its own share of the shared subscription), all on the same store, Redis and broker."""

from __future__ import annotations

from pathlib import Path

import pytest

from icafe.cli import build_parser
from icafe.demo import hubs_lines
from icafe.stack import LocalStack, StackConfig


def replicas(tmp_path: Path, hubs: int) -> LocalStack:
    stack = LocalStack(StackConfig(data_dir=tmp_path, http_port=8100, hubs=hubs))
    stack.prepare()
    return stack


def test_three_replicas_get_consecutive_ports_and_ids_of_their_own(tmp_path: Path) -> None:
    stack = replicas(tmp_path, 3)
    assert stack.hub_ports == [8100, 8101, 8102]
    assert stack.hub_names == ["hub", "hub-2", "hub-3"]
    assert stack.api_urls[0] == stack.api_url  # the first is the one the demo prints first
    envs = [stack.replica_environment(n, p) for n, p in zip(stack.hub_names, stack.hub_ports, strict=True)]
    assert [(env["ICAFE_HUB_ID"], env["ICAFE_HTTP_PORT"]) for env in envs] == [
        ("hub", "8100"),
        ("hub-2", "8101"),
        ("hub-3", "8102"),
    ]
    shared = (
        "ICAFE_MONGO_URL",
        "ICAFE_REDIS_URL",
        "ICAFE_MQTT_PORT",
        "ICAFE_JWT_SECRET",
        "ICAFE_ENCRYPTION_KEYS",
    )
    for key in shared:
        assert len({env[key] for env in envs}) == 1, key


def test_the_demo_lists_every_replica_and_one_hub_stays_as_it_was(tmp_path: Path) -> None:
    assert hubs_lines(replicas(tmp_path / "one", 1)) == ""
    listed = hubs_lines(replicas(tmp_path / "two", 2))
    assert "http://127.0.0.1:8100/" in listed
    assert listed.index(":8100/") < listed.index(":8101/")


def test_demo_hubs_is_a_count_of_one_or_more() -> None:
    assert build_parser().parse_args(["demo"]).hubs == 1
    assert build_parser().parse_args(["demo", "--hubs", "2"]).hubs == 2
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--hubs", "0"])
