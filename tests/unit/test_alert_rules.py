"""The example Prometheus alerting rules (deploy/prometheus/): valid for promtool, each one firing on its
cause and quiet without it (promtool's rule tests), and naming only metrics the hub exports."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from hub.backups.destination import FolderDestination
from hub.backups.retention import Retention
from hub.backups.schedule import BackupPlan, BackupScheduler
from hub.health import HealthGauges
from hub.metrics import HubMetrics

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool missing: apt-get install prometheus")


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=RULES, capture_output=True, text=True, timeout=120, check=False
    )


@needs_promtool
def test_the_rules_are_valid_and_pass_their_tests() -> None:
    checked = promtool("check", "rules", "icafe-alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "icafe-alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


@needs_promtool
def test_a_rule_test_fails_when_a_rule_is_wrong(tmp_path: Path) -> None:
    """The rule tests can fail: with the backup threshold at a week, the day-old backup goes unnoticed."""
    (tmp_path / "icafe-alerts.yml").write_text(
        (RULES / "icafe-alerts.yml").read_text().replace("> 90000", "> 604800")
    )
    shutil.copy(RULES / "icafe-alerts.test.yml", tmp_path)
    assert PROMTOOL is not None
    tested = subprocess.run(
        [PROMTOOL, "test", "rules", "icafe-alerts.test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode != 0
    assert "IcafeBackupTooOld" in tested.stdout + tested.stderr


def exported_names() -> set[str]:
    """Every metric name the hub's /metrics can carry (counters with their _total)."""
    metrics = HubMetrics()
    dummy: Any = None
    HealthGauges(metrics.registry, dummy, dummy, asyncio.Event())
    plan = BackupPlan(FolderDestination(Path("b")), 3600, Retention(), Path("d"), "icafe", None)
    BackupScheduler(plan, dummy, metrics.registry, lambda: 0)
    registry: CollectorRegistry = metrics.registry
    names = set()
    for family in registry.collect():
        names.add(family.name)
        if family.type == "counter":
            names.add(f"{family.name}_total")
    return names


def test_the_rules_name_only_metrics_the_hub_exports() -> None:
    text = (RULES / "icafe-alerts.yml").read_text()
    named = set(re.findall(r"\b(icafe_[a-z_]+)", text))
    assert named, "no icafe metric in the rules"
    assert named <= exported_names(), named - exported_names()
