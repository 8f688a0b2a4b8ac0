"""Check kinds: each rule file `extends` one of these; each is implemented once, here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import islice
from dataclasses import dataclass, field
from typing import Any

from coach import lexicon as lx
from coach.krparse import CURRENCY_WORDS, Analysis, find_numbers
from coach.models import KeyResult, Objective, OKRSet
from coach.rubric import language  # imported once here: an import inside a check cost ~1.5 us on every call
from coach.rubric.loader import CHECK_KINDS
from coach.rubric.words import flags, lemma, looks_plural


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
Derive = Callable[[dict[str, Any]], dict[str, Any]]
CHECKS: dict[str, Check] = {}
DERIVE: dict[str, Derive] = {}


def check(name: str, derive: Derive | None = None) -> Callable[[Check], Check]:
    """Register a check kind; `derive` turns its params into ready values (word sets, regexes) once per rule."""

    def deco(fn: Check) -> Check:
        CHECKS[name] = fn
        CHECK_KINDS.add(name)
        if derive is not None:
            DERIVE[name] = derive
        return fn

    return deco


def prepare(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """The params a check of this kind runs with: the rule's own (lists as tuples) plus the derived "_" keys.

    Derived once per compiled rule, so checks do not rebuild or re-hash word lists for every text.
    """
    derive = DERIVE.get(kind)
    return {**params, **derive(params)} if derive else dict(params)


_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
# Acronyms: "NRR", "SaaS", and lower-case-led ones such as "eNPS"; CamelCase names ("LinkedIn") are not.
_ACRONYM = re.compile(r"\b[a-z]?[A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*\b|\b[A-Z]{2,}\d*\b")
_TWO_CAPS = re.compile(r"[A-Z].*[A-Z]")
_TWO_CAPS_FAST = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z]")
_CAPS_RUN = re.compile(r"[A-Z]{2}")
_PERIOD_TOKEN = re.compile(r"[QH][1-4]|FY\d{2,4}")
_EXPLAINED_AFTER = re.compile(r"\s*\(([^)]{6,})\)")
_LETTERS = re.compile(r"[a-z]+")


def _letter_words(low: str) -> list[str]:
    """`_LETTERS.findall(low)` for lower-case text; plain words and spaces (most metrics) are only split."""
    if low.isascii() and low.replace(" ", "").isalpha():
        return low.split()
    return _LETTERS.findall(low)


@lru_cache(maxsize=256)
def fset(items: tuple[str, ...]) -> frozenset[str]:
    """A rule's word list as a lower-case set (params lists are tuples once compiled)."""
    return frozenset(str(i).lower() for i in items)


@dataclass(frozen=True, slots=True)
class Guarded:
    """A regex that can only match where one of its literal words occurs, so a scan for those runs first.

    Most texts hold none of a rule's words. A bare alternation of the literals is scanned several times faster
    than the full pattern (word boundaries, or a number before the word), and every text the full pattern
    matches contains one of the literals, so results are the same.
    """

    literals: re.Pattern[str]
    pattern: re.Pattern[str]

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.literals.search(text) else None

    def findall(self, text: str) -> list[Any]:
        return self.pattern.findall(text) if self.literals.search(text) else []

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.literals.search(text) else iter(())


def _guarded(alts: str, pattern: str) -> Guarded:
    return Guarded(re.compile(alts), re.compile(pattern))


@lru_cache(maxsize=256)
def alternation(items: tuple[str, ...]) -> Guarded | None:
    """One compiled regex matching any of the words or phrases as whole words."""
    if not items:
        return None
    alts = "|".join(re.escape(str(i).lower()) for i in sorted(items, key=lambda x: -len(str(x))))
    return _guarded(alts, rf"\b(?:{alts})\b")


@lru_cache(maxsize=256)
def patterns(items: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in items)


def words(text: str) -> list[str]:
    if text.isascii() and text.replace(" ", "").isalnum():
        return text.split()  # only letters, digits and spaces (most titles): the same words without the regex
    return _WORDS.findall(text)


def first_words(text: str, n: int) -> list[str]:
    """`words(text)[:n]`, without reading past the n-th word."""
    return [m.group() for m in islice(_WORDS.finditer(text), n)]


def _words_param(p: dict[str, Any], key: str) -> frozenset[str]:
    return fset(tuple(p.get(key, ())))


def _alternation_param(p: dict[str, Any], key: str) -> Guarded | None:
    return alternation(tuple(p.get(key, ())))


def _derive_numbers_in_text(p: dict[str, Any]) -> dict[str, Any]:
    return {"_time_units": _words_param(p, "time_units"), "_name_words": _words_param(p, "name_words"),
            "_number_words": _alternation_param(p, "number_words")}


@check("numbers_in_text", derive=_derive_numbers_in_text)
def numbers_in_text(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Numbers, amounts, percentages and number words that state a target (dates and names excepted)."""
    text = t.text
    low = text.lower()
    time_units = p["_time_units"]
    name_words = p["_name_words"]
    found: list[str] = []
    for n in find_numbers(text):
        if n.qual:
            continue  # a date, a clock time, a scale's top, a version or a number inside a name ("Year 9 pupils")
        token = text[n.start:n.end].strip()
        before = low[: n.start].split()
        after = low[n.end:].split()
        if before and before[-1].strip("(#") in name_words:
            continue
        if ((n.unit in time_units) or (after and after[0].strip(",.") in time_units)) and before[-1:] != ["to"]:
            continue  # a time window such as "in 90 days" says when, not how much ("runway to 30 months" does)
        if before and before[-1] in ("#", "no.", "number"):
            continue
        found.append(token)
    pat = p["_number_words"]
    for m in pat.finditer(low) if pat else ():
        nxt = low[m.end():m.end() + 20].split()[:1]
        if nxt and nxt[0].strip(",.") in time_units:
            continue
        found.append(text[m.start():m.end()])
    if not found:
        return []
    return [Hit(evidence=", ".join(dict.fromkeys(found)), values={"numbers": ", ".join(dict.fromkeys(found))})]


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9])")


def _sentences(text: str) -> int:
    if "." not in text and ";" not in text and "!" not in text and "?" not in text:
        return 1  # no sentence mark: skip the split (most texts)
    return len([x for x in _SENTENCE_SPLIT.split(text.strip()) if x.strip()])


def _derive_length(p: dict[str, Any]) -> dict[str, Any]:
    return {"_max_words": int(p["max_words"]), "_max_sentences": int(p.get("max_sentences", 1))}


@check("length", derive=_derive_length)
def length(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Too many words, or more than one sentence."""
    text = t.text
    limit = p["_max_words"]
    n = len(text.split())
    if n > limit:
        n = len(words(text))  # count words, not stray punctuation, before reporting
    if n > limit:
        return [Hit(evidence=f"{n} words", values={"count": n, "max": limit})]
    sentences = _sentences(text)
    if sentences > p["_max_sentences"]:
        return [Hit(evidence=f"{sentences} sentences", values={"count": n, "max": limit})]
    return []


def _derive_context_field(p: dict[str, Any]) -> dict[str, Any]:
    return {"_fields": tuple(p.get("fields", ())), "_set_fields": tuple(p.get("set_fields", ())),
            "_patterns": patterns(tuple(p.get("patterns", ()))), "_evidence": p.get("evidence", "missing")}


@check("context_field", derive=_derive_context_field)
def context_field(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Neither the objective, nor the set, nor (optionally) the title provides this piece of context."""
    obj = t.objective
    assert obj is not None
    if _has_any(obj, p["_fields"]) or _has_any(t.okrs, p["_set_fields"]):
        return []
    for pat in p["_patterns"]:
        if pat.search(obj.title):
            return []
    return [Hit(evidence=p["_evidence"])]


def _has_any(model: Any, names: tuple[str, ...]) -> bool:
    """Any of these fields (declared or extra) is set on the model."""
    data = model.__dict__
    extra = model.__pydantic_extra__  # None or (usually empty) dict
    for n in names:
        if data.get(n) or (extra and extra.get(n)):
            return True
    return False


def _derive_count_range(p: dict[str, Any]) -> dict[str, Any]:
    return {"_of_key_results": p.get("of") == "key_results", "_min": int(p.get("min", 0)),
            "_max": int(p.get("max", 10**9))}


@check("count_range", derive=_derive_count_range)
def count_range(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Too few or too many items (key results of an objective, or objectives of a set)."""
    items = t.objective.key_results if p["_of_key_results"] and t.objective else t.okrs.objectives
    n, lo, hi = len(items), p["_min"], p["_max"]
    if lo <= n <= hi:
        return []
    values = {"count": n, "min": lo, "max": hi, "problem": "too few" if n < lo else "too many"}
    noun = str(p.get("noun", "items"))
    hit = Hit(evidence=f"{n} {noun[:-1] if n == 1 and noun.endswith('s') else noun}", values=values)
    if n == 0 and p.get("zero_severity"):
        hit.values["severity"] = p["zero_severity"]
    return [hit]


# An amount per period, right after the number: "$20k per month", "£15,000 RR p/m", "$2M a year", "$30k/mo".
_PER_PERIOD = re.compile(r"^\s*(?:[a-z/-]+\s+){0,4}?(?:(?:per|a|an|each|every)\s+(?:month|week|day|year|quarter|annum)\b"
                         r"|p/[mwdqy]\b|pcm\b|/\s?(?:mo|month|wk|week|yr|year|day|quarter)\b"
                         r"|(?:monthly|weekly|daily|yearly|annually|quarterly)\b)")
_MONEY_UNITS = frozenset({"USD", "EUR", "GBP", *(c.upper() for c in CURRENCY_WORDS if len(c) == 3)})
# "waste per meal down 25%", "monthly visitors grow 50%": a change, not a level
# "by 20%", "by at least 20%", "by at minimum 20%" (not "refreshed by 7am on 99% of days": "by" says when there)
_BY_END = re.compile(r"\bby(?:\s+(?:at\s+(?:least|minimum|most)|(?:a\s+)?(?:minimum|maximum)(?:\s+of)?|about|around|roughly|over|more\s+than|up\s+to|nearly|"
                     r"almost|some|another|a\s+further|an?\s+extra|a\s+full))?\s*[$€£~]?$")
_PER_NUMBER = re.compile(r"\bper\s+\d[\d,]*\s+[a-z]", re.I)  # "falls per 1,000 bed days": a rate, a level today
_UP_DOWN_BEFORE = re.compile(r"\b(?:up|down|grows?|rises?|increases?|climbs?|falls?|drops?|decreases?|declines?)\s*$")
_PHRASE_ENDS = frozenset("for of in on at by per to from with within under over across during".split())


def _verb_takes_to(text: str, a: Analysis) -> bool:
    """'Up-sell to 100 customers', 'Present to 12 boards': the verb's own 'to', not 'to <a level>' ('Grow to 500')."""
    if not a.target_span:
        return False
    pre = _letter_words(text[:a.target_span[0]].lower())
    if len(pre) < 2 or pre[-1] != "to" or len(pre) > 4:
        return False
    verb = pre[-2]
    if verb != (a.verb or "") and len(pre) != 2 and not (len(pre) == 3 and pre[0] in ("up", "cross", "re")):
        return False  # "Grow mailing list to 5k": 'to' follows the metric, not the verb
    return "V" in flags(verb) and verb not in lx.INCREASE_VERBS and verb not in lx.DECREASE_VERBS \
        and lemma(verb) not in lx.INCREASE_VERBS and lemma(verb) not in lx.DECREASE_VERBS


def _counts_things(after: list[str], p: dict[str, Any]) -> bool:
    """The number is followed by the plural noun it counts (before any level word): '500 influencers'."""
    for i, w in enumerate(after[:5]):
        if w in p["_level_words"] or w in p["_time_units"] or w in _PHRASE_ENDS:
            return False  # "1 hour for P1 tickets": the number's own phrase ended before the plural
        if len(w) > 3 and looks_plural(w):
            # "500 downloads per hour", "40 demos a week": a rate, which has a level today
            nxt = after[i + 1:i + 3]
            rate = (nxt[:1] and nxt[0] in ("per", "each", "every")) or (
                nxt[:1] == ["a"] and nxt[1:2] and nxt[1] in ("day", "week", "month"))
            return not rate
    return False


def _derive_missing_baseline(p: dict[str, Any]) -> dict[str, Any]:
    return {"_level_words": _words_param(p, "level_words"), "_count_words": _words_param(p, "count_words"),
            "_relative_after": _words_param(p, "relative_after"),
            "_not_level_after": _words_param(p, "not_level_after"),
            "_time_units": _words_param(p, "duration_units")}


# "4 out of 5", "4.6/5", "4.5 / 5.0": a score on a scale, a level whatever the metric is called.
_ON_A_SCALE = re.compile(r"\s*(?:/|out\s+of\b)\s*\d")


# A service level ("all ... within 2 days"): the share handled in time has a level today; the bar is all of it.
_SERVICE_VALUES = {"metric": "the share handled in time", "target": "100%"}


@check("missing_baseline", derive=_derive_missing_baseline)
def missing_baseline(t: Target, p: dict[str, Any]) -> list[Hit]:
    """A target level for a metric that already has a value, with no starting point."""
    a = t.analysis
    assert a is not None
    pk = a.parsed
    if a.baseline_stated or a.relative or pk.direction == "maintain":
        return []
    if pk.target is None:
        # Several competing targets ("at least 30% of X and at least 50% of Y"): shares still need their starts.
        shares = [n for n in a.nums if n.unit == "%" and not n.weak]
        if len(shares) < 2:
            bar = language.service_level(t.text)  # "Fix all new P1 bugs within one release": 100% in time, in words
            return [Hit(evidence=bar, values=dict(_SERVICE_VALUES))] if bar else []
        return [Hit(evidence=t.text[shares[0].start: shares[0].end].strip(), values={"metric": "these shares"})]
    if pk.target == 0:
        return []  # none at all: an absolute bar, whatever the start ("Bring errors down to 0")
    text = t.text
    if a.target_span and text[:a.target_span[0]].rstrip().lower().endswith("within"):
        bar = language.service_level(text)  # "Every ticket gets a first reply within 4 hours": the window is the number;
        if bar:  # what has a level today is the share of tickets answered in it
            return [Hit(evidence=bar, values=dict(_SERVICE_VALUES))]
    after: list[str] = []
    before = ""
    if a.target_span:
        after = _letter_words(text[a.target_span[1]: a.target_span[1] + 40].lower())[:5]
        before = text[max(0, a.target_span[0] - 14): a.target_span[0]].lower()
    rel = p["_relative_after"]
    if (after[:1] and after[0] in rel) or (len(after) > 1 and after[1] in rel and after[0] not in ("or", "and")) \
            or _BY_END.search(text[max(0, a.target_span[0] - 24): a.target_span[0]].lower() if a.target_span else "") \
            or _UP_DOWN_BEFORE.search(before):
        return []  # "20% more leads", "a 50% time saving", "by at minimum 20%": a change relative to today
    to_level = a.to_level and not _verb_takes_to(text, a)
    if pk.unit != "%" and not to_level and _counts_things(after, p):
        return []  # "500 partners sharing ...", "30 allies": a count of things or people, whatever else it names
    under_bar = pk.comparator in ("<", "<=") or "within" in before or "under" in before or "below" in before \
        or "less than" in before
    duration = (pk.unit in p["_time_units"] or (after[:1] and after[0] in p["_time_units"])) and under_bar
    on_scale = bool(a.target_span) and bool(_ON_A_SCALE.match(text, a.target_span[1]))
    if on_scale:
        said_before = _letter_words(text[:a.target_span[0]].lower())
        if not p["_count_words"].isdisjoint(said_before) or "newly" in said_before or "first" in said_before:
            return []  # "newly trained reps rate it 3 out of 5": a score from people who had none to give before
    if pk.unit != "%" and not duration and not on_scale:
        # A share always has a level, and so does a duration under a bar; other metrics say so by their words
        # (the words of the metric, less modifiers such as "full time") or by "to <level>".
        # The parser's metric, and the words right after the number ("a 9 NPS"), name what is measured.
        metric_words = _letter_words((pk.metric or text).lower()) + [w for w in after[:2] if w in p["_level_words"]]
        metric_words = [w for i, w in enumerate(metric_words) if not (i + 1 < len(metric_words)
                                                                      and metric_words[i + 1] in p["_not_level_after"]
                                                                      and w in p["_level_words"])]
        per_unit = "per" in metric_words[1:] or bool(_PER_NUMBER.search(text))  # "downloads per hour": a rate, a level today whatever it counts
        if pk.unit in _MONEY_UNITS and a.target_span and _PER_PERIOD.match(text[a.target_span[1]:].lower()):
            per_unit = True  # "£15,000 per month": money as a run rate, which has a level today (money won in
            # the period, "Book $2M in Q3", has none)
        # ("... or more" is an at-least bar, not "more X")
        counted = [w for i, w in enumerate(metric_words) if i == 0 or metric_words[i - 1] != "or"]
        if not to_level and ((p["_level_words"].isdisjoint(metric_words) and not per_unit)
                             or not p["_count_words"].isdisjoint(counted)):
            return []
    span = text[a.target_span[0]: a.target_span[1]].strip() if a.target_span else str(pk.target)
    return [Hit(evidence=span, values={"metric": pk.metric or "this metric"})]


def _derive_acronyms(p: dict[str, Any]) -> dict[str, Any]:
    return {"_allowed": _words_param(p, "allowed"), "_jargon_phrases": _alternation_param(p, "jargon_phrases")}


@check("acronyms", derive=_derive_acronyms)
def acronyms(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Acronyms nobody explained, and jargon phrases a colleague from another team would not follow."""
    text = t.text
    found: list[str] = []
    candidates = _ACRONYM.finditer(text) if _TWO_CAPS_FAST.search(text) else ()
    if candidates:  # the glossary only matters when there is an acronym to look up
        allowed = p["_allowed"]
        glossary = (t.okrs.model_extra or {}).get("glossary") or {}
        if isinstance(glossary, dict) and glossary:
            allowed = allowed | {str(k).lower() for k in glossary}
    for m in candidates:
        tok = m.group(0)
        if tok.lower() in allowed or not _TWO_CAPS.search(tok) or _PERIOD_TOKEN.fullmatch(tok):
            continue
        if len(tok) > 4 and not _CAPS_RUN.search(tok):
            continue  # a CamelCase name (LinkedIn, HubSpot), not an abbreviation
        inside_parens = text[: m.start()].rstrip().endswith("(") and text[m.end():].lstrip().startswith(")")
        if inside_parens or _EXPLAINED_AFTER.match(text, m.end()):
            continue
        found.append(tok)
    pat = p["_jargon_phrases"]
    if pat:
        found += pat.findall(text.lower())
    if not found:
        return []
    return [Hit(evidence=", ".join(dict.fromkeys(found)), values={"terms": ", ".join(dict.fromkeys(found))})]


def _metric_tokens(a: Analysis, text: str, stop: frozenset[str]) -> frozenset[str]:
    """The words of the parsed metric (or of the text), singular, without stopwords and verbs."""
    return _tokens(a.parsed.metric or text, stop)


@lru_cache(maxsize=4096)
def _tokens(base: str, stop: frozenset[str]) -> frozenset[str]:
    return frozenset(w.rstrip("s") for w in _letter_words(base.lower()) if w not in stop and len(w) > 1)


def _derive_duplicate_metric(p: dict[str, Any]) -> dict[str, Any]:
    return {"_stop": _words_param(p, "stopwords") | lx.ALL_VERBS, "_threshold": float(p.get("min_similarity", 0.8))}


@check("duplicate_metric", derive=_derive_duplicate_metric)
def duplicate_metric(t: Target, p: dict[str, Any]) -> list[Hit]:
    """Two key results of the set measure the same thing."""
    stop = p["_stop"]  # the rule's stopwords and every verb
    threshold = p["_threshold"]
    seen: list[tuple[str | None, set[str], int, str]] = []
    hits: list[Hit] = []
    for oi, obj in enumerate(t.okrs.objectives):
        for ki, (a, kr) in enumerate(zip(t.analyses[oi], obj.key_results)):
            toks = _metric_tokens(a, kr.text, stop)
            if not toks:
                continue
            unit = a.parsed.unit
            n = len(toks)
            for (punit, ptoks, pn, ptext) in seen:
                if unit and punit and unit != punit:
                    continue  # "$1M of leads" and "60% of leads" measure different things
                # Jaccard similarity; most pairs share no word (0.0), the others need the intersection's size
                # only, as the union's size follows from the two sizes.
                shared = 0 if toks.isdisjoint(ptoks) else len(toks & ptoks)
                if shared / (n + pn - shared) >= threshold:
                    hits.append(Hit(
                        evidence=f"{ptext!r} and {kr.text!r}",
                        values={"first": ptext, "second": kr.text, "metric": " ".join(sorted(toks & ptoks))},
                        objective=oi, key_result=ki,
                    ))
                    break
            seen.append((unit, toks, n, kr.text))
    return hits


@lru_cache(maxsize=4096)
def classify_indicator(text: str, leading: frozenset[str], lagging: frozenset[str]) -> str | None:
    """'leading', 'lagging' or None, from the words of the key result."""
    ws = _LETTERS.findall(text.lower())
    lead, lag = not leading.isdisjoint(ws), not lagging.isdisjoint(ws)
    if not (lead and lag):  # the singular of a plural can only add a match, and both matching is final
        singular = [w.rstrip("s") for w in ws if w[-1] == "s"]
        if singular:
            lead = lead or not leading.isdisjoint(singular)
            lag = lag or not lagging.isdisjoint(singular)
    if lead == lag:
        return None
    return "leading" if lead else "lagging"


def _derive_indicator_mix(p: dict[str, Any]) -> dict[str, Any]:
    return {"_leading": _words_param(p, "leading_words"), "_lagging": _words_param(p, "lagging_words"),
            "_min_krs": int(p.get("min_krs", 2))}


@check("indicator_mix", derive=_derive_indicator_mix)
def indicator_mix(t: Target, p: dict[str, Any]) -> list[Hit]:
    """All key results of an objective are lagging, or all are leading."""
    leading = p["_leading"]
    lagging = p["_lagging"]
    hits: list[Hit] = []
    for oi, obj in enumerate(t.okrs.objectives):
        kinds = [a.kind if a.kind is not None else classify_indicator(kr.text, leading, lagging)
                 for a, kr in zip(t.analyses[oi], obj.key_results)]
        if len(kinds) < p["_min_krs"] or None in kinds or len(set(kinds)) != 1:
            continue
        kind = kinds[0]
        other = "leading" if kind == "lagging" else "lagging"
        hits.append(Hit(
            evidence=f"objective {oi + 1}: {len(kinds)} {kind} key results",
            values={"kind": kind, "other": other, "objective_title": obj.title}, objective=oi,
        ))
    return hits


def _derive_reading(p: dict[str, Any]) -> dict[str, Any]:
    from coach.rubric.language import load_language
    from coach.rubric.loader import rules_dir

    return {"_lang": load_language(rules_dir()), "_fires_on": frozenset(p.get("fires_on", ())),
            "_verbs": _words_param(p, "verbs"),
            "_phrases": tuple((phrase, phrase.lower()) for phrase in p.get("phrases", ()))}


@check("kr_reading", derive=_derive_reading)
def kr_reading(t: Target, p: dict[str, Any]) -> list[Hit]:
    """The key result reads as a task or deliverable, or as a vague wish, by the grammar of its sentence."""
    a = t.analysis
    assert a is not None
    quantified = a.parsed.target is not None or a.has_number
    if a.baseline_stated and "task" in p["_fires_on"]:
        return []  # "from X to Y" measures a change in a result, whatever the verb
    if quantified and p["_fires_on"] == {"vague"}:
        return []  # a key result with a number is never the vague kind: no need to read it
    kind, evidence = language.kr_kind(t.text, quantified, p["_lang"])
    if kind not in p["_fires_on"]:
        return []
    return [Hit(evidence=evidence, values={"verb": evidence, "kind": kind})]


@check("objective_reading", derive=_derive_reading)
def objective_reading(t: Target, p: dict[str, Any]) -> list[Hit]:
    """The objective reads as a deliverable, a bare topic or a status-quo hold, by the grammar of its title."""
    title = t.text
    low = title.lower()
    for phrase, needle in p["_phrases"]:  # "business as usual" wherever it stands
        i = low.find(needle)
        if i >= 0:
            return [Hit(evidence=title[i:i + len(phrase)], values={"verb": phrase, "kind": "hold"})]
    kind, evidence = language.objective_kind(title, p["_lang"], extra_hold_verbs=p["_verbs"])
    if kind not in p["_fires_on"]:
        return []
    return [Hit(evidence=evidence, values={"verb": evidence, "kind": kind})]


@check("holds_level", derive=_derive_reading)
def holds_level(t: Target, p: dict[str, Any]) -> list[Hit]:
    """The key result only holds a level: a hold verb with a bar, read from the sentence or from the parser."""
    a = t.analysis
    assert a is not None
    if a.parsed.direction == "maintain" and a.parsed.target is not None:
        first = first_words(t.text, 2)
        return [Hit(evidence=" ".join(first), values={"metric": a.parsed.metric or "this metric"})]
    verb = language.holds_level(t.text, a.parsed.target is not None or a.has_number, p["_lang"])
    if verb is None:
        return []
    return [Hit(evidence=verb, values={"metric": a.parsed.metric or "this level"})]
