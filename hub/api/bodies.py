"""Request bodies and paging: validation errors become 400s that name the field."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Request

from hub.errors import bad_request

M = TypeVar("M", bound=BaseModel)

MAX_PAGE = 500


def parse_body(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate_json(request.body or b"")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise bad_request(f"{where}: {first['msg']}") from None


def paging(request: Request, default_limit: int = 100) -> tuple[int, int]:
    try:
        offset = int(request.args.get("offset", 0))
        limit = int(request.args.get("limit", default_limit))
    except ValueError:
        raise bad_request("offset and limit must be integers") from None
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise bad_request(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    return offset, limit
