"""``icafe agent-package VERSION``: an agent release to upload to the hub (README "Fleet updates"): a
gzipped tar of the agent's packages as installed here (``edge_agent``, and ``protocol`` and ``billing``
which it imports), with ``edge_agent.__version__`` set to VERSION."""

from __future__ import annotations

import importlib
import io
import re
import tarfile
from collections.abc import Mapping
from pathlib import Path

PACKAGES = ("edge_agent", "protocol", "billing")
VERSION_LINE = re.compile(r'^__version__ = ".*"$', re.MULTILINE)


def _sources(package: str) -> list[tuple[str, bytes]]:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    root = Path(module.__file__).parent
    return [
        (f"{package}/{path.relative_to(root).as_posix()}", path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]


def build_package(version: str, overrides: Mapping[str, str] | None = None) -> bytes:
    """The release's bytes; ``overrides`` replace (or add) files by path in the release."""
    files = dict(item for package in PACKAGES for item in _sources(package))
    init = files["edge_agent/__init__.py"].decode()
    files["edge_agent/__init__.py"] = VERSION_LINE.sub(f'__version__ = "{version}"', init).encode()
    files.update({path: text.encode() for path, text in (overrides or {}).items()})
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for path, data in sorted(files.items()):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()
