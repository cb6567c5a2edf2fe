"""Request bodies and parameters in the OpenAPI document: pydantic's JSON Schema turned into what
OpenAPI 3.0 reads.

Pydantic writes JSON Schema 2020-12: nested models as ``$ref`` to ``#/$defs/...`` (which, inside an
OpenAPI document, point nowhere), ``exclusiveMinimum`` as a number, ``const``, and ``X | None`` as an
``anyOf`` with ``{"type": "null"}``. OpenAPI 3.0 wants the definitions reachable, ``exclusiveMinimum`` as
a flag beside ``minimum``, ``enum``, and ``nullable: true``. Each body is
made self-contained here, so client generators and fuzzers (schemathesis) read every route.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

Schema = dict[str, Any]


def json_body(model: type[BaseModel]) -> dict[str, Schema]:
    """``body=`` for ``openapi.definition``: the model's schema, inlined and in OpenAPI 3.0 terms."""
    return {"application/json": openapi30(model.model_json_schema())}


def openapi30(schema: Schema) -> Schema:
    """A pydantic JSON Schema, self-contained and in OpenAPI 3.0 terms."""
    definitions: dict[str, Schema] = schema.get("$defs", {})
    converted: Schema = _openapi30({k: v for k, v in schema.items() if k != "$defs"}, definitions)
    return converted


def _openapi30(node: Any, definitions: dict[str, Schema]) -> Any:
    if isinstance(node, list):
        return [_openapi30(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        inlined = {
            **definitions[reference.removeprefix("#/$defs/")],
            **{k: v for k, v in node.items() if k != "$ref"},
        }
        return _openapi30(inlined, definitions)
    out = {key: _openapi30(value, definitions) for key, value in node.items()}
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), (int, float)) and not isinstance(out.get(bound), bool):
            out[flag] = out.pop(bound)
            out[bound] = True
    if "const" in out:
        out["enum"] = [out.pop("const")]
    return _nullable(out)


def _nullable(node: Schema) -> Schema:
    """``anyOf: [X, {"type": "null"}]`` (pydantic's ``X | None``) as OpenAPI 3.0 writes it: X, nullable."""
    options = node.get("anyOf")
    if not isinstance(options, list) or {"type": "null"} not in options:
        return node
    kept = [option for option in options if option != {"type": "null"}]
    rest = {key: value for key, value in node.items() if key != "anyOf"}
    if len(kept) == 1 and not set(kept[0]) & set(rest):
        return {**kept[0], **rest, "nullable": True}
    return {**rest, "anyOf": kept, "nullable": True}
