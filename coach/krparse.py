"""Key-result text -> metric, baseline, target, unit, direction, comparator (deterministic, no network)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coach.models import ParsedKR, build
from coach import lexicon as lx

_UNIT_WORD_ALTS = ("ms|milliseconds?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?"
                   "|points?|pts|pp|bps|usd|dollars|eur|euros|gbp|pounds")


def _ascii_nocase(alternation: str) -> str:
    """Letters as [xX] classes: upper or lower case, ASCII only.

    An inline (?i:...) group is slower, and it also matches "ſ" for s and "İ" for i, which then had no
    entry in the unit table (a crash on such text).
    """
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in alternation)


_NUM = re.compile(
    r"(?:(?P<cur>[$€£])\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<ord>(?:st|nd|rd|th)\b)?"
    r"(?P<mult>\s?(?:k|K|m|M|bn|BN|b|B|mm|MM)\b|\s(?:thousand|million|billion)\b)?"
    r"(?P<pct>\s?%)?(?P<x>x\b)?(?P<plus>\+)?(?P<hy>-[A-Za-z])?"
    r"(?:\s?(?P<uw>" + _ascii_nocase(_UNIT_WORD_ALTS) + r")\b)?"
    r"(?P<orc>\s+or\s+(?:more|higher|above|better|greater|less|lower|fewer|below|under)\b)?"
    r"(?P<qs>\s?(?:quarters?|sessions?)\b)?"
)
_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP"}
_CURRENCY_WORDS = {"usd": "USD", "dollars": "USD", "eur": "EUR", "euros": "EUR", "gbp": "GBP", "pounds": "GBP"}
_TIME_UNITS = {
    "ms": ("ms", 0.001), "millisecond": ("ms", 0.001), "milliseconds": ("ms", 0.001),
    "s": ("seconds", 1), "sec": ("seconds", 1), "secs": ("seconds", 1), "second": ("seconds", 1),
    "seconds": ("seconds", 1), "min": ("minutes", 60), "mins": ("minutes", 60), "minute": ("minutes", 60),
    "minutes": ("minutes", 60), "h": ("hours", 3600), "hr": ("hours", 3600), "hrs": ("hours", 3600),
    "hour": ("hours", 3600), "hours": ("hours", 3600), "day": ("days", 86400), "days": ("days", 86400),
    "week": ("weeks", 604800), "weeks": ("weeks", 604800), "month": ("months", 2629800),
    "months": ("months", 2629800), "year": ("years", 31557600), "years": ("years", 31557600),
}
_OTHER_UNITS = {"points": "points", "point": "points", "pts": "points", "pp": "points", "bps": "bps"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_DIGIT = re.compile(r"\d")


@dataclass(slots=True)
class Num:
    """A number found in the text, with its span and what is attached to it."""

    value: float
    start: int
    end: int
    unit: str | None = None
    scale: float = 1.0  # seconds per unit for time units, to convert baselines
    comparator: str | None = None
    plus: bool = False
    weak: bool = False  # a time window or frequency ("every 3 weeks"), used only if nothing else


_LABEL_WORDS = frozenset("version release v phase step tier level series fortune p sev priority".split())
_WEAK_WORDS = frozenset("every each per within in over after during for".split())
_WINDOW_FILLERS = frozenset("the first next last".split())
_CMP_WORDS = {
    "more than": ">", "greater than": ">", "higher than": ">", "over": ">", "above": ">", "exceeding": ">",
    "in excess of": ">", ">": ">", "at least": ">=", "no less than": ">=", "no fewer than": ">=",
    "a minimum of": ">=", "minimum of": ">=", "≥": ">=", ">=": ">=", "less than": "<", "fewer than": "<",
    "lower than": "<", "under": "<", "below": "<", "<": "<", "at most": "<=", "no more than": "<=",
    "a maximum of": "<=", "maximum of": "<=", "≤": "<=", "<=": "<=",
}
_OR_CMP = {"more": ">=", "higher": ">=", "above": ">=", "better": ">=", "greater": ">=",
           "less": "<=", "lower": "<=", "fewer": "<=", "below": "<=", "under": "<="}
_UNIT_WORDS = {k: v for k, v in _TIME_UNITS.items()}
_UNIT_WORDS.update({k: (v, 1.0) for k, v in {**_OTHER_UNITS, **_CURRENCY_WORDS}.items()})


# The last word of every comparator phrase: any other word right before a number means no comparator.
_CMP_LAST = frozenset(phrase.split()[-1] for phrase in _CMP_WORDS)


def _comparator_before(before: str) -> str | None:
    """'more than', 'at least', '<' ... right before the number."""
    ws = before.rstrip("±~ ").split()
    if not ws:
        return None
    last = ws[-1]
    if last[-1:] in "<>≥≤=" and last not in _CMP_WORDS:
        last = last.lstrip("abcdefghijklmnopqrstuvwxyz")  # "churn<" -> "<"
    for n in (3, 2):
        if len(ws) >= n:
            c = _CMP_WORDS.get(" ".join(ws[-n:]))
            if c:
                return c
    return _CMP_WORDS.get(last)


def lower_aligned(text: str) -> str:
    """Lower case with every character at its offset (a few, such as "İ", lower-case to two characters)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c.lower()[:1] for c in text)


def find_numbers(text: str) -> list[Num]:
    """All quantity numbers in the text, in order, with units and comparators (one regex pass)."""
    out: list[Num] = []
    if not _DIGIT.search(text):
        return out  # most objectives hold no digit: skip the long pattern
    low = ""
    for m in _NUM.finditer(text):
        cur, raw, ord_, mult, pct, x, plus, hy, uw, orc, qs = m.groups()
        s = m.start()
        prev = text[s - 1] if s else " "
        if ord_ or hy or prev.isalpha() or prev in "-_/#":
            continue  # day-1, P1, Q3, #1, 2nd, 90-day: labels, not quantities
        if not low:
            low = lower_aligned(text)
        before = low[max(0, s - 24):s]
        bw = before.split()
        if bw and bw[-1] in _LABEL_WORDS:
            continue
        if not (cur or pct or mult) and len(raw) == 4 and raw[:2] in ("19", "20"):
            continue  # a year
        value = float(raw.replace(",", "")) if "," in raw else float(raw)
        if mult:
            value *= _MULT[mult.strip().lower()]
        unit: str | None = None
        scale = 1.0
        if plus:
            end = m.end(7)
        else:  # mult, pct and x follow each other: the last one that matched ends the number
            end = m.end(6 if x else 5 if pct else 4 if mult else 2)
        if cur:
            unit = _CURRENCY[cur]
        elif pct:
            unit = "%"
        elif x:
            unit = "x"
        elif uw:
            unit, scale = _UNIT_WORDS[uw.lower()]
            end = m.end(9)
        num = Num(value=value, start=s, end=end, unit=unit, scale=scale, plus=bool(plus))
        if plus:
            num.comparator = ">="
        elif bw and (bw[-1] in _CMP_LAST or bw[-1][-1] in "<>≥≤=±~"):  # else no comparator phrase ends there
            num.comparator = _comparator_before(before)
        if orc:
            num.comparator = _OR_CMP[orc.split()[-1].lower()]
        if bw:
            if bw[-1] == "every":
                num.weak = True
            else:
                k = len(bw)
                while k and bw[k - 1] in _WINDOW_FILLERS:
                    k -= 1
                if k and bw[k - 1] in _WEAK_WORDS and unit in _WEAK_UNITS and (unit is not None or qs):
                    num.weak = True
        out.append(num)
    return out


_WEAK_UNITS = frozenset({"days", "weeks", "months", "years", "hours", "minutes", None})


_FROM_BEFORE = re.compile(r"\bfrom\s+(?:about\s+|around\s+|roughly\s+|~|±)?$")
_FROM_TO_MID = re.compile(
    r"\s*(?:[a-z\-]+\s+){0,3}?(?:to|down to|up to|->|→|–|-)\s*(?:±|~)?\s*"
    r"(?:more than |less than |under |over |below |above |at least |at most |just |about )?"
)
_FROM_WORD_TO = re.compile(r"\bfrom\s+([a-z][a-z\-]*(?:\s[a-z\-]+)?)\s+to\s+")
_ARROW = re.compile(r"\s*(?:->|→)\s*")
_TO_BEFORE = re.compile(
    r"\bto\s+(?:(?:more than|less than|under|over|below|above|at least|at most|just)\s+)?(?:±|~)?$")
_BY_BEFORE = re.compile(r"\bby\s+(?:(?:more than|at least|over)\s+)?$")
_STAY = re.compile(r"\b(?:stay|remain)\s+(?:above|below|under|over|at)\b")
_HOLD_AT = re.compile(r"\bhold\b.*\b(?:at|above|below|under|steady|flat)\b")
_FROM_WORD_NUM = re.compile(r"\bfrom\s+[A-Za-z]+\s+to\s+(?=\x00)")
_LEAD_PREP = re.compile(r"^(?:of|to|in|from|by|or more|or higher|\+)\s+", re.I)
_LEAD_PREP_FIRST = frozenset("oOtTiIfFbB+")  # the first letters of what _LEAD_PREP removes
_LEAD_DET = re.compile(r"^(?:the|our|my|a|an|all|of)\s+", re.I)

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100,
    "a dozen": 12, "dozen": 12, "double": 2, "triple": 3,
}


_NUMBER_WORD_RE = re.compile(r"\b(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _first_verb(words: list[str]) -> tuple[str | None, int]:
    """The leading verb (skipping an owner/subject of up to three words such as 'Partners' or 'My team')."""
    for i, w in enumerate(words[:4]):
        if w in lx.ALL_VERBS:
            return w, i
    return None, -1


def _polarity_decrease(metric: str) -> bool:
    ws = set(_words(metric))
    return bool(ws & lx.LOWER_IS_BETTER)


def _from_to(low: str, nums: list[Num]) -> tuple[Num | None, Num | None, bool]:
    """Find 'from X to Y' (also 'X -> Y') in the lower-cased text; the bool says a baseline was stated in
    words ('from weekly to 5')."""
    has_from = "from" in low
    for i, a in enumerate(nums if has_from else ()):
        pre = low[max(0, a.start - 12): a.start]
        if not _FROM_BEFORE.search(pre):
            continue
        for b in nums[i + 1: i + 2]:
            if _FROM_TO_MID.fullmatch(low, a.end, b.start):
                return a, b, False
    m = _FROM_WORD_TO.search(low) if has_from else None
    if m and m.group(1) not in {"the", "a", "an"}:
        after_to = m.end()
        for b in nums:
            if 0 <= b.start - after_to <= 20:
                return None, b, True
    for i, a in enumerate(nums[:-1]):
        b = nums[i + 1]
        if _ARROW.fullmatch(low, a.end, b.start):
            return a, b, False
    return None, None, False


def _convert(base: Num, target: Num) -> tuple[float, str | None]:
    """Express the baseline in the target's unit (3 hours -> 180 when the target is in minutes)."""
    if base.unit and target.unit and base.unit != target.unit and base.scale != 1.0 and target.scale != 1.0:
        return base.value * base.scale / target.scale, target.unit
    return base.value, target.unit or base.unit


@dataclass(slots=True)
class Analysis:
    """Everything the rubric needs from one key result, beyond the public ParsedKR."""

    parsed: ParsedKR
    verb: str | None
    verb_index: int
    words: list[str]
    has_number: bool
    baseline_stated: bool
    relative: bool
    to_level: bool
    target_span: tuple[int, int] | None
    nums: list[Num]
    kind: str | None = None  # leading / lagging, filled in by the rubric engine


def analyse(text: str) -> Analysis:
    """Parse a key result and keep the intermediate facts the rubric checks use."""
    norm = text.replace("\u2212", "-").replace("\u00a0", " ")
    low = lower_aligned(norm)
    # For ASCII text, the words of the lower-cased text are the lower-cased words (one pass instead of two).
    words = _WORD.findall(low) if norm.isascii() else _words(norm)
    nums = find_numbers(norm)
    strong = [n for n in nums if not n.weak]
    verb, vi = _first_verb(words)
    baseline = target = None
    baseline_stated = relative = to_level = False
    base_n, targ_n, textual = _from_to(low, strong or nums)
    if targ_n is not None:
        target = targ_n
        baseline_stated = True
        if base_n is not None:
            baseline = base_n
    if target is None and not _single_deliverable(low, verb):
        for n in strong:
            pre = low[max(0, n.start - 30): n.start]
            if _TO_BEFORE.search(pre):
                target, to_level = n, True
                break
        if target is None:
            for n in strong:
                pre = low[max(0, n.start - 12): n.start]
                if _BY_BEFORE.search(pre) or (n.unit == "x" and not baseline_stated):
                    target, relative = n, True
                    break
        if target is None and strong:
            target = strong[0]
        if target is None and nums:
            target = nums[0]
        if target is None:
            m = _NUMBER_WORD_RE.search(low)
            if m and m.group(0) not in ("double", "triple"):
                target = Num(value=float(_NUMBER_WORDS[m.group(0)]), start=m.start(), end=m.end())
            elif m:
                target = Num(value=float(_NUMBER_WORDS[m.group(0)]), start=0, end=0, unit="x")
                relative = True
    fields: dict[str, object] = {"metric": None, "baseline": None, "target": None, "unit": None,
                                 "direction": None, "comparator": None}
    if target is not None:
        fields.update(target=_clean(target.value), unit=target.unit, comparator=target.comparator)
        if baseline is not None:
            b, unit = _convert(baseline, target)
            fields.update(baseline=_clean(b), unit=unit)
    fields["metric"] = extract_metric(norm, nums) or None
    fields["direction"] = _direction(low, words, verb, fields)
    parsed = build(ParsedKR, **fields)
    return Analysis(
        parsed=parsed, verb=verb, verb_index=vi, words=words, has_number=bool(nums) or target is not None,
        baseline_stated=baseline_stated or textual, relative=relative, to_level=to_level,
        target_span=(target.start, target.end) if target is not None and target.end > target.start else None,
        nums=nums,
    )


@lru_cache(maxsize=256)
def _deliverable_object(verb: str) -> re.Pattern[str]:
    return re.compile(rf"\b{verb}\s+(?:out\s+|up\s+)?(a|an|the)\s+((?:\S+\s+){{0,2}})")


def _single_deliverable(low: str, verb: str | None) -> bool:
    """'Build a volume price list for teams of 1,000+ users': one thing to build; its numbers are attributes."""
    if verb not in lx.DELIVERABLE_VERBS:
        return False
    m = _deliverable_object(verb).search(low)
    if not m:
        return False
    return m.group(1) in ("a", "an") or not any(ch.isdigit() for ch in m.group(2))


def _clean(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(v, 6)


def _direction(low: str, words: list[str], verb: str | None, p: dict[str, Any]) -> str | None:
    """increase / decrease / maintain, from the parsed fields (target, baseline, metric, comparator) and the verb."""
    if verb in lx.MAINTAIN_VERBS or _STAY.search(low) or (
        verb == "hold" and _HOLD_AT.search(low)
    ):
        return "maintain"
    target, baseline = p["target"], p["baseline"]
    if target is None:
        if verb in lx.DECREASE_VERBS:
            return "decrease"
        if verb in lx.INCREASE_VERBS and verb not in lx.DELIVERABLE_VERBS:
            return "increase"
        return None
    if baseline is not None and baseline != target:
        return "increase" if target > baseline else "decrease"
    if verb in lx.DECREASE_VERBS or any(w in lx.DECREASE_VERBS for w in words[:2]):
        return "decrease"
    if verb in lx.AMBIGUOUS_VERBS:
        return "decrease" if _polarity_decrease(p["metric"] or "") else "increase"
    if p["comparator"] in ("<", "<=") and verb not in lx.INCREASE_VERBS:
        return "decrease"
    return "increase"


_TRAILERS = re.compile(
    r"\s*\b(?:(?:per|each|every|a|this|next|by the end of|by end of|in|within|during|before|by)\s+"
    r"(?:the\s+)?(?:week|month|quarter|year|day|sprint|half|q[1-4]|h[12]|period|fiscal year)\b.*|on average\b.*|"
    r"by (?:the )?end of .*|by (?:q[1-4]|h[12]|\d{4}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec).*)$",
    re.I,
)


def extract_metric(text: str, nums: list[Num] | None = None) -> str:
    """A short noun phrase naming what is measured: verb, numbers and time qualifiers removed."""
    nums = find_numbers(text) if nums is None else nums
    s = text
    for n in reversed(nums):  # find_numbers gives them in text order
        s = s[: n.start] + " \x00 " + s[n.end:]
    if "from" in s:
        s = _FROM_WORD_NUM.sub(" \x00 ", s)
    parts = s.split("\x00")
    first = _clean_fragment(parts[0])
    if len(first.split()) >= 2:
        # The words before the first number usually name the metric ("Cut mean time to recovery from ...").
        return first[:120]
    cleaned = [c for c in (first, *(_clean_fragment(p) for p in parts[1:])) if c]
    if not cleaned:
        return ""
    best = max(cleaned, key=len)
    return best[:120]


_DROP_WORDS = tuple(sorted(
    ["from", "to", "by", "of", "at", "on", "in", "for", "within", "over", "under", "below", "above", "more than",
       "less than", "at least", "at most", "or more", "or higher", "or less", "or lower", "up to", "down to",
       "every", "each", "per", "just", "about", "around"], key=len, reverse=True))
_SYMBOLS = " \t\n<>=≤≥~±"
# _TRAILERS needs a period word, "by" or "on average" somewhere; without any, it cannot match.
_TRAILER_HINTS = ("by", "on average", "week", "month", "quarter", "year", "day", "sprint", "half", "q1", "q2", "q3",
                  "q4", "h1", "h2", "period")


# The same words as one pattern over the last few characters: the longest phrase ending the text, starting
# the text or after whitespace ("up to" before "to"). The longest phrase is 9 characters, so 11 are enough.
_DROP_TAIL = re.compile(r"(?:^|\s)(" + "|".join(re.escape(w) for w in _DROP_WORDS) + r")$")
_TRAILER_HINT = re.compile("|".join(re.escape(h) for h in _TRAILER_HINTS))


def _drop_tail(p: str) -> str:
    """Remove trailing prepositions and comparators ("... from", "... to more than")."""
    while True:
        q = p.rstrip(_SYMBOLS)
        low = q[-11:].lower()
        m = _DROP_TAIL.search(low)
        if m is None or (m.start() == 0 and len(q) > 11 and not low[0].isspace()):
            return p
        p = q[: -len(m.group(1))]


def _trailers(p: str) -> str:
    return _TRAILERS.sub("", p) if _TRAILER_HINT.search(p.lower()) else p


def _clean_fragment(p: str) -> str:
    p = _trailers(" " + p).strip(" ,.;:±~<>=≤≥")
    p = _drop_tail(p).strip(" ,.;:±~<>=≤≥")
    p = (_LEAD_PREP.sub("", p) if p[:1] in _LEAD_PREP_FIRST else p).strip()
    ws = p.split()
    for i, w in enumerate(ws[:3]):  # drop a leading verb, and a subject before it ("Partners close ...")
        lw = w.lower()
        if lw in lx.ALL_VERBS:
            helper = lw in lx.MAINTAIN_HELPERS and i + 1 < len(ws) and ws[i + 1].lower().endswith("ing")
            ws = ws[i + (2 if helper else 1):]
            break
    while ws and ws[0].lower() in lx.FILLER_WORDS:
        ws = ws[1:]
    out = _trailers(" ".join(ws)).strip(" ,.;:")
    return _LEAD_DET.sub("", out) if out[:1] in "tTmMaAoO" else out


def parse_kr(text: str) -> ParsedKR:
    """Parse one key result (see RUBRIC.md "Parsed key result")."""
    return analyse(text).parsed
