"""Check that every example in the role library passes or fails the rubric exactly as annotated.

Good examples must draw no finding at all; weak examples must draw exactly the rule ids listed in
`breaks` (objective, each key result, and set-level rules). Run: `python -m coach.corpus.check [DIR...]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from coach.corpus.library import ExampleOKR, Metric, Role, load_role_file, load_roles
from coach.errors import CoachError
from coach.models import OKRSet
from coach.rubric import review
from coach.rubric.engine import compile_rubric
from coach.rubric.checks import classify_indicator
from coach.rubric.loader import load_profile
from coach.settings import get_settings

# The context a role file implies: examples are judged as if written for a quarter, by that role's team,
# under the role's own mission, so context rules (time_bound, owner, aligned) only fire if annotated.
PERIOD = "2026-Q3"


def example_set(role: Role, ex: ExampleOKR) -> OKRSet:
    return OKRSet.model_validate({
        "period": PERIOD, "team": role.role, "focus_area": role.drives,
        "objectives": [{"title": ex.objective, "key_results": list(ex.key_results)}],
    })


def fired(role: Role, ex: ExampleOKR) -> dict[str, object]:
    """Rule ids that fire on one example: {"objective": [...], "key_results": [[...]], "set": [...]}."""
    rep = review(example_set(role, ex))
    obj = rep.objectives[0]
    return {
        "objective": sorted({f.rule for f in obj.findings}),
        "key_results": [sorted({f.rule for f in k.findings}) for k in obj.key_results],
        "set": sorted({f.rule for f in rep.findings}),
    }


def expected(ex: ExampleOKR) -> dict[str, object]:
    b = ex.breaks or {}
    krs = [sorted(set(x)) for x in b.get("key_results", [])]
    krs += [[] for _ in range(len(ex.key_results) - len(krs))]
    return {"objective": sorted(set(b.get("objective", []))), "key_results": krs,
            "set": sorted(set(b.get("set", [])))}


def metric_problems(role: Role) -> list[str]:
    """Metrics feed drafts: each must read as plain words and be classified as the kind it claims."""
    c = compile_rubric(load_profile("default"))
    out: list[str] = []
    for m in role.metrics:
        got = classify_indicator(m.name, c.leading, c.lagging)
        if got is not None and got != m.kind:
            out.append(f"{role.slug} metric {m.name!r} is {m.kind} but the rubric reads it as {got}")
        rep = review(OKRSet.model_validate({"objectives": [{"title": "x", "key_results": [
            f"Increase {m.name} from 10 to 20"]}]}))
        bad = sorted({f.rule for f in rep.objectives[0].key_results[0].findings} & {"kr.jargon", "kr.concise"})
        if bad:
            out.append(f"{role.slug} metric {m.name!r} draws {bad} in a key result")
        if m.typical is not None:
            out += _typical_problems(role, m)
    return out


def _typical_problems(role: Role, m: Metric) -> list[str]:
    """The typical levels must survive drafting untouched and read back exactly through the parser."""
    from coach.krparse import parse_kr
    from coach.usecases.assemble import fix_numbers, lower_is_better, metric_unit, sentence

    unit, _ = metric_unit(m)
    b, t = m.typical  # type: ignore[misc]
    verb = "cut" if lower_is_better(m.name, unit) else "raise"
    verb2, fb, ft, notes = fix_numbers(verb, b, t, unit, m.name)
    text = sentence(verb2, m.name, fb, ft, unit)
    out = []
    if (fb, ft) != (b, t):
        out.append(f"{role.slug} metric {m.name!r}: typical {list(m.typical)} was changed by the draft rules "  # type: ignore[arg-type]
                   f"to {fb:g} -> {ft:g} ({'; '.join(notes)}); direction or step size is off")
    p = parse_kr(text)
    if (p.baseline, p.target) != (fb, ft):
        out.append(f"{role.slug} metric {m.name!r}: {text!r} parses as {p.baseline} -> {p.target}")
    return out


def problems(role: Role) -> list[str]:
    """Every mismatch between the rubric and the annotations of one role, as readable lines."""
    out: list[str] = metric_problems(role)
    for kind, items in (("good", role.good), ("weak", role.weak)):
        for i, ex in enumerate(items):
            got = fired(role, ex)
            want = expected(ex) if kind == "weak" else {"objective": [], "key_results": [[] for _ in ex.key_results],
                                                       "set": []}
            if kind == "weak" and not ex.breaks:
                out.append(f"{role.slug} weak[{i}] has no `breaks` annotation")
            if got != want:
                out.append(f"{role.slug} {kind}[{i}] {ex.objective!r}: expected {want}, rubric gives {got}")
    return out


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    paths = [Path(a) for a in args] or [get_settings().corpus_dir / "roles"]
    try:
        roles = [r for p in paths for r in ([load_role_file(p)] if p.is_file() else load_roles(p))]
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bad = [p for r in roles for p in problems(r)]
    for line in bad:
        print(line)
    n = sum(len(r.good) + len(r.weak) for r in roles)
    print(f"{len(roles)} roles, {n} examples, {len(bad)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
