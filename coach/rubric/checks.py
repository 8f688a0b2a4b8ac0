"""Check kinds: each rule file `extends` one of these; each is implemented once, here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coach import lexicon as lx
from coach.krparse import Analysis, find_numbers
from coach.models import KeyResult, Objective, OKRSet
from coach.rubric.loader import CHECK_KINDS


@dataclass
class Hit:
    """One place a check found its problem, with values for the rule's message and suggestion."""

    evidence: str
    values: dict[str, Any] = field(default_factory=dict)
    objective: int | None = None  # for set-scope hits: where it points
    key_result: int | None = None


@dataclass
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


def words(text: str) -> list[str]:
    return _WORDS.findall(text)


def _lower_words(text: str) -> list[str]:
    return [w.lower() for w in words(text)]


def _strip_prefix(text: str, prefixes: list[str]) -> str:
    low = text.strip()
    for p in sorted(prefixes, key=len, reverse=True):
        if low.lower().startswith(p.lower() + " "):
            return low[len(p) + 1:].lstrip()
    return low


@check("numbers_in_text")
def numbers_in_text(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Numbers, amounts, percentages and number words that state a target (dates and names excepted)."""
    text = t.text
    low = text.lower()
    time_units = set(p.get("time_units", []))
    name_words = {w.lower() for w in p.get("name_words", [])}
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
    for w in p.get("number_words", []):
        for m in re.finditer(rf"\b{re.escape(w)}\b", low):
            nxt = low[m.end():].split()[:1]
            if nxt and nxt[0].strip(",.") in time_units:
                continue
            found.append(text[m.start():m.end()])
    if not found:
        return []
    return [Hit(evidence=", ".join(dict.fromkeys(found)), values={"numbers": ", ".join(dict.fromkeys(found))})]


@check("leading_verb")
def leading_verb(t: Target, p: dict[str, Any]) -> list[Hit]:
    """The text starts with one of the listed verbs (after an optional 'We will' / 'To'), or holds a phrase."""
    text = _strip_prefix(t.text, p.get("skip_prefixes", []))
    ws = _lower_words(text)
    verbs = {v.lower() for v in p.get("verbs", [])}
    hits: list[Hit] = []
    if ws and ws[0] in verbs:
        first = words(text)[0]
        two = " ".join(words(text)[:2])
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


def _sentences(text: str) -> int:
    parts = re.split(r"(?<=[.!?;])\s+(?=[A-Z0-9])", text.strip())
    return len([s for s in parts if s.strip()])


@check("length")
def length(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Too many words, or more than one sentence."""
    n = len(words(t.text))
    limit = int(p["max_words"])
    sentences = _sentences(t.text)
    if n > limit:
        return [Hit(evidence=f"{n} words", values={"count": n, "max": limit})]
    if sentences > int(p.get("max_sentences", 1)):
        return [Hit(evidence=f"{sentences} sentences", values={"count": n, "max": limit})]
    return []


@check("context_field")
def context_field(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Neither the objective, nor the set, nor (optionally) the title provides this piece of context."""
    obj = t.objective
    assert obj is not None
    extra = obj.model_extra or {}
    for f in p.get("fields", []):
        if getattr(obj, f, None) or extra.get(f):
            return []
    set_extra = t.okrs.model_extra or {}
    for f in p.get("set_fields", []):
        if getattr(t.okrs, f, None) or set_extra.get(f):
            return []
    for pat in p.get("patterns", []):
        if re.search(pat, obj.title, re.I):
            return []
    return [Hit(evidence=p.get("evidence", "missing"))]


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
    low = t.text.lower()
    vague = [w for w in p.get("vague_words", []) if re.search(rf"\b{re.escape(w)}\b", low)]
    return [Hit(evidence=vague[0] if vague else t.text, values={"vague": ", ".join(vague)})]


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
    deliver = set(p.get("deliverable_verbs", []))
    act = set(p.get("activity_verbs", []))
    helpers = set(p.get("helper_verbs", []))
    determiners = set(p.get("determiners", []))
    frequency = set(p.get("frequency_words", []))
    for i, w in enumerate(ws[: int(p.get("verb_window", 4))]):
        lemma = w
        if w in helpers and i + 1 < len(ws) and ws[i + 1].endswith("ing"):
            i, lemma = i + 1, _lemma_ing(ws[i + 1])
        if lemma not in deliver and lemma not in act:
            continue
        nxt = _object_after(ws, i, {"out", "up", "off", "through", "all", "of"} if lemma in deliver else {"out", "up"})
        concrete = nxt is not None and (nxt in determiners or nxt in frequency or _is_number_at(t.text, ws, i))
        if concrete:
            verb = " ".join(words(t.text)[i: i + 1])
            return [Hit(evidence=verb, values={"verb": verb})]
        break
    for part in p.get("participles", []):
        if re.search(rf"\d[\d,.]*\+?\s+(?:\w+\s+){{0,3}}{part}\b", t.text.lower()):
            return [Hit(evidence=part, values={"verb": part})]
    return []


def _lemma_ing(w: str) -> str:
    stem = w[:-3]
    if len(stem) > 2 and stem[-1] == stem[-2]:
        stem = stem[:-1]
    return stem


def _is_number_at(text: str, ws: list[str], i: int) -> bool:
    """The word right after the verb (or after 'out'/'up') is a quantity."""
    for n in find_numbers(text):
        before = text[: n.start].lower()
        k = len(re.findall(r"[A-Za-z][A-Za-z'\-]*", before))
        if k in (i + 1, i + 2):
            return True
    return False


@check("missing_baseline")
def missing_baseline(t: Target, p: dict[str, Any]) -> list[Hit]:
    """A target level for a metric that already has a value, with no starting point."""
    a = t.analysis
    assert a is not None
    pk = a.parsed
    if pk.target is None or a.baseline_stated or a.relative or pk.direction == "maintain":
        return []
    metric_words = set(re.findall(r"[a-z]+", (pk.metric or t.text).lower()))
    level_hit = sorted(metric_words & {w.lower() for w in p.get("level_words", [])})
    is_share = pk.unit == "%"
    if not (is_share or level_hit or a.to_level):
        return []
    if not is_share and metric_words & {w.lower() for w in p.get("count_words", [])} and not a.to_level:
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
    allowed = {a.upper() for a in p.get("allowed", [])}
    glossary = (t.okrs.model_extra or {}).get("glossary") or {}
    if isinstance(glossary, dict):
        allowed |= {str(k).upper() for k in glossary}
    found: list[str] = []
    for m in re.finditer(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*\b|\b[A-Z]{2,}\d*\b", text):
        tok = m.group(0)
        if tok.upper() in allowed or not re.search(r"[A-Z].*[A-Z]", tok) or tok.isdigit():
            continue
        if re.fullmatch(r"[QH][1-4]|FY\d{2,4}", tok):
            continue
        inside_parens = text[: m.start()].rstrip().endswith("(") and text[m.end():].lstrip().startswith(")")
        explained_after = re.match(r"\s*\(([^)]{6,})\)", text[m.end():])
        if inside_parens or explained_after:
            continue
        found.append(tok)
    low = text.lower()
    found += [j for j in p.get("jargon_phrases", []) if re.search(rf"\b{re.escape(j)}\b", low)]
    if not found:
        return []
    return [Hit(evidence=", ".join(dict.fromkeys(found)), values={"terms": ", ".join(dict.fromkeys(found))})]


def _metric_tokens(a: Analysis, text: str, stop: set[str]) -> frozenset[str]:
    base = a.parsed.metric or text
    toks = [w.rstrip("s") for w in re.findall(r"[a-z]+", base.lower()) if w not in stop and len(w) > 1]
    return frozenset(toks)


@check("duplicate_metric")
def duplicate_metric(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Two key results of the set measure the same thing."""
    stop = {w.lower() for w in p.get("stopwords", [])} | lx.ALL_VERBS
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


def classify_indicator(text: str, leading: set[str], lagging: set[str]) -> str | None:
    """'leading', 'lagging' or None, from the words of the key result."""
    ws = set(re.findall(r"[a-z]+", text.lower()))
    ws |= {w.rstrip("s") for w in ws}
    lead, lag = bool(ws & leading), bool(ws & lagging)
    if lead == lag:
        return None
    return "leading" if lead else "lagging"


@check("indicator_mix")
def indicator_mix(t: Target, p: dict[str, Any]) -> list[Hit]:
    """All key results of an objective are lagging, or all are leading."""
    leading = {w.lower() for w in p.get("leading_words", [])}
    lagging = {w.lower() for w in p.get("lagging_words", [])}
    hits: list[Hit] = []
    for oi, obj in enumerate(t.okrs.objectives):
        kinds = [classify_indicator(kr.text, leading, lagging) for kr in obj.key_results]
        if len(kinds) < int(p.get("min_krs", 2)) or None in kinds or len(set(kinds)) != 1:
            continue
        kind = kinds[0]
        other = "leading" if kind == "lagging" else "lagging"
        hits.append(Hit(
            evidence=f"objective {oi + 1}: {len(kinds)} {kind} key results",
            values={"kind": kind, "other": other, "objective_title": obj.title}, objective=oi,
        ))
    return hits
