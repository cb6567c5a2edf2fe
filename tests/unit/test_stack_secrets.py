"""Secrets of the local stack stay where they belong: Redis's password in its URL, quoted, and never in a
message."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import urlsplit

from icafe.cli_security import without_password
from icafe.stack import REDIS_USER, LocalStack, StackConfig


def test_the_hubs_redis_url_carries_its_user_and_password(tmp_path: Path) -> None:
    stack = LocalStack(StackConfig(data_dir=tmp_path))
    stack.secrets = {"redis_password": "p@ss:w/rd#"}
    url = urlsplit(stack.redis_url)
    assert (url.username, url.hostname, url.port) == (REDIS_USER, "127.0.0.1", stack.ports.redis)
    assert url.password == "p%40ss%3Aw%2Frd%23"


def test_the_secrets_file_is_private_and_kept_across_starts(tmp_path: Path) -> None:
    first = LocalStack(StackConfig(data_dir=tmp_path))._load_secrets()
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == first
    again = LocalStack(StackConfig(data_dir=tmp_path))._load_secrets()
    assert again == first  # the same keys decrypt the same store
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.json"]  # written through a temp file, renamed


def test_a_url_in_a_message_has_no_password() -> None:
    assert without_password("redis://icafe-hub:s3cret@redis:6379/0") == "redis://icafe-hub:***@redis:6379/0"
    assert without_password("redis://:s3cret@10.0.0.1/0") == "redis://:***@10.0.0.1/0"
    assert without_password("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
