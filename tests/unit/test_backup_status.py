"""``GET /api/v1/backups/status``'s judgement: off, none yet, fresh, overdue past the interval and an hour."""

from __future__ import annotations

from hub.api.backups import GRACE_S, backup_status

NOW = 1_795_590_000_000


def health(age_s: int | None, failure: dict[str, object] | None = None) -> dict[str, object]:
    return {
        "last_good": None if age_s is None else "icafe-20261130T031500123Z.icafe-backup.tar",
        "last_good_age_s": age_s,
        "last_failure": failure,
    }


def test_backups_off_are_not_overdue() -> None:
    status = backup_status(None, None, NOW)
    assert status["configured"] is False
    assert status["overdue"] is False


def test_none_yet_is_overdue() -> None:
    failure = {"at_ms": NOW - 5000, "error": "disk full"}
    status = backup_status(24, health(None, failure), NOW)
    assert status["configured"] is True
    assert status["overdue"] is True
    assert status["last_good_at"] is None
    assert status["last_failure"] == failure


def test_overdue_only_past_the_interval_and_an_hour() -> None:
    limit = 24 * 3600 + GRACE_S
    fresh = backup_status(24, health(limit), NOW)
    assert fresh["overdue"] is False
    assert fresh["last_good_at"] == NOW - limit * 1000
    assert backup_status(24, health(limit + 1), NOW)["overdue"] is True
    assert backup_status(1, health(2 * 3600), NOW)["overdue"] is False
    assert backup_status(1, health(2 * 3600 + 1), NOW)["overdue"] is True
