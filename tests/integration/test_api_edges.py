"""The edges of every API request: query parameters bounded and declared, ids in paths restricted, bodies
limited to 1 MiB. The routes come from the app's own router, so a route added later is walked too."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from hub.api.query import MAX_OFFSET, query_parameters
from icafe.stack import LocalStack

from .route_table import ApiRoute, api_routes

ROUTES = api_routes()
READS = [r for r in ROUTES if r.method == "GET" and not r.websocket]
WITH_QUERY = [r for r in READS if r.query.model_fields]
HUGE = "9223372036854775808"  # 2^63: one past what MongoDB's 64-bit integers hold
# Good values for the few required query parameters (a quote's length, a PC's signed package link), sent
# beside the one tried, so the error is about that one.
REQUIRED_SAMPLES = {"pc": "pc-1", "expires": "1", "sig": "0" * 64, "minutes": "30"}


def bad_values(schema: dict[str, Any]) -> list[str]:
    """Values a parameter of this (OpenAPI) schema must refuse."""
    if "anyOf" in schema:  # a time: epoch milliseconds or ISO 8601
        return [str(10**20), HUGE, "-1", "yesterday", "2026-11-25T00:00", "1" * 5000, ""]
    if "enum" in schema:
        return ["no-such-value", ""]
    if schema.get("type") == "integer":
        return [HUGE, "-1", str(schema["maximum"] + 1), "1.5", "ten", "1" * 5000, ""]
    if schema.get("type") == "boolean":
        return ["maybe", ""]
    if schema.get("maxLength", 0) > 64:  # free text (a search): any letters and spaces, not controls
        return ["a\x00b", "x" * (schema["maxLength"] + 1), ""]
    return ["a\x00b", "x" * 65, "a b", "ü", ""]  # an id-like name


def describe(route: ApiRoute) -> str:
    return f"{route.method} {route.template}"


def test_the_walk_covers_the_list_routes() -> None:
    listed = {r.template for r in WITH_QUERY}
    assert {
        "/api/v1/pcs",
        "/api/v1/payments",
        "/api/v1/audit",
        "/api/v1/sessions",
        "/api/v1/members",
    } <= listed
    assert len([r for r in WITH_QUERY if "offset" in r.query.model_fields]) >= 10


def test_every_query_parameter_out_of_bounds_is_a_clear_400(api: httpx.Client) -> None:
    wrong = []
    for route in WITH_QUERY:
        path = route.path().removeprefix("/api/v1")
        required = [
            field.alias or key for key, field in route.query.model_fields.items() if field.is_required()
        ]
        for parameter in query_parameters(route.query):
            name, schema = parameter.fields["name"], parameter.fields["schema"].serialize()
            others = {other: REQUIRED_SAMPLES[other] for other in required if other != name}
            for value in bad_values(schema):
                response = api.get(path, params={**others, name: value})
                error = response.json().get("error", {}) if response.status_code < 500 else {}
                if response.status_code != 400 or not error.get("message", "").startswith(f"{name}:"):
                    wrong.append(f"{describe(route)} ?{name}={value[:30]!r}: {response.status_code} {error}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("route", READS, ids=describe)
def test_unknown_and_repeated_parameters_are_refused(api: httpx.Client, route: ApiRoute) -> None:
    path = route.path().removeprefix("/api/v1")
    unknown = api.get(path, params={"no_such_parameter": "1"})
    assert unknown.status_code == 400, unknown.text
    assert "unknown query parameter" in unknown.json()["error"]["message"]
    if route.query.model_fields:
        name = next(iter(route.query.model_fields.values())).alias or next(iter(route.query.model_fields))
        repeated = api.get(path, params=[(name, "1"), (name, "1")])
        assert repeated.status_code == 400
        assert repeated.json()["error"]["message"] == f"{name}: give it once"


def test_the_largest_offset_and_oldest_time_are_answered(api: httpx.Client) -> None:
    assert api.get("/payments", params={"offset": MAX_OFFSET}).json()["items"] == []
    assert api.get("/audit", params={"offset": MAX_OFFSET, "since": 0}).json()["items"] == []
    everything = api.get("/payments", params={"from": "1970-01-01T00:00Z", "to": "9999-12-31T23:59:59Z"})
    assert everything.status_code == 200
    assert everything.json()["total"] == api.get("/payments").json()["total"]


def test_the_openapi_document_declares_every_parameter(stack: LocalStack) -> None:
    document = httpx.get(f"{stack.api_url}/docs/openapi.json").json()
    missing = []
    for route in READS + [r for r in ROUTES if r.method != "GET"]:
        template = route.template.replace(":str>", ">").replace("<", "{").replace(">", "}")
        operation = document["paths"][template][route.method.lower()]
        declared = {(p["name"], p["in"]): p for p in operation.get("parameters", [])}
        for name in route.params:
            parameter = declared.get((name, "path"))
            if parameter is None or parameter["schema"].get("pattern") is None:
                missing.append(f"{describe(route)}: path {name}")
        for field_name, field in route.query.model_fields.items():
            if (field.alias or field_name, "query") not in declared:
                missing.append(f"{describe(route)}: query {field.alias or field_name}")
    assert not missing, missing
    offset = next(
        p for p in document["paths"]["/api/v1/payments"]["get"]["parameters"] if p["name"] == "offset"
    )
    assert offset["schema"] == {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}
    assert "#/$defs/" not in json.dumps(document)


@pytest.mark.parametrize("bad", ["a\x00b", "x" * 65, "tab\there", "sémaphore", "semi;colon"])
def test_ids_in_paths_follow_one_rule(api: httpx.Client, bad: str) -> None:
    bad = quote(bad, safe="")
    for path in (f"/pcs/{bad}", f"/members/{bad}", f"/sessions/{bad}/price", f"/users/{bad}"):
        response = api.get(path)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["error"]["code"] == "bad_id"
        assert "ids are 1 to 64 letters, digits or _ . : -" in response.json()["error"]["message"]


def test_a_group_id_is_validated_before_anything_is_created(api: httpx.Client) -> None:
    tariff = api.get("/tariffs").json()["items"][0]["id"]
    for bad in ("bad\x01id", "with space", "x" * 65):
        refused = api.put(f"/groups/{quote(bad, safe='')}", json={"name": "Bad", "tariff_id": tariff})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "bad_id"
    groups = {g["id"] for g in api.get("/groups").json()["items"]}
    assert not any("\x01" in g or " " in g or len(g) > 64 for g in groups)
    good = f"zone-{uuid.uuid4().hex[:6]}"
    assert api.put(f"/groups/{good}", json={"name": "Good", "tariff_id": tariff}).status_code == 200


def test_bodies_over_one_mib_are_refused_with_413(api: httpx.Client) -> None:
    limit = 1024 * 1024
    big = {"login": f"big{uuid.uuid4().hex[:6]}", "name": "x" * limit, "secret": "1234"}
    response = api.post("/members", content=json.dumps(big).encode())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payloadtoolarge"
    # Just under the limit is read (and refused for what it says, not for its size).
    near = {"login": f"big{uuid.uuid4().hex[:6]}", "name": "x" * (limit - 200), "secret": "1234"}
    assert api.post("/members", content=json.dumps(near).encode()).status_code == 400


def test_a_method_a_route_does_not_take_is_405_with_allow(api: httpx.Client) -> None:
    for method, path, allowed in (("DELETE", "/pcs", {"GET"}), ("TRACE", "/groups/zone-1", {"PUT"})):
        response = api.request(method, path)
        assert response.status_code == 405
        assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
