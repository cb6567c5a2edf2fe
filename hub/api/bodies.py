"""Request bodies: validated strictly as JSON (``false`` is not ``0``, ``"5"`` is not ``5``); validation
errors become 400s that name the field."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Request

from hub.errors import bad_request

M = TypeVar("M", bound=BaseModel)


def parse_body(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate_json(request.body or b"", strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise bad_request(f"{where}: {first['msg']}") from None
