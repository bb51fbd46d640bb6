"""Specs on disk → validated resources and their canonical documents, with every problem collected.

A specs directory holds ``*.yaml``/``*.yml`` files (searched recursively); a file may hold several
documents. Each document names ``apiVersion: statesync/v1`` and a ``kind``; the rest is the
resource's fields. Nothing is reported one error at a time: all files are read, and every problem
of every file comes back as a :class:`Diagnostic` with file, line, column and field path.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from statesync.diagnostics import Diagnostic
from statesync.errors import SpecError
from statesync.kinds import KINDS, Document, ResourceKind
from statesync.specs import yamlload

SPEC_SUFFIXES = (".yaml", ".yml")
ENVELOPE = ("apiVersion", "kind")
SENSITIVE_VALUE = "(sensitive value)"


@dataclass(frozen=True)
class Spec:
    """One validated resource as the specs declare it, and where it was declared."""

    kind: ResourceKind
    key: str
    resource: BaseModel
    document: Document
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class SpecSet:
    """Every spec under a directory, and a digest of the files they came from."""

    root: Path
    specs: tuple[Spec, ...]
    files: int
    digest: str
    _by_kind: dict[str, dict[str, Spec]] = field(default_factory=dict, repr=False, compare=False)

    def by_key(self, kind_name: str) -> dict[str, Spec]:
        """Specs of one kind, keyed by their key field (``externalId`` for investors)."""
        if kind_name not in self._by_kind:
            self._by_kind[kind_name] = {s.key: s for s in self.specs if s.kind.name == kind_name}
        return self._by_kind[kind_name]


def discover(root: Path) -> list[Path]:
    """Spec files under ``root``, in a stable order; hidden directories are skipped.

    A directory that cannot be read raises :class:`SpecError`: its specs must not go missing
    silently, which would plan their release.
    """
    files, problems = _walk(root)
    if problems:
        raise SpecError(problems)
    return files


def _walk(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    if root.is_file():
        return [root], []
    problems: list[Diagnostic] = []

    def unreadable(exc: OSError) -> None:
        name = _display(Path(exc.filename)) if exc.filename else _display(root)
        problems.append(Diagnostic(name, 0, 0, "", f"cannot read the directory ({exc.strerror})"))

    found: list[Path] = []
    for directory, subdirectories, names in os.walk(root, onerror=unreadable, followlinks=True):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(".")]
        found.extend(
            path
            for path in (Path(directory, n) for n in names)
            if path.suffix in SPEC_SUFFIXES and not path.name.startswith(".") and path.is_file()
        )
    return sorted(found), problems


def load_specs(root: Path | str, kinds: Mapping[str, ResourceKind] = KINDS) -> SpecSet:
    """Load and validate every spec under ``root``; raise :class:`SpecError` with all problems."""
    base = Path(root)
    if not base.exists():
        raise SpecError([Diagnostic(str(base), 0, 0, "", "no such specs directory or file")])
    files, problems = _walk(base)
    hasher = hashlib.sha256()
    specs: list[Spec] = []
    shown = _display(base)
    for path in files:
        name = (
            shown
            if path == base
            else os.path.normpath(os.path.join(shown, os.path.relpath(path, base)))
        )
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Diagnostic(name, 1, 1, "", f"cannot read the file ({exc.strerror})"))
            continue
        hasher.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        try:
            # utf-8-sig: editors on Windows save a byte order mark, which is no part of a key.
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(Diagnostic(name, 1, 1, "", f"not UTF-8 text ({exc.reason})"))
            continue
        found, errors = load_text(text, name, kinds)
        specs.extend(found)
        problems.extend(errors)
    problems.extend(_duplicates(specs))
    if problems:
        raise SpecError(sorted(problems))
    return SpecSet(root=base, specs=tuple(specs), files=len(files), digest=hasher.hexdigest())


def load_text(
    text: str, filename: str, kinds: Mapping[str, ResourceKind] = KINDS
) -> tuple[list[Spec], list[Diagnostic]]:
    """The specs in one file's text and the problems found in it."""
    try:
        documents = yamlload.parse_documents(text)
    except yamlload.YamlProblem as problem:
        return [], [Diagnostic(filename, problem.line, problem.column, "", problem.message)]
    specs: list[Spec] = []
    pending: list[tuple[int, list[tuple[tuple[str | int, ...], str, bool]]]] = []
    for index, (line, raw) in enumerate(documents):
        spec, issues = _validate(raw, kinds)
        if issues:
            pending.append((index, issues))
        elif spec is not None:
            specs.append(Spec(spec.kind, spec.key, spec.resource, spec.document, filename, line))
    if not pending:
        return specs, []
    # Only a file with problems pays for the position-aware parse.
    nodes = yamlload.compose_documents(text)
    return specs, _diagnose(pending, nodes, [raw for _, raw in documents], filename)


def _validate(
    raw: Any, kinds: Mapping[str, ResourceKind]
) -> tuple[Spec | None, list[tuple[tuple[str | int, ...], str, bool]]]:
    """One document → a Spec, or its problems as (path, message, points-at-key)."""
    if not isinstance(raw, dict):
        return None, [((), f"a spec document must be a mapping, not {_yaml_type(raw)}", False)]
    # Checked before pydantic, which reports such keys at a mangled path ('None', True as 1).
    issues = _non_text_keys(raw, ())
    version, kind_name = raw.get("apiVersion"), raw.get("kind")
    kind = kinds.get(kind_name) if isinstance(kind_name, str) else None
    if kind_name is None:
        issues.append(((), f"missing 'kind' (one of: {', '.join(sorted(kinds))})", False))
    elif kind is None:
        known = ", ".join(sorted(kinds))
        issues.append((("kind",), f"unknown kind {kind_name!r} (one of: {known})", False))
    expected = kind.api_version if kind else "statesync/v1"
    if version is None:
        issues.append(((), f"missing 'apiVersion' (write apiVersion: {expected})", False))
    elif version != expected:
        message = f"unsupported apiVersion {version!r} (expected {expected})"
        issues.append((("apiVersion",), message, False))
    if kind is None or issues:
        return None, issues
    body = {k: v for k, v in raw.items() if k not in ENVELOPE}
    cross = [(loc, message, False) for loc, message in (kind.checks(body) if kind.checks else [])]
    try:
        resource = kind.model.model_validate(body)
    except ValidationError as exc:
        found = _explain(exc, body, kind.model, kind.sensitive_fields)
        reported = {loc for loc, _, _ in found}
        return None, found + [issue for issue in cross if issue[0] not in reported]
    if cross:
        return None, cross
    return Spec(kind, kind.key_of(resource), resource, kind.document_from(body), "", 0), []


def _non_text_keys(
    node: Any, path: tuple[str | int, ...]
) -> list[tuple[tuple[str | int, ...], str, bool]]:
    """Mapping keys YAML does not read as strings (``1:``, ``null:``, ``true:``), where written."""
    found: list[tuple[tuple[str | int, ...], str, bool]] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(_non_text_keys(item, (*path, index)))
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                found.extend(_non_text_keys(value, (*path, key)))
            elif key is None or isinstance(key, (bool, int, float)):
                written = _as_yaml(key)  # as YAML spells it, so the key's node is found
                message = f"a field name must be text, but YAML reads this as {_yaml_type(key)}"
                found.append(((*path, written), f"{message}: quote it", True))
            else:
                found.append((path, "a field name must be text, not a list or mapping", False))
    return found


def _explain(
    exc: ValidationError,
    body: dict[str, Any],
    model: type[BaseModel],
    sensitive: frozenset[str],
) -> list[tuple[tuple[str | int, ...], str, bool]]:
    """Pydantic's errors in the words a spec author needs, one per field.

    A sensitive field's value (a tax id, a date of birth) never appears in a message.
    """
    out: dict[tuple[str | int, ...], tuple[str, bool]] = {}
    for error in exc.errors(include_url=False):
        loc = _real_path(error["loc"], body)
        if loc in out:
            continue  # a union's members each complain; the first message says it
        message, at_key = _message(error, loc, model)
        if loc and loc[-1] in sensitive and error.get("input") is not None:
            # Messages show values as repr; a bare str() ("a", "1") would also match inside words.
            message = message.replace(repr(error["input"]), SENSITIVE_VALUE)
            message = message.replace(": quote it", ": quote it (value not shown: sensitive)")
        out[loc] = (message, at_key)
    return [(loc, message, at_key) for loc, (message, at_key) in out.items()]


def _real_path(loc: tuple[Any, ...], body: Any) -> tuple[str | int, ...]:
    """The part of pydantic's location that names data (union member tags dropped)."""
    path: list[str | int] = []
    node = body
    for step in loc:
        if isinstance(node, dict) and step in node:
            path.append(step)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int):
            path.append(step)
            node = node[step] if step < len(node) else None
        elif isinstance(node, dict) and isinstance(step, str) and path[-1:] != [step]:
            path.append(step)  # a missing or unknown key: name it
            node = None
        else:
            break
    return tuple(path)


def _message(error: Any, loc: tuple[str | int, ...], model: type[BaseModel]) -> tuple[str, bool]:
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_names(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown field {loc[-1]!r}{hint}", True
    if kind == "missing":
        return f"{loc[-1]!r} is required", False
    if kind == "string_type" and isinstance(value, (bool, int, float)):
        return f"expected a string, but YAML reads this as {_yaml_type(value)}: quote it", False
    if kind in ("bool_type", "bool_parsing"):
        return (
            f"expected a boolean (true or false), got {_yaml_type(value)} {_as_yaml(value)}",
            False,
        )
    if kind in ("int_type", "float_type"):
        return f"expected a number, got {_yaml_type(value)} {_as_yaml(value)}", False
    if kind == "literal_error":
        options = error["ctx"]["expected"]
        if isinstance(value, str):
            return f"{value!r} is not one of {options}", False
        return f"expected one of {options}, but YAML reads this as {_yaml_type(value)}", False
    if kind in ("string_too_long", "too_long") and isinstance(value, str):
        limit = error["ctx"]["max_length"]
        return f"{len(value)} characters is longer than the {limit} the API allows", False
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        # Only keys have a pattern: they end up in the API's URL paths and JSON pointers.
        return f"{value!r} cannot be a key: no spaces, '/', '?', '#' or '%'", False
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of fields, got {_yaml_type(value)}", False
    if kind == "list_type":
        return f"expected a list, got {_yaml_type(value)}", False
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[0].lower() + message[1:] if message else kind, False


def _allowed_names(model: type[BaseModel], path: tuple[str | int, ...]) -> list[str]:
    from statesync.kinds.base import _nested_model

    current: type[BaseModel] | None = model
    for step in path:
        if current is None or isinstance(step, int):
            continue
        info = next((i for a, i in current.model_fields.items() if (i.alias or a) == step), None)
        current = _nested_model(info.annotation) if info else None
    if current is None:
        return []
    return [info.alias or attr for attr, info in current.model_fields.items()]


def _as_yaml(value: Any) -> str:
    """A scalar as YAML spells it (``true``, not ``True``), strings quoted."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)


def _yaml_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _field_path(loc: Iterable[str | int], body: Any) -> str:
    """``address[Legal].countryIsoCode``: list items by their key where they have one."""
    text = ""
    node = body
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and step < len(node) else None
            label = item.get("type") if isinstance(item, dict) else None
            text += f"[{label}]" if isinstance(label, str) else f"[{step}]"
            node = item
        else:
            text += f".{step}" if text else str(step)
            node = node.get(step) if isinstance(node, dict) else None
    return text


def _diagnose(
    pending: list[tuple[int, list[tuple[tuple[str | int, ...], str, bool]]]],
    nodes: list[yaml.Node],
    documents: list[Any],
    filename: str,
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for index, issues in pending:
        root = nodes[index] if index < len(nodes) else None
        raw = documents[index]
        for loc, message, at_key in issues:
            line, column = (1, 1)
            text = message
            if root is not None:
                node = yamlload.node_at(root, loc, key=at_key)
                line, column = yamlload.position(node)
                written = yamlload.source_text(node)
                if message.endswith(": quote it") and written is not None:
                    text = f'{message} as "{written}"'
            out.append(Diagnostic(filename, line, column, _field_path(loc, raw), text))
    return out


def _duplicates(specs: list[Spec]) -> list[Diagnostic]:
    first: dict[tuple[str, str], Spec] = {}
    out: list[Diagnostic] = []
    for spec in specs:
        seen = first.setdefault((spec.kind.name, spec.key), spec)
        if seen is not spec:
            out.append(
                Diagnostic(
                    spec.file,
                    spec.line,
                    1,
                    spec.kind.key_field,
                    f"duplicate {spec.kind.key_field} {spec.key!r}: also declared at {seen.where}",
                )
            )
    return out


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
