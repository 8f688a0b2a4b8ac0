"""CSV reader: one row per key result; blank objective cells continue the objective above."""

from __future__ import annotations

import csv
import io
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


def read_csv(text: str, source: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("the CSV file is empty", location=source) from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", location=f"{source}:1") from exc
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
    try:
        for row in reader:
            n = reader.line_num
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
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", location=f"{source}:{reader.line_num}") from exc
    return data, lines
