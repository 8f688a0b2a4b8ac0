"""Readers for YAML, JSON, Markdown and CSV, all into one OKRSet, with file/line in every error."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coach.errors import EmptyInputError, InputError, InputTooLargeError
from coach.io.csvfile import read_csv
from coach.io.markdown import read_markdown_with_notes
from coach.io.structured import read_json, read_yaml
from coach.models import KeyResult, Objective, OKRSet
from coach.settings import get_settings

FORMATS = ("yaml", "json", "markdown", "csv")
_EXT = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".md": "markdown", ".markdown": "markdown",
        ".csv": "csv", ".tsv": "csv"}


def detect_format(text: str) -> str:
    """Guess the format of pasted text."""
    head = text.lstrip()[:1]
    if head in "{[" and head:
        return "json"
    if re.search(r"^\s*objectives\s*:", text, re.M):
        return "yaml"
    first = text.lstrip().splitlines()[0].lower() if text.strip() else ""
    if re.search(r"objective", first) and re.search(r"[,;\t]", first) and re.search(r"k(ey[ _]?)?r(esult)?", first):
        return "csv"
    if re.search(r"^#{1,6}\s+\S", text, re.M):
        return "markdown"
    return "yaml"


def _path_str(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_for(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    key = tuple(loc)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return None


def _shape(obj: Any, source: str) -> dict[str, Any]:
    if obj is None:
        raise EmptyInputError("the input is empty", location=source,
                              hint="give at least one objective with key results (see RUBRIC.md)")
    if isinstance(obj, list):
        return {"objectives": obj}
    if isinstance(obj, dict):
        if "objectives" not in obj and "title" in obj:
            return {"objectives": [obj]}  # one objective on its own
        if "objectives" not in obj:
            keys = ", ".join(sorted(map(str, obj))[:8]) or "(none)"
            raise EmptyInputError("no `objectives` found in the input", location=source,
                                  hint=f"top-level keys found: {keys}; see RUBRIC.md for the shape")
        return obj
    raise InputError(f"expected an OKR set (a mapping with `objectives:`) or a list of objectives, got {type(obj).__name__}",
                     location=source)


# Keys people write for a known field, which a spelling distance would not find.
_KEY_SYNONYMS = {
    "krs": "key_results", "kr": "key_results", "keyresults": "key_results", "results": "key_results",
    "name": "title", "objective": "title", "goal": "title", "okrs": "objectives", "goals": "objectives",
    "quarter": "period", "timeframe": "period", "parent": "aligned_to", "alignment": "aligned_to",
    "start": "baseline", "goal_value": "target", "actual": "current",
}


def _nearest_key(key: str, known: list[str]) -> str | None:
    norm = key.strip().lower().replace("-", "_").replace(" ", "_")
    if norm in known:
        return norm  # a variant spelling of a known key (Title, key-results)
    if norm in _KEY_SYNONYMS and _KEY_SYNONYMS[norm] in known:
        return _KEY_SYNONYMS[norm]
    close = difflib.get_close_matches(norm, known, n=1, cutoff=0.75)
    return close[0] if close else None


def unknown_key_notes(data: Any, *, source: str = "<input>", lines: dict[tuple[Any, ...], int] | None = None,
                      limit: int = 20) -> list[str]:
    """One note per key that looks like a misspelled known key (it is ignored, so say so and name the key meant)."""
    lines = lines or {}
    notes: list[str] = []

    def check(d: Any, known: list[str], path: tuple[Any, ...]) -> None:
        if not isinstance(d, dict):
            return
        for key in d:
            if len(notes) >= limit or not isinstance(key, str) or key in known:
                continue
            near = _nearest_key(key, known)
            if near is None or near in d:
                continue
            line = lines.get(path + (key,))
            where = f"{source}:{line}" if line else source
            inside = f" in {_path_str(path)}" if path else ""
            notes.append(f"{where}: unknown key `{key}`{inside} was ignored; did you mean `{near}`?")

    set_keys = [k for k in OKRSet.model_fields]
    obj_keys = [k for k in Objective.model_fields]
    kr_keys = [k for k in KeyResult.model_fields]
    check(data, set_keys, ())
    objs = data.get("objectives") if isinstance(data, dict) else None
    for oi, o in enumerate(objs if isinstance(objs, list) else []):
        check(o, obj_keys, ("objectives", oi))
        krs = o.get("key_results") if isinstance(o, dict) else None
        for ki, k in enumerate(krs if isinstance(krs, list) else []):
            check(k, kr_keys, ("objectives", oi, "key_results", ki))
    return notes


def from_obj(obj: Any, *, source: str = "<input>", lines: dict[tuple[Any, ...], int] | None = None,
             notes: list[str] | None = None) -> OKRSet:
    """Validate already-decoded data (dict or list) into an OKRSet."""
    data = _shape(obj, source)
    lines = lines or {}
    notes = list(notes or []) + unknown_key_notes(data, source=source, lines=lines)
    if isinstance(data.get("objectives"), list) and not data["objectives"]:
        raise EmptyInputError("the set has no objectives", location=source, hint="add at least one objective")
    try:
        okrs = OKRSet.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        line = _line_for(loc, lines)
        where = f"{source}:{line}" if line else source
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        msg = err["msg"]
        if err["type"] == "too_long":
            raise InputTooLargeError(f"{_path_str(loc)}: {msg}{more}", location=where) from exc
        misspelled = [n.split(": ", 1)[1] for n in notes if "did you mean" in n]
        hint = "; ".join(misspelled[:3]) if misspelled else "see RUBRIC.md for the input shape"
        raise InputError(f"{_path_str(loc) or 'input'}: {msg}{more}", location=where, hint=hint) from exc
    if not okrs.objectives:
        raise EmptyInputError("the set has no objectives", location=source, hint="add at least one objective")
    okrs._source = source
    okrs._notes = notes
    okrs._lines = {_path_str(k): v for k, v in lines.items() if k and k[0] == "objectives"}
    return okrs


def loads(text: str, fmt: str = "auto", *, source: str = "<input>", max_bytes: int | None = None) -> OKRSet:
    """Read an OKR set from text in any supported format."""
    limit = max_bytes or get_settings().max_input_bytes
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise InputTooLargeError(f"the input is {size:,} bytes; the limit is {limit:,}", location=source,
                                 hint="split the set or raise OKR_COACH_MAX_INPUT_BYTES")
    if "\x00" in text:
        raise InputError("the input contains NUL bytes: is it a binary file?", location=source)
    if not text.strip():
        raise EmptyInputError("the input is empty", location=source, hint="give at least one objective")
    fmt = detect_format(text) if fmt == "auto" else fmt
    notes: list[str] = []
    if fmt == "yaml":
        obj, lines = read_yaml(text, source)
    elif fmt == "json":
        obj, lines = read_json(text, source)
    elif fmt == "markdown":
        obj, lines, notes = read_markdown_with_notes(text, source)
    elif fmt == "csv":
        obj, lines = read_csv(text, source)
    else:
        raise InputError(f"unknown format {fmt!r}", hint=f"use one of: auto, {', '.join(FORMATS)}")
    return from_obj(obj, source=source, lines=lines, notes=notes)


def load_path(path: str | Path, fmt: str = "auto", *, max_bytes: int | None = None) -> OKRSet:
    """Read an OKR set from a file; the format comes from the extension unless given."""
    p = Path(path)
    limit = max_bytes or get_settings().max_input_bytes
    try:
        if p.stat().st_size > limit:
            raise InputTooLargeError(f"the file is {p.stat().st_size:,} bytes; the limit is {limit:,}", location=str(p))
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", location=str(p)) from None
    except IsADirectoryError:
        raise InputError("expected a file, got a directory", location=str(p)) from None
    except PermissionError:
        raise InputError("permission denied", location=str(p)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text (byte {exc.start})", location=str(p)) from None
    if fmt == "auto":
        fmt = _EXT.get(p.suffix.lower(), "auto")
    return loads(text, fmt, source=str(p), max_bytes=limit)


__all__ = ["loads", "load_path", "from_obj", "detect_format", "FORMATS"]
