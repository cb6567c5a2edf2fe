"""Answers built from their declaration (hub.api.answers): what a route answers is what it declares, and
the OpenAPI document carries every route's answers and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sanic import Blueprint, Sanic

from hub.api.answers import (
    Answer,
    AnswerMismatch,
    ErrorAnswer,
    Page,
    absent,
    answer_schema,
    answers,
    build,
    declared_answer,
    document_answers,
    reply,
)
from hub.api.guard import requires
from hub.api_document import openapi_document
from hub.auth.permissions import Permission


class Item(Answer):
    id: str
    note: str | None
    extra_info: int | None = absent("only sometimes")


class Wrapped(ErrorAnswer):
    detail: int


def declaration(**kwargs: Any) -> Any:
    @answers(Item, **kwargs)
    async def handler() -> None:
        return None

    found = declared_answer(handler)
    assert found is not None
    return found


def body(response: Any) -> Any:
    return json.loads(response.body)


def test_an_answer_is_validated_and_serialised_with_absent_fields_left_out() -> None:
    plain = build(declaration(), {"id": "a", "note": None})
    assert (plain.status, body(plain)) == (200, {"id": "a", "note": None})
    full = build(declaration(status=201), {"id": "b", "note": "x", "extra_info": 3})
    assert (full.status, body(full)) == (201, {"id": "b", "note": "x", "extra_info": 3})


@pytest.mark.parametrize(
    "data",
    [
        {"id": "a"},  # a field left out
        {"id": "a", "note": None, "surprise": 1},  # a field not declared
        {"id": 5, "note": None, "extra_info": "many"},  # a wrong type
    ],
)
def test_an_answer_that_does_not_fit_its_declaration_is_a_bug_not_an_answer(data: dict[str, Any]) -> None:
    with pytest.raises(AnswerMismatch):
        build(declaration(), data)


def test_statuses_are_the_declared_ones_and_errors_use_their_own_model() -> None:
    declared = declaration(status=201, also=(200,), errors={504: Wrapped})
    assert build(declared, reply({"id": "a", "note": None}, 200)).status == 200
    timed_out = {"error": {"code": "late", "message": "too late"}, "detail": 1}
    assert body(build(declared, reply(timed_out, 504))) == timed_out
    with pytest.raises(AnswerMismatch):
        build(declared, reply({"id": "a", "note": None}, 202))
    with pytest.raises(AnswerMismatch):
        build(declaration(), None)  # a JSON route must answer JSON


def test_the_schema_requires_every_field_but_the_absent_ones_and_has_no_defaults() -> None:
    schema = answer_schema(Page[Item])
    item = schema["properties"]["items"]["items"]
    assert item["required"] == ["id", "note"]
    assert item["properties"]["note"] == {"type": "string", "title": "Note", "nullable": True}
    assert item["properties"]["extra_info"]["type"] == "integer"
    assert "nullable" not in item["properties"]["extra_info"]
    assert "default" not in json.dumps(schema)
    assert "$defs" not in json.dumps(schema)


def test_a_route_without_a_declared_answer_is_reported() -> None:
    app = Sanic("answers_check")
    bp = Blueprint("demo", url_prefix="/api/v1/demo")

    @bp.get("/silent")
    @requires(Permission.PCS_READ)
    async def silent(request: Any) -> Any:
        return {}

    @bp.get("/declared")
    @requires(Permission.PCS_READ)
    @answers(Item, errors=(404,))
    async def declared(request: Any) -> Any:
        return {"id": "a", "note": None}

    app.blueprint(bp)
    assert document_answers(app) == ["GET /api/v1/demo/silent"]


def test_the_document_declares_every_operations_answers_and_errors() -> None:
    document = openapi_document()
    missing = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            statuses = {str(status) for status in operation.get("responses", {})}
            success = {s for s in statuses if s.startswith("2") or s == "101"}
            if not success or "default" in statuses or not {"400", "503"} <= statuses:
                missing.append(f"{method.upper()} {path}: {sorted(statuses)}")
            for status, response in operation["responses"].items():
                if str(status).startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert "error" in schema["required"], (path, status)
    assert not missing, missing
    me = document["paths"]["/api/v1/auth/me"]["get"]["responses"]
    assert {"401", "403", "429"} <= {str(status) for status in me}
    member = {
        str(status): answer
        for status, answer in document["paths"]["/api/v1/members/{member_id}"]["get"]["responses"].items()
    }
    schema = member["200"]["content"]["application/json"]["schema"]
    assert {"id", "login", "phone", "balance", "entries"} <= set(schema["required"])
    assert schema["properties"]["phone"]["nullable"] is True
