"""Scheduled backups run by the hub: with two replicas one takes the backup (the Redis lock), the folder is
pruned by the retention rule, and every replica's /healthz and /metrics tell the last good backup's age."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from hub.backups.archive import Signer, archive_name, archive_time, archives_in
from hub.backups.restore import check_archive
from hub.backups.retention import Retention, to_keep
from hub.security.crypto import generate_key, parse_keys
from icafe.stack import LocalStack
from icafe.supervisor import free_port

from .conftest import login, metric, wait_until
from .own_stack import own_stack

DAY_MS = 86_400_000


def test_one_replica_backs_up_and_prunes_and_both_report_the_age(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    now = int(time.time() * 1000)
    # Archives left by earlier runs: one a day for 40 days up to yesterday, three from two years ago.
    earlier = {now - i * DAY_MS for i in range(1, 41)} | {now - 730 * DAY_MS - i * DAY_MS for i in range(3)}
    for at in earlier:
        (folder / archive_name(at)).write_bytes(b"an earlier archive")
    keys = generate_key("s1")
    env = {
        "ICAFE_BACKUP_DIR": str(folder),
        "ICAFE_BACKUP_EVERY_H": "1",
        "ICAFE_BACKUP_KEEP_DAYS": "7",
        "ICAFE_BACKUP_KEEP_MONTHS": "2",
        "ICAFE_ENCRYPTION_KEYS": keys,
    }
    with own_stack(tmp_path / "cafe", hub_env=env) as local:
        second_port = free_port()
        local.start_hub("hub-2", http_port=second_port)
        replicas = [local.api_url, f"http://127.0.0.1:{second_port}"]

        def new_archives() -> list[Path]:
            return [path for path in archives_in(folder) if archive_time(path) not in earlier]

        (archive,) = wait_until(new_archives, 60, "the first scheduled backup")
        check_archive(archive, Signer(tuple(parse_keys(keys))))
        # Both replicas started with a backup due; the lock let one take it, and it stays the only one.
        time.sleep(2)
        assert new_archives() == [archive]
        created = archive_time(archive)
        assert created is not None
        kept = to_keep(earlier | {created}, now, Retention(daily=7, monthly=2))
        wait_until(lambda: {archive_time(p) for p in archives_in(folder)} == kept, 30, "the folder pruned")
        assert len(kept) < len(earlier)

        for url in replicas:
            health = httpx.get(f"{url}/healthz").json()
            assert health["status"] == "ok"
            assert health["backup"]["last_good"] == archive.name
            assert 0 <= health["backup"]["last_good_age_s"] < 120
            assert health["backup"]["last_failure"] is None
        taken = sum(
            float(line.rsplit(" ", 1)[1])
            for url in replicas
            for line in httpx.get(f"{url}/metrics").text.splitlines()
            if line.startswith('icafe_backups_total{outcome="ok"}')
        )
        assert taken == 1
        assert metric(local, "icafe_backup_last_success_timestamp_seconds") == created / 1000
        # The console's view of the same (GET /api/v1/backups/status).
        status = backup_status(local)
        assert (status["configured"], status["every_h"], status["last_good"]) == (True, 1, archive.name)
        assert (status["overdue"], status["last_failure"]) == (False, None)
        assert abs(status["last_good_at"] - created) < 2000


def test_a_failing_backup_is_reported_and_not_retried_at_once(tmp_path: Path) -> None:
    # The hub's data folder is not the one whose store/ holds the database: the backup cannot be taken.
    env = {
        "ICAFE_BACKUP_DIR": str(tmp_path / "backups"),
        "ICAFE_BACKUP_EVERY_H": "1",
        "ICAFE_DATA_DIR": str(tmp_path / "elsewhere"),
    }
    with own_stack(tmp_path / "cafe", hub_env=env) as local:
        failure = wait_until(
            lambda: httpx.get(f"{local.api_url}/healthz").json()["backup"]["last_failure"], 60, "the failure"
        )
        assert "no embedded store database" in failure["error"]
        health = httpx.get(f"{local.api_url}/healthz").json()
        assert health["status"] == "ok"
        assert health["backup"]["last_good"] is None
        assert metric(local, "icafe_backups_total", 'outcome="failed"') == 1
        assert metric(local, "icafe_backup_last_success_timestamp_seconds") == 0
        assert not list(archives_in(tmp_path / "backups"))
        status = backup_status(local)
        assert (status["configured"], status["last_good"], status["overdue"]) == (True, None, True)
        assert status["last_failure"] == failure


def backup_status(local: LocalStack) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {login(local)}"}
    answer = httpx.get(f"{local.api_url}/api/v1/backups/status", headers=headers)
    assert answer.status_code == 200, answer.text
    status: dict[str, Any] = answer.json()
    return status
