"""Draft OKRs grounded in whole library OKRs: retrieve, adapt to the user's numbers, sense-check, let the model
choose, let the rubric rank.

A draft starts from an objective with its own key results and its "why" (the role library), or, for a role the
library does not have, from a role-neutral pattern for the outcome the user is after. The user's numbers are
never changed; targets are derived from them at the chosen ambition. The embedded model only chooses among the
candidates; a capable model (any other litellm model string) may also write its own draft, which faces the same
sense check. Every part and every number says where it came from.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from collections.abc import Callable
from typing import Literal

import yaml
from pydantic import BaseModel, Field, create_model

from coach.corpus.library import SAFE_LOADER, ExampleOKR, Role
from coach.errors import InputError, ModelError
from coach.krparse import parse_kr
from coach.models import Objective, OKRSet
from coach.prompts import DraftCandidateCtx, DraftPrompt, render
from coach.settings import Settings
from coach.usecases.assemble import metric_phrase, sentence
from coach.usecases.common import LLMLike, fallback_text, get_model, model_name, rescore
from coach.usecases.numbers import (
    derive_target,
    number_text,
    replace_number,
    scale_library_target,
    stretch_target,
    unit_of,
    user_lower_is_better,
)
from coach.usecases.results import (
    Ambition,
    Draft,
    DraftContext,
    DraftKR,
    DraftResult,
    NumberSource,
    UserMetric,
)
from coach.usecases.sense import (
    TARGET,
    TODAY,
    SenseChecker,
    content_words,
    fill_placeholders,
    similarity,
    strip_numbers,
    vectors,
)

MAX_SAMPLES = 8
# Kept back from the model's share of the budget: ranking and printing the answer after its last request.
RESERVE_S = 1.0
MAX_CANDIDATES = 3  # shown to the model to choose from (objectives only: a short prompt reads fast)
MAX_DRAFTS = 12
DRAFT_MAX_TOKENS = 24
FREE_MAX_TOKENS = 400
LETTERS = "ABCDEFGH"


def current_quarter(today: date | None = None) -> str:
    d = today or date.today()
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


# -- candidates ---------------------------------------------------------------------------------------------


@dataclass
class CandKR:
    text: str
    why: str
    kind: Literal["leading", "lagging"] | None
    source: Literal["role_library", "role_neutral", "user", "model"]
    detail: str | None = None
    baseline: NumberSource | None = None
    target: NumberSource | None = None
    metric: str | None = None


@dataclass
class Candidate:
    objective: str
    krs: list[CandKR]
    why: str | None
    source: Literal["role_library", "role_neutral", "user_objective", "model"]
    objective_source: Literal["role_library", "role_neutral", "user", "model", "model_adapted"]
    detail: str
    relevance: float = 0.0
    votes: int = 0
    measures_user: int = 0  # how many of the user's metrics a library key result of this objective measures
    notes: list[str] = field(default_factory=list)


_LEAD_VERB = re.compile(
    r"^\s*(?:raise|cut|grow|lift|reduce|increase|decrease|shorten|lower|improve|boost|double|halve|keep|hold|"
    r"reach|bring|move|expand|get)\s+(?:the\s+)?", re.IGNORECASE)
_FROM_TO = re.compile(r"\bfrom\s+\S+\s+to\s+\S+(?:\s+(?:days|hours|weeks|points|minutes))?", re.IGNORECASE)


def measured(text: str) -> str:
    """What a key result counts, in its own words: the sentence without its verb and its from-to numbers
    ('Cut patient falls from 5 to 2 per 1000 bed days' -> 'patient falls per 1000 bed days')."""
    t = text.replace(TODAY, "X").replace(TARGET, "Y")
    t = _FROM_TO.sub(" ", t)
    t = _LEAD_VERB.sub("", t, count=1)
    t = " ".join(t.split()).strip(" ,.;")
    return t or text


def _why_clauses(why: str | None) -> list[str]:
    """The library's 'why' for an objective, cut at ';' and '.' into the reasons it gives for its key results."""
    if not why:
        return []
    parts = re.split(r"\s*[;.]\s+|\s*;\s*|\.$", why.strip())
    return [p.strip(" ,.") for p in parts if len(content_words(p)) >= 2]


def _best_clause(kr_text: str, clauses: list[str], also: str = "") -> str | None:
    """The clause of the library's why that speaks about this key result (most shared content words), if any.
    `also`: the library's description of the metric, whose words count too ('length of the sales cycle')."""
    want = content_words(measured(kr_text)) | content_words(also)
    scored = sorted(((len(content_words(c) & want), -i, c) for i, c in enumerate(clauses)), reverse=True)
    return scored[0][2] if scored and scored[0][0] > 0 else None


def _role_metric(role: Role | None, metric: str | None):  # -> Metric | None
    """The role's metric a key result measures, when one clearly matches (half the words or more)."""
    if role is None or not metric:
        return None
    want = content_words(metric)
    best = max(role.metrics, key=lambda m: len(content_words(m.name) & want), default=None)
    if best is not None and want and len(content_words(best.name) & want) / len(content_words(best.name) | want) >= 0.5:
        return best
    return None


_KIND_WORDS = {"leading": "a leading signal: it moves before the result does",
               "lagging": "the lagging result: it shows the objective was reached"}


def kr_why(text: str, objective: str, *, kind: str | None, role: Role | None = None, library_why: str | None = None,
           metric: str | None = None, reason: str | None = None) -> str:
    """One line per key result: what it measures (the library's description of the metric where it has one, else
    the key result's own words) and why it moves this objective (the library's reason for it where the example
    gives one, else its kind and the objective it serves). Nothing here is invented: every part is quoted from
    the library or from the key result and objective themselves."""
    what = measured(text)
    m = _role_metric(role, metric or parse_kr(fill_placeholders(text)).metric)
    if m is not None and m.description:
        what = f"{what} ({m.description.rstrip('.')[0].lower()}{m.description.rstrip('.')[1:]})"
    head = f"Measures {what}"
    head += f", {_KIND_WORDS[kind]}" if kind in _KIND_WORDS else ""
    clause = _best_clause(text, _why_clauses(library_why), m.description or "" if m is not None else "")
    if clause:
        return f"{head}. Why it moves the objective: {clause[0].lower()}{clause[1:]}."
    if reason:
        return f"{head}. {reason}"
    return f"{head}. It tracks progress toward \"{objective.rstrip('.')}\"."


def _library_kr(text: str, role: Role, objective: str, ambition: Ambition, kind: str | None,
                library_why: str | None = None) -> CandKR:
    p = parse_kr(text)
    label = f"example level from the {role.role} library; put in today's value"
    why = kr_why(text, objective, kind=kind, role=role, library_why=library_why, metric=p.metric)
    kr = CandKR(text=text, why=why, kind=kind, source="role_library",  # type: ignore[arg-type]
                detail=f"{role.role} library", metric=p.metric)
    if p.baseline is not None:
        kr.baseline = NumberSource(value=float(p.baseline), source="role_library", note=label)
    if p.target is not None:
        kr.target = NumberSource(value=float(p.target), source="role_library", note="example target from the library")
    if ambition == "committed" and p.baseline is not None and p.target is not None and p.baseline != p.target:
        new_t = scale_library_target(float(p.baseline), float(p.target), p.unit or "count")
        new_text = replace_number(text, float(p.target), new_t)
        if new_text is not None:
            kr.text = new_text
            kr.target = NumberSource(value=new_t, source="derived",
                                     note="committed: a reachable step, 40% of the library example's")
    return kr


def _kinds(objective: str, krs: list[str]) -> list[str | None]:
    rep = rescore(OKRSet(objectives=[Objective(title=objective, key_results=[fill_placeholders(k) for k in krs])]),
                  Settings())
    return [k.kind for k in rep.objectives[0].key_results]


def _metric_kind(role: Role, metric: str | None) -> str | None:
    """The kind of the role metric a key result measures (the library says), when one clearly matches."""
    m = _role_metric(role, metric)
    return m.kind if m is not None else None


def library_candidate(role: Role, ex: ExampleOKR, ambition: Ambition) -> Candidate:
    kinds = [_metric_kind(role, parse_kr(t).metric) or k for t, k in zip(ex.key_results, _kinds(ex.objective, list(ex.key_results)))]
    krs = [_library_kr(t, role, ex.objective, ambition, k, ex.why) for t, k in zip(ex.key_results, kinds)]
    return Candidate(objective=ex.objective, krs=krs, why=ex.why, source="role_library",
                     objective_source="role_library", detail=f"{role.role} library example")


class NeutralKR(BaseModel):
    metric: str
    kind: Literal["leading", "lagging"]
    unit: str
    up: bool
    why: str


class NeutralPattern(BaseModel):
    outcome: str
    objective: str
    why: str
    key_results: list[NeutralKR]
    # Words people use when this outcome is what they are after ("volunteers drop out" is about people staying),
    # which a small embedding model does not always link to the pattern's own words.
    signals: list[str] = []

    def signalled_by(self, text: str) -> bool:
        low = f" {' '.join(re.findall(r'[a-z]+', text.lower()))} "
        return any(f" {s} " in low for s in self.signals)


@lru_cache(maxsize=4)
def neutral_patterns(corpus_dir: Path) -> tuple[NeutralPattern, ...]:
    path = corpus_dir / "neutral.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    return tuple(NeutralPattern.model_validate(p) for p in data["patterns"])


_DURATION = re.compile(r"^(?:the\s+)?(?:median\s+|average\s+|mean\s+)?(?:days|hours|weeks|minutes|time)\s+"
                       r"(?:to|from|until|before|between)\b|\btime to\b|\bcycle\b|\bwait|\blead time\b")


def down_verb(metric: str, unit: str) -> str:
    """'shorten' for a duration ('days to hire'), 'cut' for an amount ('hours spent on rework', 'days lost')."""
    return "shorten" if unit in ("days", "hours", "weeks") and _DURATION.search(metric.lower()) else "cut"


def _placeholder_kr(metric: str, up: bool, unit: str, *, why: str, kind: str | None, source: str,
                    detail: str, ambition: Ambition) -> CandKR:
    verb = "Raise" if up else down_verb(metric, unit).capitalize()
    step = "about 10%" if ambition == "committed" else "about 30%"
    text = f"{verb} {metric_phrase(metric)} from {TODAY} to {TARGET}"
    return CandKR(text=text, why=why, kind=kind, source=source, detail=detail, metric=metric,  # type: ignore[arg-type]
                  baseline=NumberSource(value=None, source="placeholder", note="put in today's value"),
                  target=NumberSource(value=None, source="placeholder",
                                      note=f"{ambition}: aim {step} {'above' if up else 'below'} today's value"))


def neutral_candidate(p: NeutralPattern, ambition: Ambition) -> Candidate:
    krs = [_placeholder_kr(k.metric, k.up, k.unit, kind=k.kind, source="role_neutral",
                           why=f"Measures {k.metric}, {_KIND_WORDS[k.kind]}. Why it moves the objective: "
                               f"{k.why[0].lower()}{k.why[1:].rstrip('.')}.",
                           detail=f"role-neutral pattern: {p.outcome}", ambition=ambition) for k in p.key_results]
    return Candidate(objective=p.objective, krs=krs, why=p.why, source="role_neutral",
                     objective_source="role_neutral", detail=f"role-neutral pattern for {p.outcome}")


# -- the user's metrics -------------------------------------------------------------------------------------


# Words that only say how a quantity is counted or when: "hours to restore service" and "median time to restore
# service" measure the same thing; "weekly active users" and "weekly active teams" do not.
_HOW_COUNTED = {"hour", "day", "week", "minute", "month", "year", "time", "median", "average", "mean", "number",
                "share", "rate", "percent", "percentage", "total", "monthly", "weekly", "quarterly", "yearly",
                "annual", "count", "per", "level", "score"}


def _matches(user: UserMetric, kr: CandKR) -> bool:
    """The key result measures the user's metric: they share a word, and every word of the user's that the key
    result lacks only says how it is counted."""
    if not kr.metric:
        return False
    a, b = content_words(user.name), content_words(kr.metric)
    return bool(a & b - _HOW_COUNTED) and not (a - b - _HOW_COUNTED)


def user_kr(user: UserMetric, objective: str, ambition: Ambition) -> CandKR:
    """A key result for a metric the user named: their value as the start, a target at the chosen ambition."""
    unit = unit_of(user)
    down, said = user_lower_is_better(user)
    up = not down
    today = f" (today {number_text(user.value, unit)}, as you gave it)" if user.value is not None else ""
    why = (f"Measures {user.name}, the metric you named{today}. It is here because you track it; keep it if "
           f"moving it is part of \"{objective.rstrip('.')}\", or ask for another objective.")
    if user.value is None:
        return _placeholder_kr(user.name, up, unit, why=why, kind=None, source="user", detail="your metric",
                               ambition=ambition)
    t = derive_target(user.value, unit, user.name, ambition, down=down)
    verb = "raise" if t > user.value else down_verb(user.name, unit)
    text = sentence(verb, user.name, user.value, t, unit)
    return CandKR(text=text, why=why, kind=None, source="user", detail="your metric and value", metric=user.name,
                  baseline=NumberSource(value=user.value, source="user", note="your value, unchanged"),
                  target=NumberSource(value=t, source="derived", note=_target_note(user, ambition, down, said)))


def _target_note(user: UserMetric, ambition: Ambition, down: bool, said: bool, by: str = "you") -> str:
    how = {"committed": "a reachable step (expected to land in full)",
           "aspirational": "a stretch (0.7 of the way counts as success)"}[ambition]
    note = f"{ambition} target derived from your value: {how}"
    if said:
        return note + f"; {'less' if down else 'more'} is better, as {by} said" if by == "you" else \
            note + f"; {'less' if down else 'more'} is better, as {by} shows"
    other = "higher" if down else "lower"
    return (note + f"; assumes {'less' if down else 'more'} is better, read from the metric's name (if not, write "
            f"'{user.name}=<value>, {other} is better')")


def apply_user_metrics(c: Candidate, metrics: list[UserMetric], ambition: Ambition, max_krs: int) -> Candidate:
    """Put the user's values into the key results that measure their metrics; add the ones none measures."""
    for um in metrics:
        hit = next((k for k in c.krs if _matches(um, k)), None)
        if hit is None:
            new = user_kr(um, c.objective, ambition)
            if len(c.krs) >= max_krs:
                gone = c.krs[-1]
                c.krs[-1] = new
                c.notes.append(f"{gone.text!r} made room for your metric {um.name!r}")
            else:
                c.krs.append(new)
            continue
        c.measures_user += 1
        if um.value is None:
            continue  # the user named a metric the draft already measures
        unit = unit_of(um)
        down, said = user_lower_is_better(um)
        if not said and hit.baseline is not None and hit.target is not None and hit.baseline.value is not None \
                and hit.target.value is not None and hit.baseline.value != hit.target.value:
            down, said = hit.target.value < hit.baseline.value, True  # the library example says which way
        t = derive_target(um.value, unit, um.name, ambition, down=down)
        text = None
        if hit.baseline is not None and hit.baseline.value is not None and hit.target is not None \
                and hit.target.value is not None:
            step = replace_number(hit.text, hit.baseline.value, um.value)
            text = replace_number(step, hit.target.value, t) if step else None
        if text is None or parse_kr(text).baseline != um.value:
            text = sentence("raise" if t > um.value else down_verb(hit.metric or um.name, unit),
                            hit.metric or um.name, um.value, t, unit)
        hit.text = _plural_units(text)
        hit.source = "user"
        hit.detail = (hit.detail or "") + "; numbers are yours"
        hit.baseline = NumberSource(value=um.value, source="user", note="your value, unchanged")
        hit.target = NumberSource(value=t, source="derived", note=_target_note(
            um, ambition, down, said, by="you" if um.direction is not None else "the library example"))
    return c


def _plural_units(text: str) -> str:
    """'to 6.3 hour' -> 'to 6.3 hours' after a number was swapped in a library sentence."""
    return re.sub(r"\b(?!1\b)(\d[\d,]*(?:\.\d+)?) (hour|day|week|minute|month|year|point)\b", r"\1 \2s", text)


# -- feedback -----------------------------------------------------------------------------------------------

STRETCH = 1.5  # "more ambitious" on a draft that is aspirational already: each target's step, half as far again


def _stretch(c: Candidate, factor: float) -> None:
    """Every target with a known start moves `factor` times as far from it (shares stay within 0-100%, amounts
    above zero); the start, the user's or the library's, is never touched."""
    for k in c.krs:
        if k.baseline is None or k.target is None or k.baseline.value is None or k.target.value is None:
            continue
        b, t = k.baseline.value, k.target.value
        p = parse_kr(k.text)
        new = stretch_target(b, t, p.unit or "count", p.metric or "", factor)
        text = replace_number(k.text, t, new) if new != t else None
        if text is None or parse_kr(text).target != new:
            continue
        k.text = text
        k.target = NumberSource(value=new, source="derived",
                                note=f"stretched {factor:g}x further on your feedback 'more ambitious' (was {t:g})")


@dataclass
class Feedback:
    ambition: Ambition | None = None
    exclude: set[str] = field(default_factory=set)
    max_krs: int = 3
    another: bool = False
    more: bool = False  # "more ambitious": when the draft is aspirational already, stretch its targets further
    applied: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


_NO = re.compile(r"\b(?:no|not|without|avoid|drop|less)\s+(?:more\s+)?([a-z][a-z \-]{1,40}?)(?:\s+(?:metrics?|key results?|krs?))?$")


def read_feedback(items: list[str]) -> Feedback:
    """Deterministic reading of the usual requests; anything else is passed to a capable model and noted."""
    fb = Feedback()
    for raw in items:
        t = " ".join(raw.lower().split()).strip(" .!")
        if not t:
            continue
        if re.search(r"\b(more|bolder|higher) (ambitious|stretch|targets?)\b|\bmore ambition|\bstretch\b|\bbolder\b", t):
            fb.ambition = "aspirational"
            fb.more = True
            fb.applied.append(f"{raw!r}: aspirational targets")
        elif re.search(r"\b(less|too) ambitious\b|\brealistic\b|\bsafer\b|\bcommitted\b|\breachable\b", t):
            fb.ambition = "committed"
            fb.applied.append(f"{raw!r}: committed targets")
        elif re.search(r"\bfewer\b|\bless key results\b|\bshorter\b", t):
            fb.max_krs = 2
            fb.applied.append(f"{raw!r}: two key results")
        elif re.search(r"\bmore (key results|krs)\b", t):
            fb.max_krs = 4
            fb.applied.append(f"{raw!r}: up to four key results")
        elif re.search(r"\b(another|different|other|new) objective\b|\bsomething else\b", t):
            fb.another = True
            fb.applied.append(f"{raw!r}: a different objective")
        elif m := _NO.search(t):
            word = m.group(1).strip()
            fb.exclude |= content_words(word)
            fb.applied.append(f"{raw!r}: no key results about {word}")
        else:
            fb.unread.append(raw)
    return fb


_MONEY_WORDS = {"revenue", "money", "income", "dollar", "spend", "cost", "margin", "profit", "bookings", "arr",
                "mrr", "cash", "price", "pricing", "financial"}


def _excluded(kr: CandKR, exclude: set[str]) -> bool:
    if not exclude:
        return False
    words = content_words(kr.text)
    if exclude & {"revenue", "money", "financial", "monetary", "dollar"}:
        if words & _MONEY_WORDS or "$" in kr.text:
            return True
    return bool(words & exclude)


# -- the model ----------------------------------------------------------------------------------------------


def choice_schema(n: int) -> type[BaseModel]:
    letters = tuple(LETTERS[:n])
    return create_model("DraftChoice", choice=(Literal[letters], ...))  # type: ignore[valid-type]


class FreeKR(BaseModel):
    metric: str = Field(min_length=2, max_length=80)
    direction: Literal["up", "down"]
    baseline: float | None = None
    target: float | None = None
    unit: Literal["%", "USD", "days", "hours", "weeks", "count", "points", "x"]
    why: str = Field(min_length=3, max_length=200)


class FreeDraft(BaseModel):
    """A capable model's own draft: still sense-checked, the user's numbers still win."""

    objective: str = Field(min_length=3, max_length=120)
    key_results: list[FreeKR] = Field(min_length=2, max_length=4)


def free_candidate(out: FreeDraft, metrics: list[UserMetric], ambition: Ambition) -> Candidate:
    krs: list[CandKR] = []
    for k in out.key_results:
        user = next((u for u in metrics if content_words(u.name) and content_words(u.name) <= content_words(k.metric)),
                    None)
        if user is not None:
            krs.append(user_kr(user, out.objective, ambition))
            continue
        up = k.direction == "up"
        if k.baseline is None or k.target is None:
            krs.append(_placeholder_kr(k.metric, up, k.unit, why=k.why, kind=None, source="model",
                                       detail="the model's metric", ambition=ambition))
            continue
        verb = "raise" if up else down_verb(k.metric, k.unit)
        krs.append(CandKR(text=sentence(verb, k.metric, k.baseline, k.target, k.unit), why=k.why, kind=None,
                          source="model", detail="the model's metric and numbers", metric=k.metric,
                          baseline=NumberSource(value=k.baseline, source="model", note="the model's guess; check it"),
                          target=NumberSource(value=k.target, source="model", note="the model's suggestion")))
    return Candidate(objective=out.objective.strip().rstrip("."), krs=krs, why=None, source="model",
                     objective_source="model", detail="written by the model")


def is_embedded(model: object) -> bool:
    return str(getattr(model, "model", "")).startswith("local:") or getattr(model, "prefill", None) is not None


# -- the use case -------------------------------------------------------------------------------------------


def _query(ctx: DraftContext) -> str:
    parts = [ctx.objective, ctx.focus_area, ctx.current_state, ctx.blockers, *(m.name for m in ctx.metrics)]
    return " ".join(p for p in parts if p)


SIGNAL_BOOST = 0.3  # a pattern the user's own words point to comes first, whatever the embeddings say


def _rank_by_query(cands: list[Candidate], query: str, boosts: list[float] | None = None) -> list[Candidate]:
    if not query:
        return cands
    texts = [c.objective + ". " + " ".join(k.metric or "" for k in c.krs) for c in cands]
    vectors([query, *texts])  # one batch
    for i, (c, text) in enumerate(zip(cands, texts)):
        c.relevance = round(similarity(query, text) + (boosts[i] if boosts else 0.0), 4)
    return sorted(cands, key=lambda c: -c.relevance)


def _for_user_objective(objective: str, roles: list[Role], role: Role | None, ambition: Ambition,
                        checker: SenseChecker, max_krs: int, settings: Settings) -> Candidate:
    """Key results for an objective the user wrote: the library key results nearest to it that measure it.

    The library's key-result vectors come from the examples index; only the user's objective is embedded.
    """
    from coach.corpus.index import get_index
    from coach.usecases.coaching import placeholders_for_numbers

    pool: list[tuple[float, Role, str]] = []
    idx = get_index(settings)
    by_slug = {r.slug: r for r in roles}
    items, vecs = idx.library_vectors()[2] if idx.backend == "vector" else ([], None)
    if vecs is not None and items:
        originals: dict[tuple[str, str], str] = {}
        for r in roles:
            for ex in r.good:
                for kr in ex.key_results:
                    if (ph := placeholders_for_numbers(kr)) is not None:
                        originals.setdefault((r.slug, ph), kr)
        sims = vecs @ vectors([objective])[0]
        for i in sims.argsort()[::-1][:40]:
            slug, ph = items[i]
            if (slug, ph) in originals and slug in by_slug:
                bonus = 0.05 if role is not None and slug == role.slug else 0.0
                pool.append((float(sims[i]) + bonus, by_slug[slug], originals[(slug, ph)]))
    else:  # no embeddings: the role's own key results, in library order
        pool = [(0.0, r, kr) for r in ([role] if role else roles[:3]) for ex in r.good for kr in ex.key_results]
    pool.sort(key=lambda x: -x[0])
    picked: list[CandKR] = []
    seen_metrics: set[str] = set()
    for _, r, text in pool:
        kind = _metric_kind(r, parse_kr(text).metric)
        kr = _library_kr(text, r, objective, ambition, kind)
        m = " ".join(sorted(content_words(kr.metric or kr.text)))
        if m in seen_metrics:
            continue
        probs, rel = checker.kr_problems(kr.text, objective)
        if probs:
            continue
        kr.why = kr_why(text, objective, kind=kind, role=r, metric=kr.metric, reason=(
            f"Taken from the {r.role} library as one of its key results nearest in meaning to your objective"
            + (f" (relatedness {rel:.2f})." if rel is not None else ".")))
        picked.append(kr)
        seen_metrics.add(m)
        if len(picked) >= max_krs:
            break
    return Candidate(objective=objective, krs=picked, why=None, source="user_objective", objective_source="user",
                     detail="your objective; key results from the library's nearest ones that measure it")


def draft(
    *, role: str, context: DraftContext | None = None, n: int = 3, settings: Settings, llm: LLMLike | None = None,
    seed: int | None = None, budget_s: float | None = None,
) -> DraftResult:
    """Ranked drafts for a role, grounded in the library and the user's numbers.

    `budget_s` bounds the wall time: every model request ends by then (the first included), and no further
    sample starts when it would end later. Without a model (or when it fails) the candidates are ranked
    without its choice, and the result says so.
    """
    deadline = None if not budget_s or budget_s <= 0 else time.monotonic() + budget_s
    if not role or not role.strip():
        raise InputError("a role is needed to draft OKRs", hint='for example --role "Account Executive"')
    ctx = context or DraftContext()
    n = max(1, min(int(n), MAX_SAMPLES))
    from coach.corpus.index import get_index
    from coach.corpus.roles import match_role

    starting = _start_model(settings, llm) if deadline is not None and not ctx.objective else None
    match = match_role(role.strip(), settings=settings)
    roles = list(get_index(settings).roles)
    notes: list[str] = []
    fb = read_feedback(ctx.feedback)
    ambition: Ambition = fb.ambition or ctx.ambition
    stretch = STRETCH if fb.more and ctx.ambition == "aspirational" else 1.0
    if stretch > 1.0:
        fb.applied = [a.replace(": aspirational targets", f": targets stretched {stretch:g}x further than the "
                                "aspirational ones") for a in fb.applied]
    r: Role | None = match.role if match.in_library else None
    if match.how in ("similar", "words") and match.in_library:
        close = f"; {match.alternatives[0]!r} is nearly as close" if match.alternatives and match.margin < 0.05 else ""
        notes.append(f"no role named {role.strip()!r}; drafted for the nearest library role {match.role.role!r} "
                     f"(similarity {match.score:.2f}{close})")
    elif not match.in_library:
        notes.append(f"{role.strip()!r} is outside the role library (nearest: {match.role.role!r} at "
                     f"{match.score:.2f}, too far to borrow its OKRs); drafted from role-neutral patterns"
                     + (" and your metrics" if ctx.metrics else ""))
    if fb.unread:
        notes.append("feedback not understood by the rules (given to the model when it drafts freely): "
                     + "; ".join(fb.unread))
    period = ctx.period
    if not period:
        period = current_quarter()
        notes.append(f"no period given; drafted for the current quarter {period}")
    base = OKRSet(period=period, team=ctx.team, role=r.role if r else role.strip(), focus_area=ctx.focus_area)
    checker = SenseChecker(settings, extra_metrics=[m.name for m in ctx.metrics])
    query = _query(ctx)

    if ctx.objective:
        problems, _ = checker.objective_problems(ctx.objective)
        if problems:
            notes.append(f"your objective may need work: {problems[0]}")
        cands = [_for_user_objective(" ".join(ctx.objective.split()), roles, r, ambition, checker, fb.max_krs,
                                     settings)]
    elif r is not None:
        cands = _rank_by_query([library_candidate(r, ex, ambition) for ex in r.good], query)
    else:
        pats = neutral_patterns(settings.corpus_dir)
        cands = _rank_by_query([neutral_candidate(p, ambition) for p in pats],
                               ". ".join(x for x in (role.strip(), query) if x),
                               [SIGNAL_BOOST if query and p.signalled_by(query) else 0.0 for p in pats])
    previous = {" ".join(p.lower().split()) for p in ctx.previous}
    if fb.another and not ctx.objective:
        kept = [c for c in cands if " ".join(c.objective.lower().split()) not in previous]
        cands = kept[1:] if not previous and len(kept) > 1 else kept or cands
    before = {id(c): len(c.krs) for c in cands}
    for c in cands:
        c.krs = [k for k in c.krs if not _excluded(k, fb.exclude)]
        c.krs = c.krs[: fb.max_krs]
        # the user's own metrics come on top of three library key results (a fourth), not in place of the result
        # the example was built around; with "fewer key results" they take the last place instead
        apply_user_metrics(c, ctx.metrics, ambition, fb.max_krs + 1 if fb.max_krs >= 3 else max(fb.max_krs, 2))
        if stretch > 1.0:
            _stretch(c, stretch)
        if c.why and len(c.krs) < before.get(id(c), len(c.krs)):
            # the library's reason speaks of key results the feedback removed: keep the parts that still apply
            kept = [cl for cl in _why_clauses(c.why) if any(_best_clause(k.text, [cl]) for k in c.krs)]
            c.why = ("; ".join(kept) + ".") if kept else None

    # Everything the answer needs is built before the model is asked: its votes only reorder the drafts, so
    # what is left of the budget after the model is a sort and the output.
    scored = _finish(cands, base, checker, settings, notes)
    model_deadline = None if deadline is None else deadline - RESERVE_S
    llm_used, fallback_reason, used_model = False, None, None
    lead = _lead(scored)
    embedded = is_embedded(llm) if llm is not None else settings.model == "local"
    if len(cands) <= 1 and ctx.objective:
        notes.append("key results for your objective come from the library; no model choice was needed")
    elif embedded and len(lead) == 1 and len(scored) > 1:
        # the embedded model only breaks ties at the top; with none, its vote could not change the first draft
        why_first = "it alone already measures your metric" if lead[0].measures_user else "it scores highest"
        notes.append(f"the model was not asked: the first draft comes first because {why_first}, whatever the "
                     "model would choose")
    else:
        try:
            model = starting.result(model_deadline) if starting is not None else get_model(settings, llm)
            used_model = model_name(model, settings)
            if not is_embedded(model) and not ctx.objective:
                free = _free_drafts(model, r, role, ctx, fb, ambition, settings, seed, model_deadline, notes)
                scored += _finish(free, base, checker, settings, notes)
                lead = _lead(scored)
            top = lead if len(lead) > 1 else [c for c, _ in scored][:MAX_CANDIDATES]
            asked = False
            if len(top) > 1:
                _choose(model, top, r, role, ctx, settings, n=n, seed=seed, deadline=model_deadline, notes=notes)
                asked = True
            llm_used = asked or any(c.source == "model" for c, _ in scored)
            if not llm_used:
                notes.append("one candidate only: the model was not asked")
        except ModelError as exc:
            fallback_reason = fallback_text(exc) + "; drafts ranked without the model's choice"
    drafts = _rank(scored)
    history = [{"objective": p} for p in ctx.previous] + ([{"feedback": ctx.feedback}] if ctx.feedback else [])
    return DraftResult(role=r.role if r else role.strip(), role_requested=role, in_library=match.in_library,
                       role_match=match.how if match.in_library else "outside", role_similarity=round(match.score, 3),
                       ambition=ambition, drafts=drafts, llm_used=llm_used, fallback_reason=fallback_reason,
                       model=used_model if llm_used else None, notes=notes, feedback_applied=fb.applied,
                       history=history)


class _Starting:
    """The model starting in a thread while the candidates are built (it takes seconds on a cold start)."""

    def __init__(self, settings: Settings, llm: LLMLike | None,
                 getter: Callable[[Settings, LLMLike | None], LLMLike] | None = None) -> None:
        import threading

        get = getter or get_model

        self.model: LLMLike | None = None
        self.error: ModelError | None = None
        self.done = threading.Event()

        def run() -> None:
            try:
                self.model = get(settings, llm)
            except ModelError as exc:
                self.error = exc
            except Exception as exc:  # noqa: BLE001 - reported as a model failure, never a crash
                self.error = ModelError(f"cannot start the language model: {exc}")
            finally:
                self.done.set()

        threading.Thread(target=run, name="okr-coach-model-start", daemon=True).start()

    def result(self, deadline: float | None) -> LLMLike:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not self.done.wait(left):
            raise ModelError("the model request timed out: the model was still starting when the time budget ran out")
        if self.error is not None:
            raise self.error
        assert self.model is not None
        return self.model


def _start_model(settings: Settings, llm: LLMLike | None) -> _Starting | None:
    return None if llm is not None else _Starting(settings, llm)


def _prompt(cands: list[Candidate], r: Role | None, role: str, ctx: DraftContext) -> DraftPrompt:
    return DraftPrompt(
        role=r.role if r else role.strip(), drives=r.drives if r else "",
        candidates=[DraftCandidateCtx(letter=LETTERS[i], objective=c.objective, key_results=[k.text for k in c.krs])
                    for i, c in enumerate(cands)],
        focus_area=ctx.focus_area, current_state=ctx.current_state, blockers=ctx.blockers, period=ctx.period,
        metrics=[m.name + (f" = {number_text(m.value, unit_of(m))}" if m.value is not None else "")
                 for m in ctx.metrics],
        feedback=list(ctx.feedback),
    )


def _bounded(call: Callable[[], list], deadline: float | None) -> list:
    """The model request, waited for until the deadline and no longer. The client passes the time left to
    litellm as its timeout, but a first request was measured ending a second past it on a busy machine (its
    HTTP timeouts count per read); an answer that comes later is dropped with its thread."""
    if deadline is None:
        return call()
    import threading

    box: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["out"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            box["err"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="okr-coach-model-request", daemon=True).start()
    if not done.wait(max(0.0, deadline - time.monotonic())):
        raise ModelError("the model request timed out: no answer by the end of the time budget")
    if "err" in box:
        raise box["err"]  # type: ignore[misc]
    return box["out"]  # type: ignore[return-value]


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def _choose(model: LLMLike, cands: list[Candidate], r: Role | None, role: str, ctx: DraftContext,
            settings: Settings, *, n: int, seed: int | None, deadline: float | None, notes: list[str]) -> None:
    """The model picks the candidate that fits the user's situation best; each sample is one vote."""
    messages = render("draft", _prompt(cands, r, role, ctx), settings=settings)
    schema = choice_schema(len(cands))
    base = 0 if seed is None else seed
    last_s = 0.0
    got = 0
    failure: ModelError | None = None
    for i in range(n):
        if i and deadline is not None and time.monotonic() + last_s > deadline:
            notes.append(f"the model voted {i} of {n} times: another vote would have gone past the time budget")
            break
        t0 = time.monotonic()
        try:
            outs = _bounded(lambda i=i: model.generate(messages=messages, schema=schema, n=1, temperature=0.7,
                                                       max_tokens=DRAFT_MAX_TOKENS, seed=base + i,
                                                       deadline=deadline), deadline)
        except ModelError as exc:
            failure = exc
            if "invalid output" not in exc.message:
                break
            continue
        last_s = time.monotonic() - t0
        for o in outs:
            cands[LETTERS.index(o.choice)].votes += 1
            got += 1
    if not got:
        raise failure or ModelError("the model returned no answer")


def _free_drafts(model: LLMLike, r: Role | None, role: str, ctx: DraftContext, fb: Feedback, ambition: Ambition,
                 settings: Settings, seed: int | None, deadline: float | None, notes: list[str]) -> list[Candidate]:
    """A capable model writes its own draft too (one request); it must pass the same checks as the rest."""
    from coach.prompts import DraftFreePrompt

    prompt = DraftFreePrompt(role=r.role if r else role.strip(), drives=r.drives if r else "",
                             focus_area=ctx.focus_area, current_state=ctx.current_state, blockers=ctx.blockers,
                             metrics=[m.name + (f" = {m.value:g}" if m.value is not None else "") for m in ctx.metrics],
                             feedback=list(ctx.feedback), ambition=ambition,
                             examples=[e.objective for e in (r.good[:3] if r else [])])
    try:
        outs = _bounded(lambda: model.generate(messages=render("draft_free", prompt, settings=settings),
                                               schema=FreeDraft, n=1, temperature=0.7, max_tokens=FREE_MAX_TOKENS,
                                               seed=seed, deadline=deadline), deadline)
    except ModelError as exc:
        if "invalid output" not in exc.message:
            raise  # a dead or slow model: no vote either
        notes.append(f"the model's own draft was skipped: {exc.message}")
        return []
    out = []
    for o in outs:
        c = free_candidate(o, ctx.metrics, ambition)
        c.krs = [k for k in c.krs if not _excluded(k, fb.exclude)][: fb.max_krs]
        out.append(c)
    return out


def _finish(cands: list[Candidate], base: OKRSet, checker: SenseChecker, settings: Settings,
            notes: list[str]) -> list[tuple[Candidate, Draft]]:
    """Sense-check every candidate (failures are dropped and counted), then let the rubric rank the rest."""
    drafts: list[tuple[Candidate, Draft]] = []
    dropped: list[str] = []
    if checker.vector and any(c.source not in ("role_library", "role_neutral") or
                              any(k.source != c.source for k in c.krs) for c in cands):
        # embed what the checks will compare in one batch (library pairs need no embedding: see SenseChecker)
        warm = [c.objective for c in cands]
        for c in cands:
            for k in c.krs:
                warm += [strip_numbers(k.text), parse_kr(fill_placeholders(k.text)).metric or k.text]
        vectors(warm)
    for c in cands:
        if len(c.krs) < 1:
            dropped.append(f"{c.objective!r}: no key result left")
            continue
        texts = [k.text for k in c.krs]
        paired = {i for i, k in enumerate(c.krs)
                  if k.source == "user" or (k.source in ("role_library", "role_neutral") and c.source == k.source)}
        sense = checker.check(c.objective, texts, paired=paired)
        if not sense.ok:
            dropped.append(f"{c.objective[:60]!r}: {sense.problems[0]}")
            continue
        okrs = base.model_copy(update={"objectives": [Objective(title=c.objective, key_results=texts)]}, deep=True)
        scored = base.model_copy(update={"objectives": [Objective(
            title=c.objective, key_results=[fill_placeholders(t) for t in texts])]}, deep=True)
        report = rescore(scored, settings)
        confirm = []
        for k in c.krs:
            if k.baseline is not None and k.baseline.source == "placeholder":
                confirm.append(f"{k.text}: put in today's value and your target")
            elif k.baseline is not None and k.baseline.source == "role_library":
                confirm.append(f"{k.text}: the numbers are an example level from the library; put in today's value")
            elif k.baseline is not None and k.baseline.source == "model":
                confirm.append(f"{k.text}: the numbers are the model's guesses; put in today's value")
        details = [DraftKR(text=k.text, why=k.why, kind=k.kind, source=k.source, source_detail=k.detail,
                           baseline=k.baseline, target=k.target) for k in c.krs]
        d = Draft(objective=c.objective, key_results=texts, score=report.score, report=report, okrs=okrs,
                  source=c.source, objective_source=c.objective_source, source_detail=c.detail, why=c.why,
                  details=details, sense=sense, to_confirm=confirm)
        drafts.append((c, d))
    if dropped:
        notes.append(f"{len(dropped)} candidate(s) dropped by the sense check: " + "; ".join(dropped[:3]))
    return drafts


def _lead(scored: list[tuple[Candidate, Draft]]) -> list[Candidate]:
    """The candidates tied at the top before the model votes (same number of the user's metrics measured, same
    score), closest to the request first: the ones the model's vote can still put first."""
    if not scored:
        return []
    pre = sorted(scored, key=lambda cd: (-cd[0].measures_user, -cd[1].score, -cd[0].relevance))
    best = (pre[0][0].measures_user, pre[0][1].score)
    return [c for c, d in pre if (c.measures_user, d.score) == best][:MAX_CANDIDATES]


def _rank(scored: list[tuple[Candidate, Draft]]) -> list[Draft]:
    """Objectives whose own key results already measure the user's metrics come first (the library built them
    around that metric); then the rubric ranks; among equal scores the model's votes, then closeness to what the
    user asked for."""
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][0].measures_user, -scored[i][1].score,
                                                      -scored[i][0].votes, -scored[i][0].relevance, i))
    ranked = [scored[i][1] for i in order][:MAX_DRAFTS]
    for i, d in enumerate(ranked, 1):
        d.rank = i
    for c, d in scored:
        d.model_choice = c.votes > 0
    return ranked
