"""The rubric engine keeps key results' and objectives' findings by what their checks read (engine.Compiled memos):
a report must be the same whether the memos are cold, warm from other sets, or off."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest

from coach.corpus.library import load_roles
from coach.models import OKRSet
from coach.rubric import review
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
        ):
            v = copy.deepcopy(s)
            change(v)
            out.append(v)
    return out


@pytest.fixture
def memos_off() -> Iterator[Any]:
    """Turn a profile's memos off for a moment (they live on its compiled rubric)."""
    touched: list[tuple[Any, Any, Any]] = []

    def off(profile: str) -> None:
        c = compile_rubric(load_profile(profile), None)
        touched.append((c, c.kr_findings, c.objective_findings))
        object.__setattr__(c, "kr_findings", None)
        object.__setattr__(c, "objective_findings", None)

    def on() -> None:
        for c, kr, obj in touched:
            object.__setattr__(c, "kr_findings", kr)
            object.__setattr__(c, "objective_findings", obj)
        touched.clear()

    yield off, on
    on()


@pytest.mark.parametrize("profile", ["default", "focused", "lenient"])
def test_memos_change_no_report(profile: str, memos_off: Any) -> None:
    off, on = memos_off
    c = compile_rubric(load_profile(profile), None)
    assert c.kr_findings is not None and c.objective_findings is not None  # the shipped rules qualify for both
    sets = _sets()
    assert len(sets) > 300
    off(profile)
    cold = [review(OKRSet.model_validate(s), profile=profile).model_dump_json() for s in sets]
    on()
    order = list(range(len(sets)))
    random.Random(3).shuffle(order)
    for i in order + order[::-1]:  # warm from other sets, then from the same one
        assert review(OKRSet.model_validate(sets[i]), profile=profile).model_dump_json() == cold[i], sets[i]
    assert c.objective_findings  # and the memo was used
