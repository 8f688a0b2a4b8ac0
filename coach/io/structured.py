"""YAML and JSON readers: decode, then map validation errors back to file lines."""

from __future__ import annotations

import json
from typing import Any

import yaml

from coach.errors import InputError


def _yaml_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Map each path in the YAML document, e.g. ('objectives', 0, 'title'), to its 1-based line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[tuple[Any, ...], int] = {}
    seen: set[int] = set()

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        out[path] = node.start_mark.line + 1
        if id(node) in seen:
            return  # an alias of a node already walked: following it again would expand "billion laughs" input
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k)
                out[path + (key,)] = k.start_mark.line + 1
                walk(v, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, path + (i,))

    if root is not None:
        walk(root, ())
    return out


def read_yaml(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Decode YAML safely (no custom tags), reporting the line of any syntax error."""
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"malformed YAML: {problem}", location=where,
                         hint="check indentation and that text containing ':' or '#' is quoted") from exc
    except RecursionError as exc:
        raise InputError("YAML nesting is too deep", location=source) from exc
    docs = [d for d in docs if d is not None]
    if len(docs) > 1:
        raise InputError(f"found {len(docs)} YAML documents; expected one OKR set", location=source,
                         hint="remove the extra '---' separators")
    return (docs[0] if docs else None), _yaml_lines(text)


def read_json(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    try:
        return json.loads(text), {}
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", location=f"{source}:{exc.lineno}:{exc.colno}") from exc
    except RecursionError as exc:
        raise InputError("JSON nesting is too deep", location=source) from exc
