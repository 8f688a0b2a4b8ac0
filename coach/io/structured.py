"""YAML and JSON readers: decode, then map validation errors back to file lines."""

from __future__ import annotations

import json
from typing import Any

import yaml

from coach.errors import InputError


# libyaml's parser when PyYAML was built with it (10-20x faster on a large body); the pure-Python one otherwise.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_lines(root: yaml.Node | None) -> dict[tuple[Any, ...], int]:
    """Map each path in the YAML document, e.g. ('objectives', 0, 'title'), to its 1-based line."""
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
    # One parse: the node tree gives both the data and the line of every path.
    loader = _Loader(text)
    try:
        nodes: list[yaml.Node] = []
        while loader.check_node():
            nodes.append(loader.get_node())
        docs = [(loader.construct_document(n), n) for n in nodes]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"malformed YAML: {problem}", location=where,
                         hint="check indentation and that text containing ':' or '#' is quoted") from exc
    except RecursionError as exc:
        raise InputError("YAML nesting is too deep", location=source) from exc
    finally:
        loader.dispose()
    docs = [(d, n) for d, n in docs if d is not None]
    if len(docs) > 1:
        raise InputError(f"found {len(docs)} YAML documents; expected one OKR set", location=source,
                         hint="remove the extra '---' separators")
    return (docs[0][0], _yaml_lines(docs[0][1])) if docs else (None, {})


def read_json(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    try:
        return json.loads(text), {}
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", location=f"{source}:{exc.lineno}:{exc.colno}") from exc
    except RecursionError as exc:
        raise InputError("JSON nesting is too deep", location=source) from exc
