"""The rubric engine keeps key results' and objectives' findings, whole objective reports and the set rules' findings
by what they read (engine.Compiled memos): a report must be the same whether the memos are cold, warm from other sets,
or off, and no two reports may share a model a caller could change."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest

from coach.corpus.library import load_roles
from coach.models import OKRSet
from coach.rubric import review
from coach.rubric import engine
from coach.rubric.engine import compile_rubric
from coach.rubric.loader import load_profile
from coach.settings import Settings


def _sets() -> list[dict[str, Any]]:
    """The role library's good and weak examples, two objectives a set, each with variants that change only what an
    objective's checks read around the title: set fields, objective fields, counts, extra keys, current values."""
    examples = [e for r in load_roles(Settings().corpus_dir / "roles") for e in [*r.good, *r.weak]]
    objectives = [{"title": e.objective, "key_results": list(e.key_results)} for e in examples]
    out: list[dict[str, Any]] = []
    for i in range(0, len(objectives) - 1, 2):
        s = {"objectives": copy.deepcopy(objectives[i:i + 2])}
        out.append(s)
        for change in (
            lambda v: v.update(period="2026-Q3"),
            lambda v: v.update(team="Sales"),
            lambda v: v.update(focus_area="Grow existing accounts"),
            lambda v: v.update(owner="Ann"),
            lambda v: v["objectives"][0].update(owner="Bo"),
            lambda v: v["objectives"][0].update(owner="Bo", aligned_to="Company goal 2"),
            lambda v: v["objectives"][0].update(key_results=v["objectives"][0]["key_results"][:1]),
            lambda v: v.update(objectives=v["objectives"] + v["objectives"][:1]),
            lambda v: v.update(objectives=v["objectives"][::-1]),
            lambda v: v["objectives"][1].update(mission="Be the first call"),
            lambda v: v.update(glossary={"ARR": "annual recurring revenue"}, parent="Company goal 1"),
            lambda v: v["objectives"][0].update(key_results=[{"text": k, "current": 5}
                                                             for k in v["objectives"][0]["key_results"]]),
            # The fields a whole objective report reads besides the texts: current, baseline and target, including
            # values that are equal but print differently (0.0 and -0.0).
            lambda v: v["objectives"][0].update(key_results=[{"text": k, "current": 7, "baseline": 2, "target": 12}
                                                             for k in v["objectives"][0]["key_results"]]),
            lambda v: v["objectives"][0].update(key_results=[{"text": k, "current": 9, "baseline": 2, "target": 12}
                                                             for k in v["objectives"][0]["key_results"]]),
            lambda v: v["objectives"][1].update(key_results=[{"text": k, "target": 0.0, "current": 0.0}
                                                             for k in v["objectives"][1]["key_results"]]),
            lambda v: v["objectives"][1].update(key_results=[{"text": k, "target": -0.0, "current": -0.0}
                                                             for k in v["objectives"][1]["key_results"]]),
            lambda v: v["objectives"][1].update(key_results=[{"text": k, "baseline": 50}
                                                             for k in v["objectives"][1]["key_results"]]),
            lambda v: v["objectives"][1]["key_results"].append("Hold the line"),
            lambda v: v["objectives"][0].update(title=v["objectives"][0]["title"] + " this quarter"),
        ):
            v = copy.deepcopy(s)
            change(v)
            out.append(v)
    return out


MEMOS = ("kr_findings", "objective_findings", "objective_reports", "set_findings")


@pytest.fixture
def memos_off() -> Iterator[Any]:
    """Turn a profile's memos off for a moment (they live on its compiled rubric)."""
    touched: list[tuple[Any, dict[str, Any]]] = []

    def off(profile: str) -> None:
        c = compile_rubric(load_profile(profile), None)
        touched.append((c, {name: getattr(c, name) for name in MEMOS}))
        for name in MEMOS:
            object.__setattr__(c, name, None)

    def on() -> None:
        for c, memos in touched:
            for name, memo in memos.items():
                object.__setattr__(c, name, memo)
        touched.clear()

    yield off, on
    on()


@pytest.mark.parametrize("profile", ["default", "focused", "lenient"])
def test_memos_change_no_report(profile: str, memos_off: Any) -> None:
    off, on = memos_off
    c = compile_rubric(load_profile(profile), None)
    assert all(getattr(c, name) is not None for name in MEMOS)  # the shipped rules qualify for every memo
    sets = _sets()
    assert len(sets) > 300
    off(profile)
    cold = [review(OKRSet.model_validate(s), profile=profile).model_dump_json() for s in sets]
    on()
    order = list(range(len(sets)))
    random.Random(3).shuffle(order)
    # warm from other sets, then from the same one (a whole objective report is kept the second time its key comes,
    # so the third pass is answered from it)
    for i in order + order[::-1] + order:
        assert review(OKRSet.model_validate(sets[i]), profile=profile).model_dump_json() == cold[i], sets[i]
    assert c.objective_findings and c.set_findings  # and the memos were used
    assert any(v is not engine._SEEN_ONCE for v in c.objective_reports.values())


def _mutate(report: Any) -> None:
    """Change every model and list a caller could reach in a report."""
    report.findings.append(report.findings[0] if report.findings else None)
    report.notes.append("changed")
    for o in report.objectives:
        o.score, o.progress = 0, 0.5
        for f in o.findings:
            f.message, f.evidence = "changed", "changed"
        o.findings.clear()
        for k in o.key_results:
            k.parsed.metric, k.parsed.target, k.parsed.direction = "changed", 123456.0, "maintain"
            k.kind, k.score = None, 1
            for f in k.findings:
                f.message, f.suggestion = "changed", "changed"
            k.findings.append(k.findings[0] if k.findings else None)
            if k.progress is not None:
                k.progress.value = 0.123
        o.key_results.reverse()


@pytest.mark.parametrize("profile", ["default", "focused"])
def test_a_changed_report_changes_no_later_one(profile: str, memos_off: Any) -> None:
    """What a caller does to its report (the API and the CLI never do, but a library user may) reaches no memo, the
    parser's cache or another report: each review builds its own models."""
    sets = _sets()[:60]
    off, on = memos_off
    off(profile)
    cold = [review(OKRSet.model_validate(s), profile=profile).model_dump_json() for s in sets]
    on()
    for _ in range(3):  # cold memos, then memo hits of every kind
        for s, expected in zip(sets, cold):
            report = review(OKRSet.model_validate(s), profile=profile)
            assert report.model_dump_json() == expected, s
            _mutate(report)


def test_memos_are_kept_per_profile(memos_off: Any) -> None:
    """The same set under two profiles (which weigh and enable rules differently) gets each profile's own report,
    however the reviews are interleaved."""
    sets = _sets()[:40]
    off, on = memos_off
    for p in ("default", "lenient"):
        off(p)
    cold = {p: [review(OKRSet.model_validate(s), profile=p).model_dump_json() for s in sets]
            for p in ("default", "lenient")}
    on()
    assert cold["default"] != cold["lenient"]
    for _ in range(2):
        for i, s in enumerate(sets):
            for p in ("lenient", "default"):
                assert review(OKRSet.model_validate(s), profile=p).model_dump_json() == cold[p][i]
