"""CSV reader: one row per key result; blank objective cells continue the objective above."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from coach.errors import InputError

_ALIASES = {
    "objective": {"objective", "objective_title", "objective title", "title", "o"},
    "key_result": {"key_result", "key result", "kr", "key_results", "key results", "kr_text", "result"},
    "kr_owner": {"kr_owner", "kr owner", "key result owner"},
    "objective_owner": {"objective_owner", "objective owner", "owner"},
    "aligned_to": {"aligned_to", "aligned to", "parent"},
    "current": {"current", "current value", "actual"},
    "baseline": {"baseline", "start"},
    "target": {"target", "goal"},
    "period": {"period", "quarter"},
    "team": {"team"},
    "role": {"role"},
    "focus_area": {"focus_area", "focus area"},
}


def _rows(reader: Any, source: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) per record; a quote left open or stray text after a closing quote is an error."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc) or reader.line_num > start:
                raise InputError(f"malformed CSV: a quoted field opened on line {start} is never closed "
                                 f"(the file ends inside it, {reader.line_num - start + 1} lines later)",
                                 location=f"{source}:{start}",
                                 hint='close the quote, or write a quote inside a quoted field as ""') from exc
            raise InputError(f"malformed CSV: {exc}", location=f"{source}:{start}",
                             hint='quote the whole field, and write a quote inside it as ""') from exc
        yield start, row


def read_csv(text: str, source: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # Only the delimiter is sniffed: quoting follows RFC 4180 ("" inside quotes), checked strictly.
    reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter, strict=True)
    rows = _rows(reader, source)
    first = next(rows, None)
    if first is None:
        raise InputError("the CSV file is empty", location=source)
    header = first[1]
    cols: dict[str, int] = {}
    for i, name in enumerate(header):
        key = name.strip().lower()
        for canon, names in _ALIASES.items():
            if key in names and canon not in cols:
                cols[canon] = i
    if "objective" not in cols or "key_result" not in cols:
        raise InputError(
            "the CSV header needs an 'objective' and a 'key_result' column", location=f"{source}:1",
            hint=f"found columns: {', '.join(h.strip() for h in header) or '(none)'}",
        )
    data: dict[str, Any] = {"objectives": []}
    lines: dict[tuple[Any, ...], int] = {}
    current: dict[str, Any] | None = None
    for n, row in rows:
        if not any(c.strip() for c in row):
            continue
        get = lambda c: row[cols[c]].strip() if c in cols and cols[c] < len(row) else ""  # noqa: E731
        for k in ("period", "team", "role", "focus_area"):
            if get(k) and k not in data:
                data[k] = get(k)
        title = get("objective")
        if title and (current is None or title != current["title"]):
            current = {"title": title, "key_results": []}
            for k, dst in (("objective_owner", "owner"), ("aligned_to", "aligned_to")):
                if get(k):
                    current[dst] = get(k)
            data["objectives"].append(current)
            lines[("objectives", len(data["objectives"]) - 1)] = n
        if current is None:
            raise InputError("a key result row comes before any objective", location=f"{source}:{n}")
        if get("key_result"):
            kr: dict[str, Any] = {"text": get("key_result")}
            for k, dst in (("kr_owner", "owner"), ("current", "current"), ("baseline", "baseline"), ("target", "target")):
                if get(k):
                    kr[dst] = get(k)
            current["key_results"].append(kr)
            lines[("objectives", len(data["objectives"]) - 1, "key_results", len(current["key_results"]) - 1)] = n
    return data, lines
