"""Markdown reader: headings are objectives, bullets under them are key results, `key: value` lines set fields."""

from __future__ import annotations

import re
from typing import Any

from coach.errors import InputError
from coach.io.structured import read_yaml

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_FIELD = re.compile(r"^\*{0,2}(period|team|owner|role|focus[ _]area|aligned[ _]to|current|baseline|target)\*{0,2}\s*:\s*\*{0,2}\s*(.+)$", re.I)
_OBJ_PREFIX = re.compile(r"^(?:objective|obj|o)\s*\d*\s*[:.\-–]\s*", re.I)
_KR_PREFIX = re.compile(r"^(?:key result|kr)\s*\d*(?:\.\d+)?\s*[:.\-–]\s*", re.I)
_CHECKBOX = re.compile(r"^\[[ xX]\]\s+")


def _field_name(raw: str) -> str:
    return raw.lower().replace(" ", "_")


def read_markdown(text: str, source: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """Turn a Markdown OKR document into the RUBRIC.md input shape, keeping the line of each item."""
    data, lines_map, _ = read_markdown_with_notes(text, source)
    return data, lines_map


def read_markdown_with_notes(text: str, source: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int], list[str]]:
    """As read_markdown, plus notes on what was left out (bullets that come before any heading)."""
    data: dict[str, Any] = {"objectives": []}
    orphans: list[int] = []
    lines_map: dict[tuple[Any, ...], int] = {}
    body = text
    offset = 0
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end < 0:
            raise InputError("front matter opened with '---' is never closed", location=f"{source}:1")
        front, _ = read_yaml(text[4:end], source)
        if front is not None and not isinstance(front, dict):
            raise InputError("front matter must be `key: value` lines", location=f"{source}:1")
        data.update({k: v for k, v in (front or {}).items() if k != "objectives"})
        offset = text[: end + 4].count("\n") + 1
        body = text[end + 4:].split("\n", 1)[1] if "\n" in text[end + 4:] else ""
    current: dict[str, Any] | None = None
    last_kr: dict[str, Any] | None = None
    kr_indent = 0
    headings: list[tuple[int, str, int]] = []
    for n, raw in enumerate(body.splitlines(), start=offset + 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        h = _HEADING.match(line)
        if h:
            title = _OBJ_PREFIX.sub("", h.group(2).strip().strip("*_")).strip()
            current = {"title": title, "key_results": []}
            headings.append((len(h.group(1)), title, n))
            data["objectives"].append(current)
            lines_map[("objectives", len(data["objectives"]) - 1)] = n
            last_kr = None
            continue
        b = _BULLET.match(line)
        content = (b.group(2) if b else line).strip()
        f = _FIELD.match(_CHECKBOX.sub("", content))
        if f:
            key, value = _field_name(f.group(1)), f.group(2).strip().strip("*_")
            indent = len(b.group(1)) if b else 0
            if last_kr is not None and b and indent > kr_indent and key in ("owner", "current", "baseline", "target"):
                last_kr[key] = value
            elif current is not None and key in ("owner", "aligned_to"):
                current[key] = value
            elif current is None:
                data[key] = value
            elif key in ("period", "team", "role", "focus_area"):
                data.setdefault(key, value)
            continue
        if b and current is None:
            orphans.append(n)  # a key result with no objective heading above it
            continue
        if b and current is not None:
            indent = len(b.group(1))
            if last_kr is not None and indent > kr_indent:
                continue  # nested notes under a key result are commentary
            text_kr = _KR_PREFIX.sub("", _CHECKBOX.sub("", content)).strip()
            if text_kr:
                last_kr = {"text": text_kr}
                kr_indent = indent
                current["key_results"].append(last_kr)
                lines_map[("objectives", len(data["objectives"]) - 1, "key_results", len(current["key_results"]) - 1)] = n
    # A top heading with no bullets over deeper headings is the document title, not an objective.
    objs = data["objectives"]
    if len(headings) > 1 and headings[0][0] < min(h[0] for h in headings[1:]) and not objs[0]["key_results"]:
        data.setdefault("title", objs[0]["title"])
        del objs[0]
        lines_map = {(k[0], k[1] - 1, *k[2:]): v for k, v in lines_map.items() if k[1] > 0}
    notes: list[str] = []
    if orphans:
        where = ", ".join(map(str, orphans[:5])) + (f" and {len(orphans) - 5} more" if len(orphans) > 5 else "")
        if not objs:
            raise InputError(f"found {len(orphans)} bullet(s) but no heading: key results go under an objective "
                             "heading", location=f"{source}:{orphans[0]}",
                             hint="start each objective with a heading line, e.g. `## Customers renew with us`")
        notes.append(f"{source}: {len(orphans)} bullet(s) before the first heading were ignored (line {where}): "
                     "key results belong under an objective heading")
    return data, lines_map, notes
