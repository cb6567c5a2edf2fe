"""What every API route answers, declared once and built from the declaration.

A route declares its answer with ``@answers(Model, status=..., errors=...)`` (next to the handler, like
``@with_query``). The handler returns the answer's data (a dict or the model); ``@answers`` validates it
against ``Model`` and serialises it, so the route cannot answer anything but what it declares: a field
left out, an extra one or a wrong type is an error in the hub's own tests, not a surprise for a client.
A status other than the default is ``reply(data, status)``. Routes that answer a file (PDF, CSV) return
their response as it is and declare its media type with ``file=`` (or the several it may answer).

The declarations go into the OpenAPI document (``document_answers``): the success schema, and the error
body ``{"error": {"code", "message"}}`` for each error status the route can answer. Statuses every route
can answer are added by themselves: 400 (a bad path id or query parameter), 503 (the store or Redis is
down); with ``@requires`` also 401, 403 and 429; with a body also 413.
"""

from __future__ import annotations

import copy
import functools
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)
from sanic import Sanic
from sanic.response import HTTPResponse
from sanic_ext import openapi
from sanic_ext.extensions.openapi import types as openapi_types

from hub.api.guard import PUBLIC, declared_access
from hub.api.schema import openapi30

Handler = Callable[..., Awaitable[Any]]
T = TypeVar("T")

DECLARATION = "__icafe_answers__"
API_PREFIX = "/api/v1"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


ABSENT = "x-absent"


def absent(description: str = "") -> Any:
    """A field left out of the answer when it has no value (e.g. figures a blind cashier may not see):
    ``summary: ShiftFigures | None = absent("...")``; the document shows it optional, never null."""
    return Field(default=None, description=description or None, json_schema_extra={ABSENT: True})


class Answer(BaseModel):
    """Base of every answer: exactly the declared fields. Each is always present (null when it has no
    value), except those declared ``absent()``, which are left out instead."""

    model_config = ConfigDict(extra="forbid")

    @model_serializer(mode="wrap")
    def _leave_out_absent(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        for name in _absent_fields(type(self)):
            if data.get(name, ...) is None:
                del data[name]
        return data


def _absent_fields(model: type[BaseModel]) -> list[str]:
    return [
        field.alias or name
        for name, field in model.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(ABSENT)
    ]


class ErrorDetail(Answer):
    code: str
    message: str


class ErrorAnswer(Answer):
    """Every error: a stable ``code`` for programs and a ``message`` for people (what to do next)."""

    error: ErrorDetail


class Page(Answer, Generic[T]):
    """A page of a list: ``items`` and how many there are in all (``total``)."""

    items: list[T]
    total: int


class Done(Answer):
    status: str


STANDARD_ERRORS: Mapping[int, str] = {
    400: "the request is malformed: the message names the field or parameter",
    401: "no valid access token: log in (or refresh the token) and try again",
    402: "not enough money on the balance or voucher",
    403: "the role may not do this, or a confirmation is missing or wrong",
    404: "not found",
    409: "the request conflicts with the current state: the message says what to do",
    413: "the body is larger than 1 MiB",
    422: "the request is well formed but cannot be carried out",
    429: "too many requests: wait as long as Retry-After says",
    503: "a service the hub needs is unavailable: try again shortly (Retry-After)",
    504: "the PC did not acknowledge in time",
}


@dataclass(frozen=True)
class Reply:
    """An answer with a status other than the route's default (e.g. 200 for an idempotent replay)."""

    data: Any
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)


def reply(data: Any, status: int, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(data, status, headers or {})


@dataclass(frozen=True)
class Declaration:
    model: type[BaseModel] | None
    statuses: tuple[int, ...]
    errors: Mapping[int, type[BaseModel]]
    file: str | tuple[str, ...] | None
    description: str


class AnswerMismatch(AssertionError):
    """The handler answered something other than what its route declares: a bug in the hub."""


def answers(
    model: type[BaseModel] | None,
    *,
    status: int = 200,
    also: Iterable[int] = (),
    errors: Iterable[int] | Mapping[int, type[BaseModel]] = (),
    file: str | tuple[str, ...] | None = None,
    description: str = "",
) -> Callable[[Handler], Handler]:
    """Declare the route's answer: ``model`` at ``status`` (and the ``also`` statuses), or a ``file`` of
    that media type; ``errors``: the error statuses the route itself can answer (others are implied)."""
    error_models = dict(errors) if isinstance(errors, Mapping) else dict.fromkeys(errors, ErrorAnswer)
    declaration = Declaration(
        model, (status, *also), error_models, file, description or ("OK" if status < 300 else "")
    )

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def answering(*args: Any, **kwargs: Any) -> Any:
            return build(declaration, await handler(*args, **kwargs))

        setattr(answering, DECLARATION, declaration)
        return answering

    return decorate


def build(declaration: Declaration, result: Any) -> HTTPResponse | None:
    """The HTTP response of a handler's result, checked against the declaration."""
    if result is None or isinstance(result, HTTPResponse):
        if declaration.file is None:
            raise AnswerMismatch("a JSON route returned a response of its own; return its data instead")
        return result
    answer = result if isinstance(result, Reply) else Reply(result, declaration.statuses[0])
    # A success answers the route's model; an error answered by the handler itself, its error model.
    model = (
        declaration.model if answer.status in declaration.statuses else declaration.errors.get(answer.status)
    )
    if model is None:
        raise AnswerMismatch(f"status {answer.status} is not declared (declared: {declaration.statuses})")
    data = answer.data
    try:
        if isinstance(data, model):
            valid = data
        else:
            if isinstance(data, BaseModel):
                data = data.model_dump()
            valid = model.model_validate(data)
    except ValidationError as exc:
        raise AnswerMismatch(f"the answer does not fit {model.__name__}: {exc}") from None
    return HTTPResponse(
        valid.model_dump_json(),
        status=answer.status,
        headers=dict(answer.headers),
        content_type="application/json",
    )


def declared_answer(handler: Any) -> Declaration | None:
    if isinstance(handler, functools.partial):
        handler = handler.args[0] if handler.args else handler.func
    value = getattr(handler, DECLARATION, None)
    return value if isinstance(value, Declaration) else None


# ---- the OpenAPI document -----------------------------------------------------------------------


def json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": answer_schema(model)}}


def answer_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The schema of what ``build`` answers: every property required (always present, maybe null) but
    those declared ``absent()``; no defaults (an answer has values, not defaults). A copy: the document
    keeps what it is given, and one model answers many routes (the error model every route)."""
    return copy.deepcopy(_answer_schema(model))


@functools.cache
def _answer_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema: dict[str, Any] = _every_field_present(openapi30(model.model_json_schema(mode="validation")))
    return schema


# Sanic Extensions evaluates the type hints of its own definition classes again for every object it
# builds (thousands as the hub starts: about a third of its start-up); a class's hints never change, so
# each class's are evaluated once.
openapi_types.get_type_hints = functools.cache(typing.get_type_hints)  # type: ignore[attr-defined,assignment]


def _every_field_present(node: Any) -> Any:
    if isinstance(node, list):
        return [_every_field_present(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _every_field_present(value) for key, value in node.items()}
    properties = out.get("properties")
    if isinstance(properties, dict) and out.get("type") == "object":
        out["required"] = [name for name, schema in properties.items() if not schema.get(ABSENT)]
        if not out["required"]:
            del out["required"]
        for schema in properties.values():
            if schema.pop(ABSENT, False):
                schema.pop("nullable", None)  # left out rather than null
            schema.pop("default", None)
    return out


def _document_websocket(route: Any, wrapper: functools.partial[Any]) -> None:
    """A WebSocket answers the upgrade, then sends its events as JSON text messages (README "API")."""
    summary = "The live feed: a WebSocket (?token=) sending PC, session and payment events as JSON"
    described = "Each message is a JSON object with a `type` (README, API: the WebSocket's events)."
    openapi.definition(summary=summary, description=described)(wrapper)
    _response(wrapper, 101, {}, "Switching Protocols: the events follow as JSON text messages")
    for status in sorted(_implied_errors(route, (), wrapper.args[0])):
        _response(wrapper, status, json_content(ErrorAnswer), STANDARD_ERRORS.get(status, "error"))


def _implied_errors(route: Any, methods: Iterable[str], handler: Any = None) -> set[int]:
    implied = {400, 503}
    if declared_access(handler or route.handler) not in (None, PUBLIC):
        implied |= {401, 403, 429}
    if BODY_METHODS & set(methods):
        implied.add(413)
    return implied


def document_answers(app: Sanic[Any, Any]) -> list[str]:
    """Write every API route's answers into the OpenAPI document; the ``METHOD /path`` of routes that
    declare none (the app factory refuses to start while there are any)."""
    undeclared: list[str] = []
    documented: set[int] = set()
    for route in app.router.routes:
        path = f"/{route.path}"
        if not path.startswith(API_PREFIX):
            continue
        handler = route.handler
        if isinstance(handler, functools.partial) and handler.args:  # a WebSocket
            _document_websocket(route, handler)
            continue
        declaration = declared_answer(handler)
        if declaration is None:
            undeclared += [f"{method} {path}" for method in sorted(route.methods) if method != "OPTIONS"]
            continue
        if id(handler) in documented:
            continue
        documented.add(id(handler))
        for status in declaration.statuses:
            if declaration.file is not None:
                binary = {"schema": {"type": "string", "format": "binary"}}
                media = (declaration.file,) if isinstance(declaration.file, str) else declaration.file
                content: dict[str, Any] = dict.fromkeys(media, binary)
            elif declaration.model is not None:
                content = json_content(declaration.model)
            _response(handler, status, content, declaration.description or "OK")
        errors: dict[int, type[BaseModel]] = dict.fromkeys(_implied_errors(route, route.methods), ErrorAnswer)
        errors.update(declaration.errors)
        for status in sorted(errors):
            _response(handler, status, json_content(errors[status]), STANDARD_ERRORS.get(status, "error"))
    return sorted(undeclared)


def _response(handler: Any, status: int, content: dict[str, Any], description: str) -> None:
    # Keyed by the status as text, as the document is written in JSON: the same document in-process.
    respond: Any = openapi.response
    respond(str(status), content, description)(handler)
