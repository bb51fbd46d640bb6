"""The investor PATCH wire body: a plan's RFC 6902 patch in the shape SEI's sample shows.

SEI does not take RFC 6902 operations. It takes a JSON array holding one partial investor
document: ``externalId`` plus only the changed fields, in their groups (``name``, ``frozen``,
``cftcNfa``), each address identified by its ``type``, and ``"??NULL??"`` for a field to clear::

    [{"externalId": "INV-1001", "name": {"fullName": "Jane Doe"},
      "address": [{"type": "Legal", "city": "Crown Point", "addressLine2": "??NULL??"}]}]

Plans speak the canonical form (``/address/Legal/city``); :func:`to_wire` is the one place that
crosses over, and :func:`from_wire` is its inverse (the emulator and tests read bodies with it).
A whole group or address set or cleared in one operation is first expanded to one operation per
field (:func:`leaf_ops`), which is also what :func:`from_wire` gives back.
"""

from __future__ import annotations

import typing
from typing import Any

from jsonpointer import escape, unescape
from pydantic import BaseModel

from statesync.errors import WireError
from statesync.kinds.base import ResourceKind
from statesync.kinds.fields import NULL_SENTINEL

Op = dict[str, Any]


def to_wire(kind: ResourceKind, external_id: str, ops: list[Op]) -> list[dict[str, Any]]:
    """The PATCH body that makes SEI apply ``ops`` (canonical RFC 6902) to ``external_id``."""
    document: dict[str, Any] = {kind.key_field: external_id}
    for op in leaf_ops(kind, ops):
        path = _segments(op["path"])
        value = NULL_SENTINEL if op["op"] == "remove" or op["value"] is None else op["value"]
        head = path[0]
        if head in kind.keyed_lists:
            key = kind.keyed_lists[head]
            entries = document.setdefault(head, [])
            entry = next((e for e in entries if e[key] == path[1]), None)
            if entry is None:
                entry = {key: path[1]}
                entries.append(entry)
            if len(path) == 3:
                entry[path[2]] = value
        elif len(path) == 2:
            document.setdefault(head, {})[path[1]] = value
        else:
            document[head] = value
    return [document]


def from_wire(kind: ResourceKind, body: Any) -> tuple[str, list[Op]]:
    """The external id and per-field canonical ops a wire body carries, in body order.

    A value becomes ``replace``, ``"??NULL??"`` becomes ``remove``. Raises WireError naming the
    first problem when ``body`` is not the shape SEI documents.
    """
    if not isinstance(body, list) or len(body) != 1 or not isinstance(body[0], dict):
        raise WireError("the body must be a JSON array holding exactly one investor object")
    document: dict[str, Any] = body[0]
    external_id = document.get(kind.key_field)
    if not isinstance(external_id, str) or not external_id:
        raise WireError(f"{kind.key_field} is required and must be a string", field=kind.key_field)
    ops: list[Op] = []
    fields = _fields(kind.model)
    for name, value in document.items():
        if name == kind.key_field:
            continue
        if name not in fields:
            raise WireError(f"{name!r} is not a field of {kind.name}", field=name)
        group = _group(fields[name])
        if name in kind.keyed_lists:
            assert group is not None
            ops.extend(_keyed_ops(kind.keyed_lists[name], name, group, value))
        elif group is not None:
            if not isinstance(value, dict):
                raise WireError(f"{name!r} must be an object of its fields", field=name)
            ops.extend(_group_ops(f"/{escape(name)}", group, value, name))
        else:
            ops.append(_leaf(f"/{escape(name)}", value, name))
    return external_id, ops


def leaf_ops(kind: ResourceKind, ops: list[Op]) -> list[Op]:
    """``ops`` with every group-valued or group-clearing op expanded to one op per field.

    ``add``/``replace`` of an object sets each field it holds (``None`` clears it); ``remove``
    (or a ``None`` value) of a group or an address clears every field the model gives it.
    """
    out: list[Op] = []
    for op in ops:
        if op.get("op") not in ("add", "replace", "remove"):
            raise WireError(
                f"operation {op.get('op')!r} has no investor wire form", field=op.get("path")
            )
        path = op["path"]
        value = None if op["op"] == "remove" else op.get("value")
        out.extend(_expand(path, _fields_at(kind, _segments(path), path), value))
    return out


def _expand(path: str, fields: dict[str, Any] | None, value: Any) -> list[Op]:
    """Leaf ops for ``value`` at ``path``; ``fields`` is the group there, ``None`` for a field."""
    if fields is None:
        if value is None:
            return [{"op": "remove", "path": path}]
        return [{"op": "replace", "path": path, "value": value}]
    if value is None:
        return [{"op": "remove", "path": f"{path}/{escape(name)}"} for name in fields]
    if not isinstance(value, dict):
        raise WireError(f"{path} is a group: its value must be an object", field=path)
    ops: list[Op] = []
    for name, inner in value.items():
        if name not in fields:
            raise WireError(f"{path}: {name!r} is not a field there", field=f"{path}/{name}")
        group = _group(fields[name])
        ops.extend(
            _expand(f"{path}/{escape(name)}", None if group is None else _fields(group), inner)
        )
    return ops


def _fields_at(kind: ResourceKind, segments: list[str], path: str) -> dict[str, Any] | None:
    """The fields of the group at ``path`` (an address: without its key); ``None`` for a field."""
    fields = _fields(kind.model)
    head = segments[0]
    if head not in fields:
        raise WireError(f"{path}: {head!r} is not a field of {kind.name}", field=path)
    group = _group(fields[head])
    if head in kind.keyed_lists:
        assert group is not None
        key = kind.keyed_lists[head]
        if len(segments) == 1:
            raise WireError(
                f"{path}: the wire body names each {head} by its {key}; "
                f"set or clear {head} entries one by one",
                field=path,
            )
        group_fields: dict[str, Any] | None = {k: v for k, v in _fields(group).items() if k != key}
        rest = segments[2:]
    else:
        group_fields = None if group is None else _fields(group)
        rest = segments[1:]
    if not rest:
        return group_fields
    if len(rest) != 1 or group_fields is None or rest[0] not in group_fields:
        raise WireError(f"{path}: no such field", field=path)
    return None


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """API name → annotation of every field of ``model``."""
    return {(info.alias or attr): info.annotation for attr, info in model.model_fields.items()}


def _group(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``Model | None`` or ``list[Model] | None``, if the field is a group."""
    for arg in typing.get_args(annotation) or (annotation,):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _group(arg) if typing.get_origin(arg) is list else None
        if inner is not None:
            return inner
    return None


def _keyed_ops(key: str, name: str, model: type[BaseModel], value: Any) -> list[Op]:
    if not isinstance(value, list):
        raise WireError(f"{name!r} must be an array of objects, each with its {key!r}", field=name)
    ops: list[Op] = []
    fields = {k: v for k, v in _fields(model).items() if k != key}
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get(key), str) or not entry[key]:
            raise WireError(f"{name}[{index}] must be an object with a {key!r}", field=name)
        base = f"/{escape(name)}/{escape(entry[key])}"
        label = f"{name}[{index}]"
        for field, inner in entry.items():
            if field == key:
                continue
            if field not in fields:
                raise WireError(
                    f"{label}: {field!r} is not a field of {name}", field=f"{name}.{field}"
                )
            ops.append(_leaf(f"{base}/{escape(field)}", inner, f"{name}.{field}"))
    return ops


def _group_ops(base: str, model: type[BaseModel], value: dict[str, Any], name: str) -> list[Op]:
    fields = _fields(model)
    ops: list[Op] = []
    for field, inner in value.items():
        if field not in fields:
            raise WireError(f"{field!r} is not a field of {name}", field=f"{name}.{field}")
        ops.append(_leaf(f"{base}/{escape(field)}", inner, f"{name}.{field}"))
    return ops


def _leaf(path: str, value: Any, label: str) -> Op:
    if isinstance(value, dict | list):
        raise WireError(f"{label} takes a single value, not an object or array", field=label)
    if value == NULL_SENTINEL:
        return {"op": "remove", "path": path}
    return {"op": "replace", "path": path, "value": value}


def _segments(path: str) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        raise WireError(f"{path!r} is not a JSON pointer to a field", field=str(path))
    return [unescape(part) for part in path[1:].split("/")]
