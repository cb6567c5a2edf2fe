"""Request bodies in the OpenAPI document are self-contained OpenAPI 3.0 schemas."""

from __future__ import annotations

import json
from typing import Any

from hub.api.schema import json_body
from hub.money.requests import PaymentRequest
from protocol import TariffSpec


def walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in walk(item)]
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in walk(value))]
    return []


def test_nested_models_are_inlined_and_bounds_are_openapi_30() -> None:
    schema = json_body(PaymentRequest)["application/json"]
    assert "$ref" not in json.dumps(schema)
    assert "$defs" not in schema
    item = schema["properties"]["items"]["items"]
    assert set(item["properties"]) == {"product_id", "quantity"}  # SaleItem, inlined
    amount = schema["properties"]["amount"]  # optional: an integer or null, as OpenAPI 3.0 writes it
    assert (amount["type"], amount["nullable"]) == ("integer", True)
    assert (amount["minimum"], amount["exclusiveMinimum"], amount["maximum"]) == (0, True, 10**15)
    assert '"null"' not in json.dumps(schema)
    for node in walk(schema):
        assert not isinstance(node.get("exclusiveMinimum"), int) or isinstance(node["exclusiveMinimum"], bool)
        assert "const" not in node


def test_models_nested_two_levels_deep_are_inlined() -> None:
    schema = json_body(TariffSpec)["application/json"]
    assert "$ref" not in json.dumps(schema)
    windows = schema["properties"]["windows"]["items"]
    assert "start_minute" in windows["properties"]
