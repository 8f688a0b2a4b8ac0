"""YAML and JSON readers: decode, then map validation errors back to file lines."""

from __future__ import annotations

import json
from typing import Any

import yaml

from coach.errors import InputError, InputTooLargeError

# libyaml's composer is C: ten times quicker than the pure-Python one on a 1 MB document.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Characters the document holds once every alias is written out, stopping past `limit`.

    Aliases let a few hundred bytes stand for gigabytes ("billion laughs"); the text limit cannot see
    that, so the composed graph is sized with each shared node counted as often as it is referenced.
    A node that contains itself is refused, since it can never be written out.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            if isinstance(node, yaml.MappingNode):
                total = sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            else:
                total = sum(sizes[id(v)] for v in node.value)
            sizes[key] = min(total + 2, limit + 1)
            continue
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = len(node.value) + 1
            continue
        if key in on_path:
            raise InputError("a YAML alias refers to a node that contains it (a recursive structure)",
                             hint="write the content out instead of using anchors and aliases")
        on_path.add(key)
        stack.append((node, True))
        children = [c for kv in node.value for c in kv] if isinstance(node, yaml.MappingNode) else node.value
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


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


def _precise(exc: yaml.YAMLError, text: str) -> yaml.YAMLError:
    """libyaml puts an error at the end of the input on the next line ("2:1"); the pure-Python parser names the
    line and column where the text stops. Errors are rare and small texts quick to re-read, so ask it."""
    if _Loader is yaml.SafeLoader or len(text) > 100_000:
        return exc
    try:
        list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as pure:
        return pure
    except RecursionError:
        return exc
    return exc


def line_map(text: str) -> dict[tuple[Any, ...], int]:
    """Each path in a YAML text, e.g. ('good', 0, 'objective'), with its 1-based line ({} if it does not parse)."""
    try:
        return _yaml_lines(yaml.compose(text, Loader=_Loader))
    except yaml.YAMLError:
        return {}


def _syntax_error(exc: yaml.YAMLError, source: str) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return InputError(f"malformed YAML: {problem}", location=where,
                      hint="check indentation and that text containing ':' or '#' is quoted")


def read_yaml(text: str, source: str, *, max_expanded: int | None = None) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Decode YAML safely (no custom tags), reporting the line of any syntax error.

    The document is composed once; aliases may not expand it past `max_expanded` characters (by default
    the input size limit), so what is stored and echoed stays as bounded as the text that was sent.
    """
    if max_expanded is None:
        from coach.settings import get_settings
        max_expanded = get_settings().max_input_bytes
    loader = _Loader(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
        nodes = [n for n in nodes if not (isinstance(n, yaml.ScalarNode) and n.tag.endswith(":null"))]
        if len(nodes) > 1:
            raise InputError(f"found {len(nodes)} YAML documents; expected one OKR set", location=source,
                             hint="remove the extra '---' separators")
        if not nodes:
            return None, {}
        root = nodes[0]
        size = _expanded_size(root, max_expanded)
        if size > max_expanded:
            raise InputTooLargeError(
                f"YAML anchors and aliases expand this input past {max_expanded:,} characters", location=source,
                hint="write the set out without aliases; repeated content is not needed in an OKR set")
        return loader.construct_document(root), _yaml_lines(root)
    except yaml.YAMLError as exc:
        raise _syntax_error(_precise(exc, text), source) from exc
    except InputError as exc:
        if exc.location is None:
            exc.location = source
        raise
    except RecursionError as exc:
        raise InputError("YAML nesting is too deep", location=source) from exc
    finally:
        loader.dispose()


def read_json(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    try:
        return json.loads(text), {}
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", location=f"{source}:{exc.lineno}:{exc.colno}") from exc
    except RecursionError as exc:
        raise InputError("JSON nesting is too deep", location=source) from exc
