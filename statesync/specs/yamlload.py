"""The one place that parses YAML: YAML 1.2 semantics, fast, with positions when something is wrong.

The fast path is ``yaml-rs`` (Rust, YAML 1.2 core schema: ``No`` stays a string, ``06103`` is
never octal, duplicate keys are errors). It reports no positions for values, so a file that fails
validation is parsed a second time by PyYAML's C composer, which keeps every node's line and
column; only that slow path pays for positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
import yaml_rs

_ERROR_AT = re.compile(r"line (\d+), column (\d+)")
_INVALID_TAG = re.compile(r"Invalid tag: '(.+)'$")
_DOC_START = re.compile(r"^---(?:[ \t]|$)", re.MULTILINE)
_Composer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A file that is not well-formed YAML (or has a duplicate key), with its position."""

    line: int
    column: int
    message: str


def parse_documents(text: str) -> list[tuple[int, Any]]:
    """Each non-empty document of a YAML stream with its first line, strings kept as written."""
    try:
        loaded = yaml_rs.loads(text, parse_datetime=False)
    except yaml_rs.YAMLDecodeError as exc:
        raise _locate_problem(text, str(exc)) from None
    if loaded is None:
        return []
    lines = text.splitlines()
    content = (i for i, line in enumerate(lines, 1) if line.strip() and line[0] not in "#%")
    first = next(content, 0)
    explicit_first = first > 0 and lines[first - 1].startswith("---")
    first = first or 1
    marker_lines = [text.count("\n", 0, m.start()) + 1 for m in _DOC_START.finditer(text)]
    # yaml-rs returns a list both for a stream of documents and for one top-level sequence:
    # it is a stream when there are document markers enough to start each item.
    starts = ([] if explicit_first else [first]) + [line + 1 for line in marker_lines]
    if isinstance(loaded, list) and len(starts) >= len(loaded) > 1:
        return [(line, doc) for line, doc in zip(starts, loaded, strict=False) if doc is not None]
    return [(starts[0], loaded)]


def _locate_problem(text: str, message: str) -> YamlProblem:
    first = message.splitlines()[0]
    found = _ERROR_AT.search(first)
    if found:
        detail = message.strip().splitlines()[-1].strip()
        return YamlProblem(int(found.group(1)), int(found.group(2)), f"invalid YAML: {detail}")
    tag = _INVALID_TAG.match(first)
    at = text.find(tag.group(1)) if tag else -1
    if tag and at >= 0:
        # yaml-rs names the tag but not where it is: the first place it is written.
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        return YamlProblem(line, column, f"unsupported YAML tag {tag.group(1)}: remove it")
    if first.startswith("duplicate mapping key"):
        for line, column, key, first_line in _duplicate_keys(text):
            return YamlProblem(line, column, f"duplicate key {key!r} (first at line {first_line})")
    return YamlProblem(1, 1, f"invalid YAML: {first}")


def _duplicate_keys(text: str) -> list[tuple[int, int, str, int]]:
    found: list[tuple[int, int, str, int]] = []
    for root in compose_documents(text):
        stack: list[yaml.Node] = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen: dict[str, int] = {}
                for key, value in node.value:
                    name = str(key.value)
                    if name in seen:
                        line, column = position(key)
                        found.append((line, column, name, seen[name]))
                    seen.setdefault(name, key.start_mark.line + 1)
                    stack.append(value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
    return sorted(found)


def compose_documents(text: str) -> list[yaml.Node]:
    """Node trees, with positions, of the non-empty documents, in ``parse_documents`` order."""
    # An empty document composes to a null scalar, not None; yaml-rs's side drops it as null.
    return [
        node
        for node in yaml.compose_all(text, Loader=_Composer)
        if node is not None and node.tag != "tag:yaml.org,2002:null"
    ]


def node_at(root: yaml.Node, path: tuple[str | int, ...], *, key: bool = False) -> yaml.Node:
    """The deepest node along ``path``; with ``key``, the last step's key node if it is there."""
    node = root
    for index, step in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(step)), None)
            if match is None:
                return node
            if key and last:
                found: yaml.Node = match[0]
                return found
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                return node
            node = node.value[step]
        else:
            return node
    return node


def position(node: yaml.Node) -> tuple[int, int]:
    """1-based line and column of a node."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def source_text(node: yaml.Node) -> str | None:
    """A plain scalar exactly as written in the file (``06103``), or None for anything else."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return None
