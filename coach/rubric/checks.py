"""Check kinds: each rule file `extends` one of these; each is implemented once, here."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

from coach import lexicon as lx
from coach.krparse import Analysis, find_numbers
from coach.models import KeyResult, Objective, OKRSet
from coach.rubric.loader import CHECK_KINDS


@dataclass(slots=True)
class Hit:
    """One place a check found its problem, with values for the rule's message and suggestion."""

    evidence: str
    values: dict[str, Any] = field(default_factory=dict)
    objective: int | None = None  # for set-scope hits: where it points
    key_result: int | None = None


@dataclass(slots=True)
class Target:
    """What a check looks at: the set, and for narrower scopes the objective and key result."""

    okrs: OKRSet
    objective: Objective | None = None
    oi: int | None = None
    kr: KeyResult | None = None
    ki: int | None = None
    analysis: Analysis | None = None
    analyses: list[list[Analysis]] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.kr is not None:
            return self.kr.text
        return self.objective.title if self.objective is not None else ""


Check = Callable[[Target, dict[str, Any]], list[Hit]]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def deco(fn: Check) -> Check:
        CHECKS[name] = fn
        CHECK_KINDS.add(name)
        return fn

    return deco


_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
# Acronyms: "NRR", "SaaS", and lower-case-led ones such as "eNPS"; CamelCase names ("LinkedIn") are not.
_ACRONYM = re.compile(r"\b[a-z]?[A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*\b|\b[A-Z]{2,}\d*\b")
_TWO_CAPS = re.compile(r"[A-Z].*[A-Z]")
_TWO_CAPS_FAST = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z]")
_CAPS_RUN = re.compile(r"[A-Z]{2}")
_PERIOD_TOKEN = re.compile(r"[QH][1-4]|FY\d{2,4}")
_EXPLAINED_AFTER = re.compile(r"\s*\(([^)]{6,})\)")
_LETTERS = re.compile(r"[a-z]+")


@lru_cache(maxsize=256)
def fset(items: tuple[str, ...]) -> frozenset[str]:
    """A rule's word list as a lower-case set (params lists are tuples once compiled)."""
    return frozenset(str(i).lower() for i in items)


@lru_cache(maxsize=256)
def alternation(items: tuple[str, ...]) -> re.Pattern[str] | None:
    """One compiled regex matching any of the words or phrases as whole words."""
    if not items:
        return None
    alts = "|".join(re.escape(str(i).lower()) for i in sorted(items, key=lambda x: -len(str(x))))
    return re.compile(rf"\b(?:{alts})\b")


@lru_cache(maxsize=256)
def patterns(items: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in items)


def words(text: str) -> list[str]:
    return _WORDS.findall(text)


@lru_cache(maxsize=64)
def _prefix_order(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """Longest first, lower case, each with its trailing space."""
    return tuple(p.lower() + " " for p in sorted(prefixes, key=len, reverse=True))


def _strip_prefix(text: str, prefixes: tuple[str, ...]) -> str:
    stripped = text.strip()
    low = stripped.lower()
    for p in _prefix_order(tuple(prefixes)):
        if low.startswith(p):
            return stripped[len(p):].lstrip()
    return stripped


@check("numbers_in_text")
def numbers_in_text(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Numbers, amounts, percentages and number words that state a target (dates and names excepted)."""
    text = t.text
    low = text.lower()
    time_units = fset(p.get("time_units", ()))
    name_words = fset(p.get("name_words", ()))
    found: list[str] = []
    for n in find_numbers(text):
        token = text[n.start:n.end].strip()
        before = low[: n.start].split()
        after = low[n.end:].split()
        if before and before[-1].strip("(#") in name_words:
            continue
        if (n.unit in time_units) or (after and after[0].strip(",.") in time_units):
            continue  # a time window such as "in 90 days" says when, not how much
        if before and before[-1] in ("#", "no.", "number"):
            continue
        found.append(token)
    pat = alternation(p.get("number_words", ()))
    for m in pat.finditer(low) if pat else ():
        nxt = low[m.end():m.end() + 20].split()[:1]
        if nxt and nxt[0].strip(",.") in time_units:
            continue
        found.append(text[m.start():m.end()])
    if not found:
        return []
    return [Hit(evidence=", ".join(dict.fromkeys(found)), values={"numbers": ", ".join(dict.fromkeys(found))})]


@check("leading_verb")
def leading_verb(t: Target, p: dict[str, Any]) -> list[Hit]:
    """The text starts with one of the listed verbs (after an optional 'We will' / 'To'), or holds a phrase."""
    text = _strip_prefix(t.text, p.get("skip_prefixes", ()))
    raw_words = words(text)
    ws = [w.lower() for w in raw_words]
    verbs = fset(p.get("verbs", ()))
    hits: list[Hit] = []
    # "Support requests get resolved": the first word starts a subject, it is not an imperative verb.
    as_subject = bool(set(ws[1:4]) & fset(p.get("subject_verbs", ())))
    if ws and ws[0] in verbs and not as_subject:
        first = raw_words[0]
        two = " ".join(raw_words[:2])
        hits.append(Hit(evidence=two if ws[0] in p.get("show_object_for", []) else first, values={"verb": first}))
    low = t.text.lower()
    for phrase in p.get("phrases", []):
        i = low.find(phrase.lower())
        if i >= 0 and not hits:
            hits.append(Hit(evidence=t.text[i:i + len(phrase)], values={"verb": phrase}))
    bland = p.get("bland_max_words")
    if bland and not hits and 0 < len(ws) <= int(bland):
        hits.append(Hit(evidence=t.text, values={"verb": t.text}))
    return hits


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9])")


def _sentences(text: str) -> int:
    if not any(c in text for c in ".!?;"):
        return 1
    return len([x for x in _SENTENCE_SPLIT.split(text.strip()) if x.strip()])


@check("length")
def length(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Too many words, or more than one sentence."""
    limit = int(p["max_words"])
    n = len(t.text.split())
    if n > limit:
        n = len(words(t.text))  # count words, not stray punctuation, before reporting
    if n > limit:
        return [Hit(evidence=f"{n} words", values={"count": n, "max": limit})]
    sentences = _sentences(t.text)
    if sentences > int(p.get("max_sentences", 1)):
        return [Hit(evidence=f"{sentences} sentences", values={"count": n, "max": limit})]
    return []


@check("context_field")
def context_field(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Neither the objective, nor the set, nor (optionally) the title provides this piece of context."""
    obj = t.objective
    assert obj is not None
    if _has_any(obj, p.get("fields", ())) or _has_any(t.okrs, p.get("set_fields", ())):
        return []
    for pat in patterns(p.get("patterns", ())):
        if pat.search(obj.title):
            return []
    return [Hit(evidence=p.get("evidence", "missing"))]


def _has_any(model: Any, names: tuple[str, ...]) -> bool:
    """Any of these fields (declared or extra) is set on the model."""
    data = model.__dict__
    extra = model.__pydantic_extra__ or {}
    return any(data.get(n) or extra.get(n) for n in names)


@check("count_range")
def count_range(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Too few or too many items (key results of an objective, or objectives of a set)."""
    items = t.objective.key_results if p.get("of") == "key_results" and t.objective else t.okrs.objectives
    n, lo, hi = len(items), int(p.get("min", 0)), int(p.get("max", 10**9))
    if lo <= n <= hi:
        return []
    values = {"count": n, "min": lo, "max": hi, "problem": "too few" if n < lo else "too many"}
    hit = Hit(evidence=f"{n} {p.get('noun', 'items')}", values=values)
    if n == 0 and p.get("zero_severity"):
        hit.values["severity"] = p["zero_severity"]
    return [hit]


@check("no_quantity")
def no_quantity(t: Target, p: dict[str, Any]) -> list[Hit]:
    """No number, threshold or countable quantity anywhere in the key result."""
    a = t.analysis
    assert a is not None
    if a.has_number or a.parsed.target is not None:
        return []
    pat = alternation(p.get("vague_words", ()))
    vague = pat.findall(t.text.lower()) if pat else []
    return [Hit(evidence=vague[0] if vague else t.text, values={"vague": ", ".join(dict.fromkeys(vague))})]


def _object_after(ws: list[str], i: int, skip: set[str]) -> str | None:
    j = i + 1
    while j < len(ws) and ws[j] in skip:
        j += 1
    return ws[j] if j < len(ws) else None


@check("activity")
def activity(t: Target, p: dict[str, Any]) -> list[Hit]:
    """The key result counts tasks done or names a deliverable to produce, not a result."""
    a = t.analysis
    assert a is not None
    if a.baseline_stated:
        return []  # "from X to Y" measures a change in a result, whatever the verb
    ws = a.words
    deliver = fset(p.get("deliverable_verbs", ()))
    act = fset(p.get("activity_verbs", ()))
    helpers = fset(p.get("helper_verbs", ()))
    determiners = fset(p.get("determiners", ()))
    frequency = fset(p.get("frequency_words", ()))
    for i, w in enumerate(ws[: int(p.get("verb_window", 4))]):
        lemma = w
        if w in helpers and i + 1 < len(ws) and ws[i + 1].endswith("ing"):
            i, lemma = i + 1, _lemma_ing(ws[i + 1])
        if lemma not in deliver and lemma not in act:
            continue
        nxt = _object_after(ws, i, {"out", "up", "off", "through", "all", "of"} if lemma in deliver else {"out", "up"})
        # "Migrate all accounts": a determiner right after the verb marks a task even when the skip list passes it.
        right_after = ws[i + 1] if i + 1 < len(ws) else None
        concrete = nxt is not None and (nxt in determiners or nxt in frequency or right_after in determiners
                                        or _is_number_at(t.text, a, i))
        if concrete:
            verb = " ".join(words(t.text)[i: i + 1])
            return [Hit(evidence=verb, values={"verb": verb})]
        break
    if a.nums:
        pat = _participles(tuple(p.get("participles", ())))
        m = pat.search(t.text.lower()) if pat else None
        if m:
            return [Hit(evidence=m.group(1), values={"verb": m.group(1)})]
    return []


@lru_cache(maxsize=16)
def _participles(items: tuple[str, ...]) -> re.Pattern[str] | None:
    if not items:
        return None
    alts = "|".join(re.escape(i) for i in items)
    return re.compile(rf"\d[\d,.]*\+?\s+(?:\w+\s+){{0,3}}({alts})\b")


def _lemma_ing(w: str) -> str:
    stem = w[:-3]
    if len(stem) > 2 and stem[-1] == stem[-2]:
        stem = stem[:-1]
    return stem


def _is_number_at(text: str, a: Analysis, i: int) -> bool:
    """The word right after the verb (or after 'out'/'up') is a quantity."""
    for n in a.nums:
        k = len(_WORD_RE.findall(text, 0, n.start))
        if k in (i + 1, i + 2):
            return True
    return False


_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*")


@check("missing_baseline")
def missing_baseline(t: Target, p: dict[str, Any]) -> list[Hit]:
    """A target level for a metric that already has a value, with no starting point."""
    a = t.analysis
    assert a is not None
    pk = a.parsed
    if pk.target is None or a.baseline_stated or a.relative or pk.direction == "maintain":
        return []
    metric_words = set(_LETTERS.findall((pk.metric or t.text).lower()))
    level_hit = metric_words & fset(p.get("level_words", ()))
    is_share = pk.unit == "%"
    if not (is_share or level_hit or a.to_level):
        return []
    if not is_share and metric_words & fset(p.get("count_words", ())) and not a.to_level:
        return []
    span = t.text[a.target_span[0]: a.target_span[1]].strip() if a.target_span else str(pk.target)
    return [Hit(evidence=span, values={"metric": pk.metric or "this metric"})]


@check("direction")
def direction(t: Target, p: dict[str, Any]) -> list[Hit]:
    """The parsed direction is the listed one (e.g. maintain) while a target is set."""
    a = t.analysis
    assert a is not None
    if a.parsed.direction != p.get("direction") or (p.get("require_target") and a.parsed.target is None):
        return []
    first = words(t.text)[:2]
    return [Hit(evidence=" ".join(first), values={"metric": a.parsed.metric or "this metric"})]


@check("acronyms")
def acronyms(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Acronyms nobody explained, and jargon phrases a colleague from another team would not follow."""
    text = t.text
    allowed = fset(p.get("allowed", ()))
    glossary = (t.okrs.model_extra or {}).get("glossary") or {}
    if isinstance(glossary, dict) and glossary:
        allowed = allowed | {str(k).lower() for k in glossary}
    found: list[str] = []
    for m in _ACRONYM.finditer(text) if _TWO_CAPS_FAST.search(text) else ():
        tok = m.group(0)
        if tok.lower() in allowed or not _TWO_CAPS.search(tok) or _PERIOD_TOKEN.fullmatch(tok):
            continue
        if len(tok) > 4 and not _CAPS_RUN.search(tok):
            continue  # a CamelCase name (LinkedIn, HubSpot), not an abbreviation
        inside_parens = text[: m.start()].rstrip().endswith("(") and text[m.end():].lstrip().startswith(")")
        if inside_parens or _EXPLAINED_AFTER.match(text, m.end()):
            continue
        found.append(tok)
    pat = alternation(p.get("jargon_phrases", ()))
    if pat:
        found += pat.findall(text.lower())
    if not found:
        return []
    return [Hit(evidence=", ".join(dict.fromkeys(found)), values={"terms": ", ".join(dict.fromkeys(found))})]


def _metric_tokens(a: Analysis, text: str, stop: set[str]) -> frozenset[str]:
    base = a.parsed.metric or text
    toks = [w.rstrip("s") for w in _LETTERS.findall(base.lower()) if w not in stop and len(w) > 1]
    return frozenset(toks)


@check("duplicate_metric")
def duplicate_metric(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Two key results of the set measure the same thing."""
    stop = fset(p.get("stopwords", ())) | lx.ALL_VERBS
    threshold = float(p.get("min_similarity", 0.8))
    seen: list[tuple[str | None, frozenset[str], str]] = []
    hits: list[Hit] = []
    for oi, obj in enumerate(t.okrs.objectives):
        for ki, kr in enumerate(obj.key_results):
            a = t.analyses[oi][ki]
            toks = _metric_tokens(a, kr.text, stop)
            if not toks:
                continue
            unit = a.parsed.unit
            for (punit, ptoks, ptext) in seen:
                if unit and punit and unit != punit:
                    continue  # "$1M of leads" and "60% of leads" measure different things
                sim = len(toks & ptoks) / len(toks | ptoks)
                if sim >= threshold:
                    hits.append(Hit(
                        evidence=f"{ptext!r} and {kr.text!r}",
                        values={"first": ptext, "second": kr.text, "metric": " ".join(sorted(toks & ptoks))},
                        objective=oi, key_result=ki,
                    ))
                    break
            seen.append((unit, toks, kr.text))
    return hits


def classify_indicator(text: str, leading: frozenset[str], lagging: frozenset[str]) -> str | None:
    """'leading', 'lagging' or None, from the words of the key result."""
    ws = set(_LETTERS.findall(text.lower()))
    ws |= {w.rstrip("s") for w in ws if w[-1] == "s"}  # plural and singular (only words ending in s change)
    lead, lag = not ws.isdisjoint(leading), not ws.isdisjoint(lagging)
    if lead == lag:
        return None
    return "leading" if lead else "lagging"


@check("indicator_mix")
def indicator_mix(t: Target, p: dict[str, Any]) -> list[Hit]:
    """All key results of an objective are lagging, or all are leading."""
    leading = fset(p.get("leading_words", ()))
    lagging = fset(p.get("lagging_words", ()))
    hits: list[Hit] = []
    for oi, obj in enumerate(t.okrs.objectives):
        kinds = [a.kind if a.kind is not None else classify_indicator(kr.text, leading, lagging)
                 for a, kr in zip(t.analyses[oi], obj.key_results)]
        if len(kinds) < int(p.get("min_krs", 2)) or None in kinds or len(set(kinds)) != 1:
            continue
        kind = kinds[0]
        other = "leading" if kind == "lagging" else "lagging"
        hits.append(Hit(
            evidence=f"objective {oi + 1}: {len(kinds)} {kind} key results",
            values={"kind": kind, "other": other, "objective_title": obj.title}, objective=oi,
        ))
    return hits
