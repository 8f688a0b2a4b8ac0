"""Measure the rubric against a labelled JSONL file: per-rule precision/recall/F1 and parse exact-match.

Cross-source figures. Real-world records carry the URL they were published at (`source`). Records are
grouped by *site* (see `source_site`), and every site falls into one of `k` folds by a stable hash of its
name (`fold_of`): the split is by source, never by item, so two key results from one page are always on
the same side. Fold 0 is the fixed *held-out* part; the other folds are the *tune* part. Look at misses
on the tune part only (`okr-coach eval FILE --split tune --verbose`) and read the held-out figures as the
estimate of how the rubric does on text from sites nobody looked at.

Leave-one-source-group-out: the figures are also given for every fold on its own. The rule engine is
deterministic and learns nothing from these files, so "training on the other folds" changes nothing in
it: the pooled figure over all folds is exactly the whole-file figure. What the folds show is how much
the agreement moves from one group of sites to another.
"""

from __future__ import annotations

import hashlib
import re
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError

from coach.errors import InputError
from coach.models import OKRSet, ParsedKR
from coach.rubric import review

DEFAULT_FOLDS = 3
HELDOUT_FOLD = 0
NO_SOURCE = "(no source)"
# A title the engine can read when a record holds key results only; its objective findings are not scored.
_PLACEHOLDER_OBJECTIVE = "Key results without an objective"
# Sites where every account is a different author: the site is host/owner ("github.com/acme").
_CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sr.ht", "git.sr.ht"})
# Second-level labels under a two-letter country code that are not a site of their own ("bbc.co.uk").
_COUNTRY_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "or", "ne", "go"})

Part = Literal["all", "tune", "heldout"]


class Labels(BaseModel):
    objective: list[str] = Field(default_factory=list)
    key_results: list[list[str]] = Field(default_factory=list)


class Item(BaseModel):
    """One labelled objective (the shape of shared/eval/*.jsonl); objective "" means key results only."""

    role: str | None = None
    objective: str = ""
    key_results: list[str]
    labels: Labels
    parsed: list[dict[str, Any] | None] | None = None
    source: str | None = None
    line: int | None = Field(default=None, exclude=True)  # 0-based line in its file (for the ambiguous list)


class RuleScore(BaseModel):
    rule: str
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    support: int


class ParseMiss(BaseModel):
    text: str
    expected: dict[str, Any] | None
    got: ParsedKR
    site: str = NO_SOURCE


class PartScore(BaseModel):
    """The figures on a subset of the items: one fold, or one site."""

    name: str
    fold: int | None = None
    part: str | None = None  # "tune" or "heldout" for a fold
    sites: list[str] = Field(default_factory=list)
    items: int
    key_results: int
    rules: list[RuleScore]
    parse_total: int
    parse_exact: int
    parse_exact_match: float


class SplitInfo(BaseModel):
    folds: int
    heldout_fold: int
    scored_part: str
    heldout_sites: list[str]
    tune_sites: list[str]
    definition: str


class EvalResult(BaseModel):
    items: int
    rules: list[RuleScore]
    parse_total: int
    parse_exact: int
    parse_exact_match: float
    parse_field_accuracy: dict[str, float]
    parse_misses: list[ParseMiss]
    misses: list[str]
    split: SplitInfo
    folds: list[PartScore] = Field(default_factory=list)
    by_source: list[PartScore] = Field(default_factory=list)
    ambiguous_excluded: int = 0  # label decisions left out because the labellers list them as ambiguous


SPLIT_DEFINITION = (
    "site = URL host without 'www.', reduced to its registered name (blog.example.org -> example.org); on code "
    "hosts (github.com, gitlab.com, ...) site = host/owner. fold = int(sha256(site)[:8 hex], 16) mod k. "
    "Fold 0 is held out; folds 1..k-1 are the tune part. Records without a source form one site."
)


def source_site(url: str | None) -> str:
    """The group a record's source belongs to (see SPLIT_DEFINITION); stable across files and runs."""
    if not url or not url.strip():
        return NO_SOURCE
    u = url.strip()
    parts = urlsplit(u if "//" in u else "//" + u)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return NO_SOURCE
    if host.startswith("www."):
        host = host[4:]
    if host in _CODE_HOSTS:
        owner = next((p for p in parts.path.split("/") if p), "")
        return f"{host}/{owner.lower()}" if owner else host
    labels = host.split(".")
    if all(x.isdigit() for x in labels):
        return host  # an IP address
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _COUNTRY_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def fold_of(site: str, k: int = DEFAULT_FOLDS) -> int:
    """A fixed fold for a site: the same in every file, on every machine, in every run."""
    return int(hashlib.sha256(site.encode("utf-8")).hexdigest()[:8], 16) % k


def read_items(path: Path) -> list[Item]:
    items: list[Item] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = Item.model_validate({**json.loads(line), "line": n - 1})
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"bad labelled item: {str(exc).splitlines()[0]}", location=f"{path}:{n}") from exc
        problem = _shape_problem(item)
        if problem:
            raise InputError(f"bad labelled item: {problem}", location=f"{path}:{n}")
        try:
            _as_set(item)
        except ValidationError as exc:
            raise InputError(f"bad labelled item: {str(exc).splitlines()[0]}", location=f"{path}:{n}") from exc
        items.append(item)
    if not items:
        raise InputError("no labelled items", location=str(path))
    return items


# "14 kr 0: kr.baseline - reason", "3 objective: objective.outcome - reason", "10 kr 0: parsed - reason"
_AMBIGUOUS_LINE = re.compile(r"^\s*(\d+)\s+(objective|kr\s+\d+)\s*:\s*([\w.]+)\s+-")

Ambiguous = dict[int, set[tuple[str, str]]]


def read_ambiguous(path: Path) -> Ambiguous:
    """The label decisions the labellers list as genuinely ambiguous (`<file>.ambiguous.txt`, LABELLING.md):
    record line (0-based) -> {(target, rule)}, target "objective" or "kr N". Comment lines start with #."""
    out: Ambiguous = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        m = _AMBIGUOUS_LINE.match(raw)
        if m is None:
            raise InputError("not an ambiguous-label line (expected 'LINE TARGET: RULE - reason')",
                             location=f"{path}:{n}")
        out.setdefault(int(m.group(1)), set()).add((" ".join(m.group(2).split()), m.group(3)))
    return out


def ambiguous_beside(path: Path) -> Path:
    """Where the ambiguous list of a labelled file lives: real_orgs.jsonl -> real_orgs.ambiguous.txt."""
    return path.with_name(path.stem + ".ambiguous.txt")


def _shape_problem(item: Item) -> str | None:
    """Labels that do not line up with the key results would be scored against the wrong text."""
    n = len(item.key_results)
    if not item.objective.strip() and n == 0:
        return "neither an objective nor key results"
    if len(item.labels.key_results) not in (0, n):
        return f"{len(item.labels.key_results)} key-result label lists for {n} key results"
    if item.parsed is not None and len(item.parsed) != n:
        return f"{len(item.parsed)} parsed entries for {n} key results"
    if any(not kr.strip() for kr in item.key_results):
        return "an empty key result"
    if not item.objective.strip() and item.labels.objective:
        return "objective labels on a record with no objective"
    return None


def parse_matches(expected: dict[str, Any] | None, got: ParsedKR) -> dict[str, bool]:
    """Per-field agreement; a null expectation means nothing numeric should be read."""
    if expected is None:
        return {"null": got.target is None and got.baseline is None}
    return {k: getattr(got, k, None) == v for k, v in expected.items()}


def _as_set(it: Item) -> OKRSet:
    """The record as a one-objective set; a record of key results only gets a placeholder title."""
    title = it.objective if it.objective.strip() else _PLACEHOLDER_OBJECTIVE
    return OKRSet.model_validate({"role": it.role, "objectives": [{"title": title, "key_results": it.key_results}]})


@dataclass
class _Outcome:
    """What scoring one record gave, kept apart so any subset of records can be added up."""

    site: str
    key_results: int
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    parse: list[tuple[bool, dict[str, bool]]] = field(default_factory=list)
    parse_misses: list[ParseMiss] = field(default_factory=list)
    skipped: int = 0


def _score_item(it: Item, labelled: set[str], profile: str | None,
                skip: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset()) -> _Outcome:
    site = source_site(it.source)
    out = _Outcome(site=site, key_results=len(it.key_results))
    has_objective = bool(it.objective.strip())
    rep = review(_as_set(it), profile=profile).objectives[0]

    def tally(got: set[str], exp: set[str], where: str, target: str) -> None:
        for r in labelled:
            if (target, r) in skip:
                out.skipped += 1  # a decision the labellers list as ambiguous: left out of the figures
            elif r in got and r in exp:
                out.tp[r] += 1
            elif r in got:
                out.fp[r] += 1
                out.misses.append(f"FP {r}: {where}  [{site}]")
            elif r in exp:
                out.fn[r] += 1
                out.misses.append(f"FN {r}: {where}  [{site}]")

    if has_objective:
        tally({f.rule for f in rep.findings}, set(it.labels.objective), it.objective, "objective")
    for i, (k, lab) in enumerate(zip(rep.key_results, it.labels.key_results)):  # no lists: key results unlabelled
        tally({f.rule for f in k.findings}, set(lab), k.text, f"kr {i}")
    for i, (k, exp) in enumerate(zip(rep.key_results, it.parsed or [])):
        if (f"kr {i}", "parsed") in skip:
            out.skipped += 1
            continue
        res = parse_matches(exp, k.parsed)
        ok = all(res.values())
        out.parse.append((ok, res))
        if not ok:
            out.parse_misses.append(ParseMiss(text=k.text, expected=exp, got=k.parsed, site=site))
    return out


def _rule_scores(outcomes: list[_Outcome], labelled: set[str]) -> list[RuleScore]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for o in outcomes:
        tp.update(o.tp)
        fp.update(o.fp)
        fn.update(o.fn)
    scores = []
    for r in sorted(labelled):
        p = tp[r] / (tp[r] + fp[r]) if tp[r] + fp[r] else 0.0
        rc = tp[r] / (tp[r] + fn[r]) if tp[r] + fn[r] else 0.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        scores.append(RuleScore(rule=r, tp=tp[r], fp=fp[r], fn=fn[r], precision=round(p, 3), recall=round(rc, 3),
                                f1=round(f1, 3), support=tp[r] + fn[r]))
    return scores


def _part(name: str, outcomes: list[_Outcome], labelled: set[str], **extra: Any) -> PartScore:
    total = sum(len(o.parse) for o in outcomes)
    exact = sum(ok for o in outcomes for ok, _ in o.parse)
    return PartScore(
        name=name, items=len(outcomes), key_results=sum(o.key_results for o in outcomes),
        rules=_rule_scores(outcomes, labelled), parse_total=total, parse_exact=exact,
        parse_exact_match=round(exact / total, 3) if total else 0.0, **extra,
    )


def evaluate(items: list[Item], *, rules: list[str] | None = None, profile: str | None = None,
             folds: int = DEFAULT_FOLDS, part: Part = "all", by_source: bool = False,
             ambiguous: Ambiguous | None = None) -> EvalResult:
    """Score the rubric on labelled items.

    `part` keeps only the records of the tune or held-out sites before anything is added up; the split
    itself is always reported. `folds` is k for the fold assignment (at least 2). `ambiguous` (from
    `read_ambiguous`) leaves out the label decisions the labellers list as genuinely ambiguous.
    """
    if folds < 2:
        raise InputError(f"--folds must be at least 2 (got {folds})")
    labelled = set(rules or [])
    if not labelled:
        for it in items:
            labelled |= set(it.labels.objective)
            for k in it.labels.key_results:
                labelled |= set(k)
    sites = sorted({source_site(it.source) for it in items})
    fold = {s: fold_of(s, folds) for s in sites}
    split = SplitInfo(
        folds=folds, heldout_fold=HELDOUT_FOLD, scored_part=part,
        heldout_sites=[s for s in sites if fold[s] == HELDOUT_FOLD],
        tune_sites=[s for s in sites if fold[s] != HELDOUT_FOLD], definition=SPLIT_DEFINITION,
    )

    def wanted(site: str) -> bool:
        return part == "all" or (fold[site] == HELDOUT_FOLD) == (part == "heldout")

    amb: dict[int | None, set[tuple[str, str]]] = dict(ambiguous or {})
    outcomes = [_score_item(it, labelled, profile, amb.get(it.line, frozenset()))
                for it in items if wanted(source_site(it.source))]
    field_ok: Counter[str] = Counter()
    field_n: Counter[str] = Counter()
    for o in outcomes:
        for _, res in o.parse:
            for f, v in res.items():
                field_n[f] += 1
                field_ok[f] += v
    whole = _part("whole", outcomes, labelled)
    fold_scores = []
    if len(sites) > 1:
        for f in range(folds):
            members = [o for o in outcomes if fold[o.site] == f]
            if members:
                fold_scores.append(_part(
                    f"fold {f}", members, labelled, fold=f, part="heldout" if f == HELDOUT_FOLD else "tune",
                    sites=sorted({o.site for o in members})))
    source_scores = []
    if by_source:
        for s in sites:
            members = [o for o in outcomes if o.site == s]
            if members:
                source_scores.append(_part(s, members, labelled, fold=fold[s], sites=[s],
                                           part="heldout" if fold[s] == HELDOUT_FOLD else "tune"))
    return EvalResult(
        items=len(outcomes), rules=whole.rules, parse_total=whole.parse_total, parse_exact=whole.parse_exact,
        parse_exact_match=whole.parse_exact_match,
        parse_field_accuracy={f: round(field_ok[f] / field_n[f], 3) for f in sorted(field_n)},
        parse_misses=[m for o in outcomes for m in o.parse_misses], misses=[m for o in outcomes for m in o.misses],
        split=split, folds=fold_scores, by_source=source_scores, ambiguous_excluded=sum(o.skipped for o in outcomes),
    )
