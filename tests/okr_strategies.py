"""Hypothesis strategies that reach the code under test: OKR sets that pass validation, in every input format,
with damaged and hostile variants mixed in. Each property test counts how many inputs got through."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

import yaml
from hypothesis import event
from hypothesis import strategies as st

# Words as people write them: letters and digits of any script, with spaces between (readers in every format
# keep such text exactly, so a round trip can be checked word for word).
WORD = st.text(st.characters(categories=("L", "N"), exclude_characters="\x00"), min_size=1, max_size=12)
PHRASE = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
# Anything at all, for the hostile parts: markup, quotes, control characters, other scripts.
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)


def _kr(text_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    plain = text_strategy
    with_values = st.fixed_dictionaries(
        {"text": text_strategy},
        optional={"current": st.integers(0, 1000), "baseline": st.integers(0, 1000), "target": st.integers(0, 1000),
                  "owner": PHRASE})
    return st.one_of(plain, with_values)


def okr_sets(text: st.SearchStrategy[str] = PHRASE, *, max_objectives: int = 3) -> st.SearchStrategy[dict]:
    """Valid sets in the RUBRIC.md shape: every objective has a title; key results are text or {text, ...}."""
    objective = st.fixed_dictionaries(
        {"title": text, "key_results": st.lists(_kr(text), max_size=4)},
        optional={"owner": PHRASE, "aligned_to": PHRASE})
    return st.fixed_dictionaries(
        {"objectives": st.lists(objective, min_size=1, max_size=max_objectives,
                                unique_by=lambda o: " ".join(o["title"].split()).lower())},
        optional={"period": st.sampled_from(["2026-Q3", "2027", "H1 2026"]), "team": PHRASE, "focus_area": PHRASE})


def kr_text(k: Any) -> str:
    return k if isinstance(k, str) else k["text"]


def render(data: dict, fmt: str) -> str:
    """The set written out the way a user would in each format."""
    if fmt == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False)
    if fmt == "markdown":
        lines = [f"{k}: {data[k]}" for k in ("period", "team", "focus_area") if k in data]
        for o in data["objectives"]:
            lines += ["", f"## {o['title']}"]
            lines += [f"- {kr_text(k)}" for k in o["key_results"]]
        return "\n".join(lines) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["objective", "key_result", "period"])
        for o in data["objectives"]:
            krs = o["key_results"] or [""]
            for i, k in enumerate(krs):
                w.writerow([o["title"] if i == 0 else "", kr_text(k) if k else "", data.get("period", "")])
        return buf.getvalue()
    raise ValueError(fmt)


FORMATS = ("yaml", "json", "markdown", "csv")


@st.composite
def rendered_sets(draw: Any) -> tuple[str, str, dict]:
    data = draw(okr_sets())
    fmt = draw(st.sampled_from(FORMATS))
    return render(data, fmt), fmt, data


@st.composite
def damaged(draw: Any) -> tuple[str, str]:
    """A valid text with a few characters spliced in somewhere: often still valid, sometimes not."""
    text, fmt, _ = draw(rendered_sets())
    i = draw(st.integers(0, len(text)))
    junk = draw(ANY_TEXT.map(lambda s: s[:6]))
    return text[:i] + junk + text[i:], draw(st.sampled_from([fmt, "auto"]))


def texts_in_any_format() -> st.SearchStrategy[tuple[str, str]]:
    """Mostly sets a reader accepts, then damaged ones, then arbitrary text: every reader path, mostly past parsing."""
    return st.one_of(
        rendered_sets().map(lambda t: (t[0], t[1])),
        rendered_sets().map(lambda t: (t[0], "auto")),
        damaged(),
        st.tuples(ANY_TEXT, st.sampled_from(["auto", *FORMATS])),
    )


class Reached:
    """Counts, per property test, the generated inputs that got past validation into the code under test."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counts: Counter[str] = Counter()

    def __call__(self, outcome: str) -> None:
        self.counts[outcome] += 1
        event(f"{self.name}: {outcome}")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def report(self, reached: str = "reached") -> str:
        return (f"{self.name}: {self.counts[reached]} of {self.total} generated inputs reached the code under test "
                f"({dict(self.counts)})")

    def assert_majority(self, reached: str = "reached") -> None:
        print(self.report(reached))
        assert self.total > 0
        assert self.counts[reached] * 2 > self.total, self.report(reached)
