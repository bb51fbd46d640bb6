"""JSON Schema of spec documents, so editors can complete and check specs as they are typed."""

from __future__ import annotations

from typing import Any

from statesync.kinds import KINDS, ResourceKind


def kind_schema(kind: ResourceKind) -> dict[str, Any]:
    """One kind's document: its model's fields plus the ``apiVersion``/``kind`` envelope."""
    body = kind.model.model_json_schema(by_alias=True, mode="validation")
    body["properties"] = {
        "apiVersion": {"const": kind.api_version},
        "kind": {"const": kind.name},
        **body["properties"],
    }
    body["required"] = ["apiVersion", "kind", *body.get("required", [])]
    return body


def spec_schema(kind_name: str | None = None) -> dict[str, Any]:
    """The schema of a spec document of ``kind_name``, or of any kind."""
    kinds = [KINDS[kind_name]] if kind_name else list(KINDS.values())
    schemas = [kind_schema(kind) for kind in kinds]
    if len(schemas) == 1:
        only = schemas[0]
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **only}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "statesync spec document",
        "oneOf": schemas,
    }
