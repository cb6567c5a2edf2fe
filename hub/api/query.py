"""The edges of every API request besides its body: query parameters and ids in paths.

- Query parameters: a route declares them as one pydantic model, ``@with_query(Model)`` (the decorator
  next to the handler), and receives the validated model as its ``query`` argument. Everything is
  bounded: paging (``offset`` at most 10^9, ``limit`` 1-500), times (epoch milliseconds or ISO 8601 with
  an offset, within years 1970-9999), enums, ids. Unknown or repeated parameters are refused, and a
  route without a model takes none. The OpenAPI parameters are generated from the same model
  (``document_parameters``), so the document cannot drift from what is checked.
- Ids in paths: every ``{id}`` route parameter follows one rule, the protocol's ``Identifier`` (1 to 64
  letters, digits or ``_.:-``); anything else is a 400 naming the parameter.

Both checks run before the handler, in the request middleware installed by ``install``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from sanic import Request
from sanic_ext import openapi
from sanic_ext.extensions.openapi.definitions import Parameter
from sanic_ext.extensions.openapi.types import Schema

from hub.api.schema import openapi30
from hub.errors import ApiError, bad_request
from protocol.messages import Identifier

if TYPE_CHECKING:
    from sanic import Sanic

M = TypeVar("M", bound=BaseModel)
Handler = Callable[..., Awaitable[Any]]

API_PREFIX = "/api/v1"
QUERY_MODEL = "__icafe_query__"
MAX_OFFSET = 10**9
MAX_PAGE = 500
# Epoch milliseconds from 1970 to the end of 9999: every date conversion in the hub handles these.
MAX_MOMENT_MS = 253_402_300_799_999

_ID = TypeAdapter(Identifier)
ID_RULE = "1 to 64 letters, digits or _ . : -"


def _moment(value: object) -> object:
    """Epoch milliseconds, or an ISO 8601 time with its offset (``Z`` for UTC), as epoch milliseconds."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.isascii() and text.isdigit():
        if len(text) > len(str(MAX_MOMENT_MS)):
            raise ValueError(f"epoch milliseconds are at most {MAX_MOMENT_MS} (the end of year 9999)")
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("give epoch milliseconds or an ISO 8601 time with an offset") from None
    if moment.tzinfo is None:
        raise ValueError("give a timezone offset, e.g. 2026-11-25T00:00+05:00 or 2026-11-25T00:00Z")
    return int(moment.timestamp() * 1000)


Moment = Annotated[
    int,
    BeforeValidator(_moment),
    Field(ge=0, le=MAX_MOMENT_MS),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_MOMENT_MS},
                {"type": "string", "format": "date-time"},
            ],
            "description": "epoch milliseconds, or an ISO 8601 time with an offset",
        }
    ),
]
# A filter naming something by its id, username or code word: the id rule.
Name = Identifier


def one_of(values: Iterable[str]) -> AfterValidator:
    """A validator for ``Annotated[str, one_of(X), enum_schema(X)]``: the value is one of ``values``."""
    allowed = tuple(values)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"one of {', '.join(sorted(allowed))}")
        return value

    return AfterValidator(check)


def enum_schema(values: Iterable[str]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": sorted(values)})


class QueryModel(BaseModel):
    """Base of every route's query: unknown parameters are refused, values are never coerced loosely
    beyond what a query string needs (text to integers and booleans)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Paging(QueryModel):
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="entries to skip")
    limit: int = Field(default=100, ge=1, le=MAX_PAGE, description="entries to answer")


class NoQuery(QueryModel):
    """A route that takes no query parameters."""


def parse_query(request: Request, model: type[M]) -> M:
    """The request's query string as ``model``, or a 400 naming the first bad parameter."""
    values: dict[str, str] = {}
    # Blank values are kept: "?site=" is a site that is not a valid name, not a filter left out.
    for name, given in request.get_args(keep_blank_values=True).items():
        if len(given) > 1:
            raise bad_request(f"{name}: give it once")
        values[name] = given[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = exc.errors()
        # An unknown parameter first: it is likely a misspelling of the one reported missing.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        where = ".".join(str(part) for part in first["loc"]) or "query"
        if first["type"] == "extra_forbidden":
            known = sorted(_parameter_names(model))
            takes = f"this route takes {', '.join(known)}" if known else "this route takes none"
            raise bad_request(f"{where}: unknown query parameter; {takes}") from None
        raise bad_request(f"{where}: {first['msg'].removeprefix('Value error, ')}") from None


def with_query(model: type[QueryModel]) -> Callable[[Handler], Handler]:
    """Declare a route's query parameters; the handler gets them validated as ``query=``."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def validated(request: Request, *args: Any, **kwargs: Any) -> Any:
            return await handler(request, *args, query=parse_query(request, model), **kwargs)

        setattr(validated, QUERY_MODEL, model)
        return validated

    return decorate


def _parameter_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _handler_of(route: Any) -> Any:
    handler = route.handler
    if isinstance(handler, functools.partial):
        # Sanic's WebSocket wrapper holds the handler as its first argument; Sanic Extensions' automatic
        # OPTIONS handler is a bare partial.
        handler = handler.args[0] if handler.args else handler.func
    return handler


def query_model(route: Any) -> type[QueryModel]:
    model = getattr(_handler_of(route), QUERY_MODEL, None)
    return model if isinstance(model, type) and issubclass(model, QueryModel) else NoQuery


# ---- checks before the handler ------------------------------------------------------------------


def check_path_ids(match_info: dict[str, Any]) -> None:
    for name, value in match_info.items():
        try:
            _ID.validate_python(value)
        except ValidationError:
            shown = repr(value) if len(str(value)) <= 80 else repr(str(value)[:80]) + "..."
            raise ApiError(400, "bad_id", f"{name} {shown} is not an id: ids are {ID_RULE}") from None


async def check_edges(request: Request) -> None:
    """Request middleware: ids in the path follow the id rule; a route without a query model gets no
    query parameters (routes with one validate theirs in ``@with_query``)."""
    if not request.path.startswith(API_PREFIX) or request.route is None:
        return
    check_path_ids(request.match_info)
    if query_model(request.route) is NoQuery and request.query_string:
        parse_query(request, NoQuery)


# ---- the OpenAPI document -----------------------------------------------------------------------


class _RawSchema(Schema):
    """A JSON Schema given as a dict, written into the document as it is."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._fields = schema

    def serialize(self) -> dict[str, Any]:
        return self._fields


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    # An optional query parameter is one left out; a JSON null cannot be written in a query string.
    schema = {key: value for key, value in schema.items() if key != "nullable"}
    options = schema.get("anyOf")
    if isinstance(options, list):
        kept = [option for option in options if option.get("type") != "null"]
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        return {**kept[0], **rest} if len(kept) == 1 else {**rest, "anyOf": kept}
    return schema


def query_parameters(model: type[BaseModel]) -> list[Parameter]:
    schema = openapi30(model.model_json_schema(by_alias=True))
    required = set(schema.get("required", []))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        clean = _without_null(field_schema)
        clean.pop("title", None)
        if clean.get("default", ...) is None:
            clean.pop("default")
        description = clean.pop("description", None)
        parameters.append(
            Parameter(name, _RawSchema(clean), "query", required=name in required, description=description)
        )
    return parameters


def header_parameter(name: str, schema: dict[str, Any], description: str) -> Parameter:
    """A required request header, for ``openapi.definition(parameter=[...])``."""
    return Parameter(name, _RawSchema(schema), "header", required=True, description=description)


def _path_parameter(name: str) -> Parameter:
    schema = openapi30(_ID.json_schema())
    return Parameter(name, _RawSchema(schema), "path", required=True, description=f"an id: {ID_RULE}")


def document_parameters(app: Sanic[Any, Any]) -> None:
    """Write every API route's path ids and query parameters into the OpenAPI document."""
    documented: set[int] = set()
    for route in app.router.routes:
        if not f"/{route.path}".startswith(API_PREFIX):
            continue
        handler = _handler_of(route)
        if id(handler) in documented:
            continue
        documented.add(id(handler))
        parameters = [_path_parameter(param.name) for param in route.defined_params.values()]
        parameters += query_parameters(query_model(route))
        for parameter in parameters:
            openapi.parameter(parameter=parameter)(handler)


def install(app: Sanic[Any, Any]) -> None:
    app.register_middleware(check_edges, "request")
    document_parameters(app)
