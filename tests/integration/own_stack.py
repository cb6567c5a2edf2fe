"""A stack of a test module's own, for tests that stop services, start replicas or change settings, which
the shared session stack of ``conftest.py`` must never see (a stopped hub replica, for one, keeps its
share of the MQTT shared subscription for minutes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

from .conftest import ADMIN_PASSWORD, SECURITY_ENV


@contextmanager
def own_stack(data_dir: Path, hub_env: Mapping[str, str] | None = None) -> Iterator[LocalStack]:
    config = StackConfig(
        data_dir=data_dir,
        http_port=free_port(),
        admin_password=ADMIN_PASSWORD,
        hub_env={
            "ICAFE_MONGO_DB": f"icafe_own_{uuid.uuid4().hex[:8]}",
            "ICAFE_DETECT_BLOCKING": "1",
            **SECURITY_ENV,
            **(hub_env or {}),
        },
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_hub()
        yield local
    finally:
        local.stop()
