"""What every resource kind provides, and the canonical document form that plans and state share.

A resource's *document* is its managed fields as JSON, keyed by API name, without the key field:
omitted fields are absent, ``null`` fields are present with ``None``. Keyed lists (an investor's
addresses, keyed by ``type``) become maps keyed by that key, so a patch path such as
``/address/Legal/city`` is stable whatever order the spec lists them in.
"""

from __future__ import annotations

import functools
import hashlib
import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

Document = dict[str, Any]
Check = Callable[[Mapping[str, Any]], list[tuple[tuple[str | int, ...], str]]]


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``Model | None`` or ``list[Model] | None``, if any."""
    for arg in typing.get_args(annotation) or (annotation,):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        if typing.get_origin(arg) is list or isinstance(arg, types.GenericAlias):
            inner = _nested_model(arg)
            if inner is not None:
                return inner
    return None


@dataclass(frozen=True)
class ResourceKind:
    """A kind of resource statesync manages: its model, key, keyed lists and sensitive fields."""

    name: str
    model: type[BaseModel]
    key_field: str
    keyed_lists: Mapping[str, str] = field(default_factory=dict)
    checks: Check | None = None
    api_version: str = "statesync/v1"

    @functools.cached_property
    def sensitive_fields(self) -> frozenset[str]:
        """API names of the fields whose values are never shown or stored in plain text.

        Cached: walking the model takes ~0.7 ms, and redaction asks once per resource.
        """
        return frozenset(_sensitive(self.model))

    def to_document(self, resource: BaseModel) -> Document:
        """The canonical document of a validated resource (managed fields only, key left out)."""
        raw = resource.model_dump(by_alias=True, exclude_unset=True, mode="json")
        return self.document_from(raw)

    def document_from(self, body: Document) -> Document:
        """The canonical document of a spec body that validated (strict: no value was coerced)."""
        return self._canonical(self.model, {k: v for k, v in body.items() if k != self.key_field})

    def key_of(self, resource: BaseModel) -> str:
        value = getattr(resource, _attr_for_alias(self.model, self.key_field))
        assert isinstance(value, str)
        return value

    def to_listed(self, document: Document) -> Document:
        """The inverse of the keyed-list step: maps keyed by ``type`` back to API lists."""
        out = dict(document)
        for name, key in self.keyed_lists.items():
            if isinstance(out.get(name), dict):
                out[name] = [{key: k, **v} for k, v in out[name].items()]
        return out

    def _canonical(self, model: type[BaseModel], raw: Document) -> Document:
        out = dict(raw)
        for alias, nested in _groups(model).items():
            if alias not in out:
                continue
            value = out[alias]
            if alias in self.keyed_lists:
                key = self.keyed_lists[alias]
                if value is not None:
                    out[alias] = {
                        item[key]: self._canonical(nested, _without(item, key)) for item in value
                    }
            elif value is None:
                # A group set to null manages every field in it as empty.
                out[alias] = dict.fromkeys(_groups(nested) | _leaves(nested))
            else:
                out[alias] = self._canonical(nested, value)
        return out


@functools.cache
def _groups(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The fields that hold a group or a keyed list, by API name, with the model inside."""
    found = {
        (info.alias or attr): _nested_model(info.annotation)
        for attr, info in model.model_fields.items()
    }
    return {alias: nested for alias, nested in found.items() if nested is not None}


@functools.cache
def _leaves(model: type[BaseModel]) -> dict[str, None]:
    """The plain fields of a model, by API name, in declaration order."""
    groups = _groups(model)
    return {
        (info.alias or attr): None
        for attr, info in model.model_fields.items()
        if (info.alias or attr) not in groups
    }


def _without(item: Document, key: str) -> Document:
    return {k: v for k, v in item.items() if k != key}


def _attr_for_alias(model: type[BaseModel], alias: str) -> str:
    for attr, info in model.model_fields.items():
        if (info.alias or attr) == alias:
            return attr
    raise KeyError(alias)


def _sensitive(model: type[BaseModel]) -> list[str]:
    names: list[str] = []
    for attr, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("x-sensitive"):
            names.append(info.alias or attr)
        nested = _nested_model(info.annotation)
        if nested is not None:
            names.extend(_sensitive(nested))
    return names


def canonical_json(document: Any) -> str:
    """One text for one document: sorted keys, no spaces, so digests compare documents."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(document: Any) -> str:
    """SHA-256 of the canonical JSON: equal documents, equal digests."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()
