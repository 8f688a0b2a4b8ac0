"""Key-result text -> metric, baseline, target, unit, direction, comparator (deterministic, no network)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import attrgetter
from functools import lru_cache
from typing import Any

from coach.models import ParsedKR, build
from coach import lexicon as lx

_UNIT_WORD_ALTS = ("percent|per cent|ms|milliseconds?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?"
                   "|months?|years?|points?|pts|pp|bps|usd|dollars|eur|euros|gbp|pounds|chf|jpy|cad|aud|inr|sek|nok"
                   "|dkk|nzd|sgd")


def _ascii_nocase(alternation: str) -> str:
    """Letters as [xX] classes: upper or lower case, ASCII only.

    An inline (?i:...) group is slower, and it also matches "ſ" for s and "İ" for i, which then had no
    entry in the unit table (a crash on such text).
    """
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in alternation)


_UNIT_FIRST = "".join(sorted({unit[0] for unit in _UNIT_WORD_ALTS.split("|")}))  # letters a unit word starts with
_NUM = re.compile(
    r"(?=[$€£\d])"  # a number starts with a digit or a currency sign: other positions fail at once
    r"(?:(?P<cur>[$€£])\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<ord>(?:st|nd|rd|th)\b)?"
    r"(?P<mult>\s?(?:k|K|m|M|bn|BN|b|B|mm|MM)\b|\s(?:thousand|million|billion)\b)?"
    r"(?P<pct>\s?%)?(?P<x>x\b)?(?P<plus>\+)?(?P<hy>-[A-Za-z])?"
    # (the lookahead fails at once where no unit word can start, instead of trying each unit in turn)
    r"(?:\s?(?=[" + _UNIT_FIRST + _UNIT_FIRST.upper() + r"])(?P<uw>" + _ascii_nocase(_UNIT_WORD_ALTS) + r")\b)?"
    r"(?P<orc>\s+(?:or|and)\s+(?:more|higher|above|better|greater|less|lower|fewer|below|under)\b)?"
    r"(?P<qs>\s?(?:quarters?|sessions?)\b)?"
)
_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP"}
_CURRENCY_WORDS = {"usd": "USD", "dollars": "USD", "eur": "EUR", "euros": "EUR", "gbp": "GBP", "pounds": "GBP"}
# ISO 4217 codes written before or after an amount ("CHF 20,000", "5k SEK").
_CURRENCY_CODES = frozenset("usd eur gbp chf jpy cad aud inr sek nok dkk nzd sgd".split())
_CURRENCY_WORDS.update({c: c.upper() for c in _CURRENCY_CODES})
CURRENCY_WORDS = frozenset(_CURRENCY_WORDS)  # every currency word or code the parser reads
_TIME_UNITS = {
    "ms": ("ms", 0.001), "millisecond": ("ms", 0.001), "milliseconds": ("ms", 0.001),
    "s": ("seconds", 1), "sec": ("seconds", 1), "secs": ("seconds", 1), "second": ("seconds", 1),
    "seconds": ("seconds", 1), "min": ("minutes", 60), "mins": ("minutes", 60), "minute": ("minutes", 60),
    "minutes": ("minutes", 60), "h": ("hours", 3600), "hr": ("hours", 3600), "hrs": ("hours", 3600),
    "hour": ("hours", 3600), "hours": ("hours", 3600), "day": ("days", 86400), "days": ("days", 86400),
    "week": ("weeks", 604800), "weeks": ("weeks", 604800), "month": ("months", 2629800),
    "months": ("months", 2629800), "year": ("years", 31557600), "years": ("years", 31557600),
}
TIME_UNIT_WORDS = frozenset(_TIME_UNITS)  # "ms", "hours", "weeks" ...
_OTHER_UNITS = {"points": "points", "point": "points", "pts": "points", "pp": "points", "bps": "bps",
                "percent": "%", "per cent": "%"}
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
    qual: bool = False  # qualifies something else: a date, a denominator ("4 out of 5"), a point on a scale
    rng: bool = False  # the first end of a range ("2-3 events", "4-6 weeks")
    cue: bool = False  # named as the starting value ("currently 40", "(current: $5k)", "from 12")


_LABEL_WORDS = frozenset("version versions release releases v phase phases step steps tier tiers level series fortune p "
                         "sev priority # no. nr. number issue issues ticket pr rfc sprint chapter section milestone "
                         "round wave stage".split())
_DAY_KIND_AFTER = re.compile(r"\s(?:business|working|calendar)\s(days?|hours?|weeks?)\b")
_CLOCK_AFTER = re.compile(r"\s?(?:[ap]\.?m\.?)(?![a-z])")
_MONTHS = frozenset("jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
                    "august september october november december".split())
_QUAL_WORD = frozenset("rated day week month cohort batch grade".split())
_QUAL_PAIR = frozenset({"out of", "scale of", "one of"})
# (not "the": "Renegotiate the top 10 contracts" counts the work)
_SELECTING = frozenset({"our", "my", "their", "your", "its"})
_PLURAL_NOUN_AFTER = re.compile(r"\s+(?:[a-z-]+\s+){0,2}[a-z-]+s\b")
_QUAL_OF = frozenset({"out", "scale", "one"})
_BASELINE_CUES = frozenset(("current", "currently", "today", "baseline", "now", "was"))
_CUE_FILLERS = frozenset("is at of about around roughly approximately approx. avg. average current".split())
_CUE_WORDS = _BASELINE_CUES | _CUE_FILLERS | {"from"}
_RANGE_AFTER = re.compile(r"\s?[-–]\s?\d")
# A month's name or its short form, whole ("5 June", "3 Sept"; not "5 junior", "3 marketing campaigns")
_MONTH_AFTER = re.compile(r"\s(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
                          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b")
_WEAK_WORDS = frozenset("every each per within in over after during for".split())
_WINDOW_FILLERS = frozenset("the first next last".split())
_CMP_WORDS = {
    "more than": ">", "greater than": ">", "higher than": ">", "over": ">", "above": ">", "exceeding": ">",
    "in excess of": ">", ">": ">", "at least": ">=", "no less than": ">=", "no fewer than": ">=",
    "a minimum of": ">=", "minimum of": ">=", "≥": ">=", ">=": ">=", "less than": "<", "fewer than": "<",
    "lower than": "<", "under": "<", "below": "<", "<": "<", "at most": "<=", "no more than": "<=",
    "a maximum of": "<=", "maximum of": "<=", "≤": "<=", "<=": "<=", "minimum": ">=", "min.": ">=",
    "maximum": "<=", "max.": "<=", "at or above": ">=", "at or below": "<=", "within": "<=",
    "not more than": "<=", "not less than": ">=", "not fewer than": ">=", "not exceed": "<=", "not exceeding": "<=",
    "less than or equal to": "<=", "greater than or equal to": ">=", "more than or equal to": ">=",
    "equal to or less than": "<=", "equal to or more than": ">=", "equal to or greater than": ">=",
}
_OR_CMP = {"more": ">=", "higher": ">=", "above": ">=", "better": ">=", "greater": ">=",
           "less": "<=", "lower": "<=", "fewer": "<=", "below": "<=", "under": "<="}
_UNIT_WORDS = {k: v for k, v in _TIME_UNITS.items()}
_UNIT_WORDS.update({k: (v, 1.0) for k, v in {**_OTHER_UNITS, **_CURRENCY_WORDS}.items()})


# The last word of every comparator phrase: any other word right before a number means no comparator.
_CMP_LAST = frozenset(phrase.split()[-1] for phrase in _CMP_WORDS)
# For each last word, the lengths (2 to 5 words, longest first) of the phrases that end with it: "to" ends only
# five-word phrases ("less than or equal to"), so one look-up instead of four.
_CMP_LENGTHS = {last: tuple(sorted({len(p.split()) for p in _CMP_WORDS if p.split()[-1] == last
                                    and 2 <= len(p.split()) <= 5}, reverse=True)) for last in _CMP_LAST}


def _comparator_before(before: str) -> str | None:
    """'more than', 'at least', '<' ... right before the number."""
    ws = before.rstrip("±~ ").split()
    if not ws:
        return None
    last = ws[-1]
    if last[-1:] in "<>≥≤=" and last not in _CMP_WORDS:
        last = last.lstrip("abcdefghijklmnopqrstuvwxyz")  # "churn<" -> "<"
    for n in _CMP_LENGTHS.get(ws[-1], ()):
        if len(ws) >= n:
            c = _CMP_WORDS.get(" ".join(ws[-n:]))
            if c:
                return c
    return _CMP_WORDS.get(last)


_WORD_AFTER = re.compile(r"\s([A-Za-z]+)")
_FUNCTION_WORDS = frozenset(
    "a an the and or but by in on at of to for from per with within over under into during before after until "
    "this that these those each every all our new more less or higher lower times time is are be".split())


def _is_name_number(text: str, start: int, end: int) -> bool:
    """An integer between a capitalised name and the noun it names ("SOC 2 audit", "Python 3 migration").

    The word before must be an acronym, or capitalised and not the first word (the verb of "Sign 40 new
    logos"); the word after must not be a function word ("NPS 50 by June" keeps its target).
    """
    if start < 3 or text[start - 1] != " " or not text[start - 2].isalpha():
        return False
    ws = max(text.rfind(" ", 0, start - 1), text.rfind("(", 0, start - 1)) + 1
    name = text[ws:start - 1]
    if not (name[:1].isupper() and name.isalpha()):
        return False
    if not (name.isupper() and len(name) >= 2) and not text[:ws].strip(" *_`>-#"):
        return False  # a capitalised first word: usually the verb
    after = _WORD_AFTER.match(text, end)
    if after is None:
        # "... on Ward 7", "... to Postgres 16": a capitalised word (not an acronym: "NPS 50" is a target) and its
        # number end the text
        return not name.isupper() and not text[end:].strip(" .;:!)*_`")
    word = after.group(1).lower()
    if word in _UNIT_WORDS:
        return False
    if word in _FUNCTION_WORDS:
        # "to Python 3.12 and Django 5 before June", "from Airflow 1 to Dagster": a capitalised name inside a
        # sentence written in sentence case is a product or a place, its number a version or a name; an acronym
        # ("NPS 50 by June") is a metric's short name, and in Title Case Text every word looks like a name
        return not name.isupper() and not _title_case(text)
    return True


def _title_case(text: str) -> bool:
    words = [w for w in text.split() if w[:1].isalpha() and len(w) > 3]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) * 3 >= len(words) * 2


def lower_aligned(text: str) -> str:
    """Lower case with every character at its offset (a few, such as "İ", lower-case to two characters)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c.lower()[:1] for c in text)


def find_numbers(text: str, low: str = "") -> list[Num]:
    """All quantity numbers in the text, in order, with units and comparators (one regex pass).

    `low` is lower_aligned(text) when the caller has it already (worked out here otherwise).
    """
    out: list[Num] = []
    if not _DIGIT.search(text):
        return out  # most objectives hold no digit: skip the long pattern
    for m in _NUM.finditer(text):
        cur, raw, ord_, mult, pct, x, plus, hy, uw, orc, qs = m.groups()
        s = m.start()
        prev = text[s - 1] if s else " "
        star = hy is not None and text[m.end(8) - 1:m.end(8) + 3].lower() == "star" and not (cur or pct or mult)
        if ord_ or (hy and not star) or prev.isalpha() or prev in "-_/#":
            continue  # day-1, P1, Q3, #1, 2nd, 90-day: labels, not quantities ("4-star" is a rating)
        if not low:
            low = lower_aligned(text)
        before = low[max(0, s - 24):s]
        if "(" in before or "[" in before or "~" in before:
            before = before.replace("(", " ").replace("[", " ").replace("~", " ")
        bw = before.split()
        if bw and bw[-1] in _LABEL_WORDS:
            continue
        if not (cur or pct or mult) and len(raw) == 4 and raw[:2] in ("19", "20"):
            continue  # a year
        e2 = m.end(2)
        c, c2 = text[e2:e2 + 1], text[e2 + 1:e2 + 2]
        if (prev == "." and s > 1 and text[s - 2].isdigit()) or (c == "." and c2.isdigit()):
            continue  # a version such as 2.4.1
        value = float(raw.replace(",", "")) if "," in raw else float(raw)
        if mult:
            value *= _MULT[mult.strip().lower()]
        unit: str | None = None
        scale = 1.0
        if plus:
            end = m.end(7)
        else:  # mult, pct and x follow each other: the last one that matched ends the number
            end = m.end(6 if x else 5 if pct else 4 if mult else 2)
            if star:
                end += 1  # "4-star reviews": the metric is the star reviews
        if cur:
            unit = _CURRENCY[cur]
        elif pct:
            unit = "%"
        elif x:
            unit = "x"
        elif uw:
            unit, scale = _UNIT_WORDS[uw.lower()]
            end = m.end(9)
        elif c == " " and c2 in "bwcBWC" and (bday := _DAY_KIND_AFTER.match(low, e2)):
            unit, scale = _UNIT_WORDS[bday.group(1)]  # "2 business days"
            end = bday.end()
        elif bw and bw[-1].strip(":") in _CURRENCY_CODES:
            unit = bw[-1].strip(":").upper()  # "CHF 20,000": the comparator, if any, comes before the code
            bw.pop()
            before = before[:before.rstrip().rfind(" ") + 1]
        num = Num(value, s, end, unit, scale, None, plus is not None)  # (by position: a third cheaper than by name)
        if bw:
            last = bw[-1].strip(":")
            if last in _MONTHS or (c == " " and c2.isalpha() and len(raw) <= 2 and not (cur or pct or mult or uw)
                                   and _MONTH_AFTER.match(low, e2)):
                num.qual = True  # a day of a month
            elif (last in _QUAL_WORD and not bw[-1].endswith(":")) or (
                    last == "of" and len(bw) > 1 and bw[-2] in _QUAL_OF):
                # ("within a month: 50%": the value given for what the label names, not "month 50")
                num.qual = True  # "4 out of 5", "on a scale of 1-5", "day 30"
            elif last in ("top", "bottom") and len(bw) > 1 and bw[-2] in _SELECTING and not (cur or pct or mult or uw) \
                    and _PLURAL_NOUN_AFTER.match(low, e2):
                num.qual = True  # "our top 5 clients", "their bottom 10 stores": which of ours, not how many to reach
            elif last == "than" and len(bw) > 1 and bw[-2] in ("older", "younger") and unit in _WEAK_UNITS:
                num.qual = True  # "tickets older than 7 days: zero": which ones are counted, not the target
            elif last == "per" and not (cur or pct or mult or uw):
                num.qual = True  # "falls per 1,000 bed days": the rate's denominator, not a target
            elif last in _CUE_WORDS and (
                    last in _BASELINE_CUES or (len(bw) > 1 and bw[-2].strip(":") in _BASELINE_CUES)
                    or (unit is not None and (last == "from" or (len(bw) > 1 and bw[-2] == "from")))
                    or (last == "from" and len(bw) > 1 and bw[-2] in ("up", "down"))):
                num.cue = True  # an unpaired "from 12 hours", "currently at 40%", "(current: $5k)"
        if (c in "apAP" or (c == " " and c2 in "apAP")) and c and not (cur or pct or mult or uw) \
                and _CLOCK_AFTER.match(low, e2):
            num.qual = True  # a time of day ("by 9am")
        elif c == ":" and c2.isdigit() or (prev == ":" and s > 1 and text[s - 2].isdigit()):
            num.qual = True  # a clock time or a ratio ("10:30", "1:1s")
        elif c == " " and c2 in "pP" and low.startswith(" percentile", e2):
            num.qual = True  # "95 percentile"
        elif raw == "24" and text.startswith("/7", e2):
            num.qual = True  # "24/7": always, not a target
        elif c == "/" and _DATE_AFTER.match(text, e2):
            num.qual = True  # "by 11/13/20": a date
        elif c == " " and (c2 in "vV" and low.startswith(" version", e2) and not low.startswith(" versions", e2)
                           or "." in raw and c2 in "rR" and low.startswith(" release", e2)
                           and not low.startswith(" releases", e2)):
            num.qual = True  # "the stable 1.0 version", "the 2.0 release": a version, not a quantity
        elif c and c in " +" and _PRIOR_AFTER.match(low, e2):
            num.qual = True  # "15 days prior to the end of the quarter", "60+ days past due": when, or which bucket
        elif (c == " " and c2.isalpha() or not c.strip(" .;:!)")) and not (cur or pct or mult or uw) \
                and _is_name_number(text, s, e2) and ("." not in raw or not text[:s].split()[-1].isupper()):
            num.qual = True  # "SOC 2 report", "Python 3 migration": a number inside a name
        if (c in "-–" or (c == " " and c2 in "-–")) and c and not uw \
                and _RANGE_AFTER.match(text, e2) and not _FROM_BEFORE.search(before):
            num.rng = True  # "2-3 events"
        elif (pct or mult) and text[end:end + 1] in "-–" and _RANGE_AFTER.match(text, end) \
                and not _FROM_BEFORE.search(before):
            num.rng = True  # "10%-15%", "$2M-$3M" (the second end is skipped: a number right after "-")
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
        if orc and num.qual and out and len(bw) > 1 and bw[-2:] == ["out", "of"] and out[-1].comparator is None:
            out[-1].comparator = num.comparator  # "4 out of 5 or higher": the bar is on the score, not the scale
        out.append(num)
    return out


_PERIOD_WORDS = frozenset("for over during after every each per".split())
_DATE_AFTER = re.compile(r"/\d{1,2}/\d{2,4}\b")
_PRIOR_AFTER = re.compile(r"\+?\s(?:business\s|working\s|calendar\s)?(?:days?|weeks?|months?)\s+(?:prior\s+to|before\s+the|"
                          r"ahead\s+of|past\s+due|overdue|late)\b")
_WEAK_UNITS = frozenset({"days", "weeks", "months", "years", "hours", "minutes", None})


_FROM_BEFORE = re.compile(r"\bfrom\s+(?:about\s+|around\s+|roughly\s+|~|±)?$")
_FROM_TO_MID = re.compile(
    r"(?:\s*/\s*[a-z]+)?\s*(?:[a-z\-]+\s+){0,3}?(?:to|down to|up to|->|→|–|-)\s*(?:±|~)?\s*"
    r"(?:more than |less than |under |over |below |above |at least |at most |just |about )?"
)
_FROM_WORD_TO = re.compile(r"\bfrom\s+([a-z][a-z\-]*(?:\s[a-z\-]+)?)\s+to\s+")
_ARROW = re.compile(r"\s*(?:->|→)\s*")
_NEXT_WORD = re.compile(r"\W*([a-z]+)")
# Words that may follow the second number of a bare pair ("50% to 60% by June"); a noun there means a range.
_AFTER_PAIR = frozenset("by in per this next within during for before until on at over and or across among".split())
_BARE_TO_MID = re.compile(r"(?:\s*/\s*[a-z]+)?\s+to\s+(?:±|~)?")
_TO_FROM_MID = re.compile(r"\s*[,(]?\s*(?:up\s+|down\s+)?from\s+(?:(?:current|currently|today|about|around|roughly|avg\.|"
                          r"average|the\s+current)\s+)?(?:±|~)?")
_TO_BEFORE = re.compile(
    r"\bto\s+(?:(?:more than|less than|under|over|below|above|at least|at most|just)\s+)?(?:±|~)?$")
_BY_BEFORE = re.compile(r"\bby\s+(?:(?:more than|at least|over)\s+)?$")
_STAY = re.compile(r"\b(?:stays?|remains?)\s+(?:above|below|under|over|at)\b")
# "hold churn below 2%", "hold the rate at or below 5%", "hold revenue steady" (not "hold a review at each site")
_HOLD_AT = re.compile(r"\bhold\b.*\b(?:(?:at|above|below|under)(?:\s+or\s+(?:above|below|under|less|more|higher|lower))?"
                      r"\s*[<>≤≥]?\s*[$€£]?\d|steady\b|flat\b)")
_FROM_WORD_NUM = re.compile(r"\bfrom\s+[A-Za-z]+\s+to\s+(?=\x00)")
_FROM_WORD = re.compile(r"from\s+[A-Za-z]")  # where _FROM_WORD_NUM can match; found fast by its literal start
_LEAD_PREP = re.compile(r"^(?:of|to|in|from|by|or more|or higher|\+)\s+", re.I)
_LEAD_PREP_FIRST = frozenset("oOtTiIfFbB+")  # the first letters of what _LEAD_PREP removes
_LEAD_DET = re.compile(r"^(?:the|our|my|a|an|all|of)\s+", re.I)

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100,
    "a dozen": 12, "dozen": 12, "once": 1, "twice": 2, "double": 2, "triple": 3,
}
_NUMBER_WORD_SET = frozenset(w.split()[-1] for w in _NUMBER_WORDS)
_MULTIPLIER_WORDS = frozenset({"double", "triple"})  # a relative change, not a stated level: no parsed target
_TIMES_WORDS = frozenset({"once", "twice"})  # a count of times: a target only after a comparator


_NUMBER_WORD_RE = re.compile(r"\b(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b")
# What may follow a number word that counts something: an optional adjective or two, then the thing counted.
_WORD_UNIT_AFTER = re.compile(r"\s+(?:(?:business|working|calendar|full)\s+)?(" + _ascii_nocase(
    "days?|weeks?|months?|years?|hours?|minutes?|seconds?|percent") + r")\b")
# A frequency ("once a month", "twice per quarter", "one day a week"): how often, not how much.
_FREQUENCY_AFTER = re.compile(r"\s+(?:\w+\s+)?(?:a|an|per|every|each)\s+(?:day|week|month|quarter|year|sprint)\b")
_NOT_A_COUNT_BEFORE = frozenset("each every any no the this that which only another anyone someone no-one next last "
                                 "same other".split())
_WINDOW_PREPS = frozenset("for in within during over after".split())


def _word_numbers(low: str) -> list[Num]:
    """Numbers written as words that state a quantity ("at least three", "one new hire", "zero outages").

    A number word is a quantity when it counts something; "one of", "each one", "one-time", "once a month"
    and "for one team" (a scope) are not targets.
    """
    out: list[Num] = []
    for m in _NUMBER_WORD_RE.finditer(low):
        w = m.group(0)
        if w in _MULTIPLIER_WORDS:
            continue
        s, e = m.start(), m.end()
        after = low[e:e + 4]
        if after[:1] == "-" or after.startswith(" of"):
            continue
        before = low[max(0, s - 24):s]
        bw = before.split()
        if bw and bw[-1] in _NOT_A_COUNT_BEFORE:
            continue
        num = Num(value=float(_NUMBER_WORDS[w]), start=s, end=e)
        if bw and (bw[-1] in _CMP_LAST or bw[-1][-1:] in "<>≥≤="):
            num.comparator = _comparator_before(before)
        u = _WORD_UNIT_AFTER.match(low, e)
        if u:
            key = u.group(1)
            unit = _UNIT_WORDS.get(key) or _UNIT_WORDS.get(key + "s")
            if unit:
                num.unit, num.scale = unit
                num.end = u.end()
        if _FREQUENCY_AFTER.match(low, num.end) or (w in _TIMES_WORDS and num.comparator is None):
            num.qual = True  # how often something happens, not how much
        elif bw and bw[-1] in _WINDOW_PREPS and num.unit is None:
            num.qual = True  # "for one region", "within one release": a scope, not a target
        elif bw and (bw[-1] in _QUAL_WORD or bw[-1] in _LABEL_WORDS or " ".join(bw[-2:]) in _QUAL_PAIR):
            num.qual = True  # "day one", "phase two", "three out of five"
        out.append(num)
    return out


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _first_verb(words: list[str]) -> tuple[str | None, int]:
    """The leading verb (skipping an owner/subject of up to three words such as 'Partners' or 'My team')."""
    for i, w in enumerate(words[:4]):
        if w in lx.ALL_VERBS:
            return w, i
    past = _past_of_change(words[0]) if words else None
    if past:
        return past, 0  # "Reduced churn to 3%", "Dropped returns to 2%": the verb in the past says the direction
    fixed = _misspelt_first(words[0]) if words else None
    if fixed:
        return fixed, 0  # "Reduse missed appointments to 4%": the verb meant gives the direction
    return None, -1


def _past_of_change(word: str) -> str | None:
    """'reduced' -> 'reduce', 'dropped' -> 'drop', 'boosted' -> 'boost': a change or hold verb in the past."""
    if not word.endswith("ed") or len(word) < 5:
        return None
    for base in (word[:-1], word[:-2], word[:-3]):
        if base in lx.INCREASE_VERBS or base in lx.DECREASE_VERBS or base in lx.MAINTAIN_VERBS:
            return base
    return None


@lru_cache(maxsize=1024)
def _misspelt_first(word: str) -> str | None:
    """A change or hold verb one slip away from a first word no dictionary knows ('reduse', 'maintian')."""
    if len(word) < 5:
        return None
    from coach.rubric.words import flags  # (here: the rubric package imports this module)

    return None if flags(word) else lx.misspelt(word, lx.INCREASE_VERBS | lx.DECREASE_VERBS | lx.MAINTAIN_VERBS)


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
        if a.comparator is None and (a.unit == b.unit or a.unit is None) and _BARE_TO_MID.fullmatch(low, a.end, b.start):
            pre = low[max(0, a.start - 12): a.start]
            nxt = _NEXT_WORD.match(low, b.end)
            if not (_to_before(pre) or _by_before(pre)):
                if nxt is None or nxt.group(1) in _AFTER_PAIR:
                    return a, b, False  # "lift the ratio 50% to 60% by June"
                a.rng = b.rng = True  # "book 40 to 60 demos": a range
        if has_from and _TO_FROM_MID.fullmatch(low, a.end, b.start) and _TO_BEFORE.search(low, max(0, a.start - 30), a.start):
            return b, a, False  # "to 75% from 45%"
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
    competing: bool = False  # several numbers compete as the target (or a range): the parse says null
    kind: str | None = None  # leading / lagging, filled in by the rubric engine


def analyse(text: str) -> Analysis:
    """Parse a key result (see _analyse); worked out once per text, and each caller gets its own copy to annotate
    (the parsed fields are never changed in place: the rubric copies them before applying explicit overrides)."""
    a = _analyse(text)
    return Analysis(a.parsed, a.verb, a.verb_index, a.words, a.has_number, a.baseline_stated, a.relative, a.to_level,
                    a.target_span, a.nums, a.competing, a.kind)


@lru_cache(maxsize=4096)
def _analyse(text: str) -> Analysis:
    """Parse a key result and keep the intermediate facts the rubric checks use.

    Every number gets a role: a qualifier (dates, versions, ranks, denominators, scopes), a baseline ("from
    X", "currently X"), or a target candidate. One target candidate (or a from-to pair) gives the target;
    several in coordinated clauses ("10 builders, with 2 full time"), a range ("2-3 events") or a stated
    bar beside a relative change ("by 40% (under 2 s)") compete, and the parse says null, as RUBRIC.md asks.
    """
    norm = text.replace("\u2212", "-").replace("\u00a0", " ")
    if "`" in norm:
        norm = norm.replace("`", " ")  # code marks around a whole key result: one character for one, offsets kept
    low = lower_aligned(norm)
    # For ASCII text, the words of the lower-cased text are the lower-cased words (one pass instead of two).
    words = _WORD.findall(low) if norm.isascii() else _words(norm)
    nums = find_numbers(norm, low)
    strong = [n for n in nums if not n.weak and not n.qual]
    verb, vi = _first_verb(words)
    baseline = target = None
    baseline_stated = relative = to_level = competing = False
    word_nums: list[Num] = []
    multiplier = None
    if not _NUMBER_WORD_SET.isdisjoint(words):
        word_nums = _word_numbers(low)
        m = _MULTIPLIER_RE.search(low)
        multiplier = m.group(0) if m else None
    base_n, targ_n, textual = _from_to(low, strong or [n for n in nums if not n.qual])
    if targ_n is not None:
        target = targ_n
        baseline_stated = True
        if base_n is not None:
            baseline = base_n
        for n in strong:  # "from 20% to 40%, and 3 new markets": a second bar in another clause
            if n.start >= targ_n.end and not n.cue and _coordinated(low, targ_n.end, n.start):
                target = baseline = None
                competing = True
                break
    if target is None:
        cutoff = _deliverable_cutoff(low, verb)
        cands = [n for n in strong if n.start >= cutoff] if cutoff else strong  # strong: in text order
        if word_nums:
            cands = sorted([*cands, *(n for n in word_nums if not n.weak and not n.qual and n.start >= cutoff)],
                           key=_START)
        cues = [n for n in cands if n.cue]
        if cues and len(cands) > len(cues):
            baseline = cues[0]
            baseline_stated = True
            cands = [n for n in cands if not n.cue]
        cands, competing = _compete(low, cands)
        if not competing:
            for n in cands:
                pre = low[max(0, n.start - 30): n.start]
                if _to_before(pre):
                    target, to_level = n, True
                    break
            if target is None:
                for n in cands:
                    pre = low[max(0, n.start - 12): n.start]
                    if _by_before(pre) or (n.unit == "x" and not baseline_stated):
                        target, relative = n, True
                        break
            if target is None and cands:
                target = cands[0]
            if target is None and cutoff == 0:
                # "in 10 days", "within a week" can be the bar; "for 12 weeks", "over 6 months", "every 2 weeks" are
                # how long or how often, never the level to reach
                weak = [n for n in (*nums, *word_nums) if n.weak and not n.qual
                        and (low[max(0, n.start - 16):n.start].split() or [""])[-1] not in _PERIOD_WORDS]
                target = min(weak, key=lambda n: n.start) if weak else None
            if target is not None and target.rng:
                target, competing = None, True  # "2-3 events": a range is not one target
            if target is not None and baseline is not None and (relative or not _same_kind(baseline, target)):
                # "by 50% from 2 minutes", "by 20% from 5%": the level to reach is not stated in one number
                target = baseline = None
                relative = False
                competing = True
        if target is None and multiplier:
            relative = True  # "double X": a relative change stated in words (no parsed target)
    fields: dict[str, object] = {"metric": None, "baseline": None, "target": None, "unit": None,
                                 "direction": None, "comparator": None}
    if target is not None:
        comparator = target.comparator
        if comparator in (">", ">=") and _NEGATED_SUBJECT.match(low):
            comparator = "<=" if comparator == ">" else "<"  # "No ticket waits more than 2 days"
        fields.update(target=_clean(target.value), unit=target.unit, comparator=comparator)
        if baseline is not None:
            b, unit = _convert(baseline, target)
            fields.update(baseline=_clean(b), unit=unit)
    fields["metric"] = extract_metric(norm, nums) or None
    fields["direction"] = _direction(low, words, verb, fields)
    parsed = build(ParsedKR, **fields)
    return Analysis(
        parsed=parsed, verb=verb, verb_index=vi, words=words,
        has_number=any(not n.qual for n in nums) or target is not None or multiplier is not None
        or any(not n.qual for n in word_nums),
        baseline_stated=baseline_stated or textual, relative=relative, to_level=to_level,
        target_span=(target.start, target.end) if target is not None and target.end > target.start else None,
        nums=nums, competing=competing,
    )


_START = attrgetter("start")
_MULTIPLIER_RE = re.compile(r"\b(?:double|triple)\b")
_NEGATED_SUBJECT = re.compile(r"^\W*(?:no|none of)\s+(?!(?:more|less|fewer|greater|later)\s+than)")
_COORDINATION = re.compile(r"\band\b|&|,|;|\bwith\b|\bplus\b|:")


# The patterns below start with a word boundary, so the regex engine tries them at every position of the span;
# a plain look for the word or mark they need comes first (most spans hold none), with the same answers.
def _coordinated(low: str, start: int, end: int) -> bool:
    """A coordinating word or mark (_COORDINATION) between start and end."""
    span = low[start:end]
    if not ("and" in span or "," in span or "with" in span or "plus" in span or "&" in span or ";" in span
            or ":" in span):
        return False
    return _COORDINATION.search(low, start, end) is not None


def _to_before(pre: str) -> bool:
    """'to' (and an optional comparator) right before a number: 'to 40%', 'to at least 5'."""
    return "to" in pre and _TO_BEFORE.search(pre) is not None


def _by_before(pre: str) -> bool:
    """'by' (and an optional comparator) right before a number: 'by 20%', 'by more than 3'."""
    return "by" in pre and _BY_BEFORE.search(pre) is not None


_PAREN_CMP = frozenset({"<", "<=", ">", ">="})


def _paren_depth(low: str, pos: int) -> int:
    return low.count("(", 0, pos) - low.count(")", 0, pos)


def _compete(low: str, cands: list[Num]) -> tuple[list[Num], bool]:
    """Drop numbers that only break a count down, and say whether the ones left compete as targets."""
    if len(cands) < 2:
        return cands, False
    if "(" in low:
        inside = [n for n in cands if _paren_depth(low, n.start) > 0]
        outside = [n for n in cands if _paren_depth(low, n.start) <= 0]
        if inside and outside:
            tail = low[low.rfind(")") + 1:].strip(" .;,")
            if not tail and any(n.comparator in _PAREN_CMP for n in inside if n.start > low.rfind("(")):
                return outside, True  # "by 40% (under 2 s)": a second bar stated after the first
            cands = outside  # "4 meetings (1 board and 3 social)": a breakdown of the count
    for a, b in zip(cands, cands[1:]):
        if _coordinated(low, a.end, b.start):
            return cands, True
    return cands, False


def _same_kind(a: Num, b: Num) -> bool:
    """A baseline and a target in units that can be compared (both time units count as one kind)."""
    return a.unit == b.unit or a.unit is None or b.unit is None or (a.scale != 1.0 and b.scale != 1.0)


@lru_cache(maxsize=256)
def _deliverable_object(verb: str) -> re.Pattern[str]:
    return re.compile(rf"\b{verb}\s+(?:out\s+|up\s+)?(a|an|the)\s+((?:\S+\s+){{0,2}})")


def _deliverable_cutoff(low: str, verb: str | None) -> int:
    """Where numbers may start to count as targets: 0 for most key results.

    'Build a volume price list for teams of 1,000+ users' is one thing to build; its numbers are attributes
    (no target). A second clause can still state a result ('Write a guide and reach 100 readers').
    """
    if verb not in lx.DELIVERABLE_VERBS:
        return 0
    m = _deliverable_object(verb).search(low)
    if not m:
        return 0
    if not (m.group(1) in ("a", "an") or not any(ch.isdigit() for ch in m.group(2))):
        return 0
    nxt = low.find(" and ", m.start(2))
    return nxt + 5 if nxt >= 0 else len(low) + 1


def _clean(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(v, 6)


def _verb_forms(kinds: dict[str, frozenset[str] | set[str]]) -> dict[str, str]:
    """Every inflected form of the listed verbs -> its kind ("reducing" -> "dec", "falls" -> "fall").

    Built once at import, so reading a word's kind is one dictionary look-up.
    """
    forms: dict[str, str] = {}
    for kind, verbs in kinds.items():
        for v in sorted(verbs):
            stems = {v, v[:-1]} if v.endswith("e") else {v, v + v[-1]}
            cands = {v, v + "s", v + "es", v + "d", v + "ed", *(st + "ing" for st in stems), *(st + "ed" for st in stems)}
            if v.endswith("y"):
                cands |= {v[:-1] + "ies", v[:-1] + "ied"}
            for f in cands:
                forms.setdefault(f, kind)
    return forms


# Verbs that state a change of their subject ("response time falls to 2 h"); read only before a change phrase.
_RISE_VERBS = frozenset("rise grow climb increase jump".split())
_FALL_VERBS = frozenset("fall drop decline decrease shrink sink dip".split())
_VERB_KIND = _verb_forms({"keep": lx.MAINTAIN_VERBS, "dec": lx.DECREASE_VERBS, "inc": lx.INCREASE_VERBS,
                          "rise": _RISE_VERBS, "fall": _FALL_VERBS})
# Inflected forms of the listed verbs that read as a subject's change or a result ("increases", "drops",
# "reduced to"), not an imperative.
_VERB_KIND_CHANGE_FORMS = frozenset(f for f in _VERB_KIND if f.endswith(("s", "ed", "ing")) and _VERB_KIND[f] in ("inc", "dec"))
_PARTICLE = re.compile(r"\b(?:down|up)\s+(?:to|from|by\b|(?=[$£€]?\d))")
_SUBJECT_CHANGE = {"rise": "increase", "fall": "decrease", "inc": "increase", "dec": "decrease"}
_KEEP_LEVEL = re.compile(r"\b(?:above|below|under|over|at|within)\b")
_CHANGE_PHRASE = re.compile(r"\s+(?:to|by|from|below|under|above|over|beneath|past)\b")


def _stated_direction(low: str, words: list[str], verb: str | None) -> str | None:
    """increase / decrease / maintain as a verb states it, in any form ("Reducing", "to maintain", "falls to")."""
    if " down " in low or " up " in low:
        m = _PARTICLE.search(low)
        if m and (m.group(0).startswith("down") or not m.group(0).endswith("to")):
            # "get churn down to 3%", "up from", "tickets down 20%", "signups up by a third" (not "up to": a cap)
            return "decrease" if m.group(0).startswith("down") else "increase"
    if verb is not None:
        if verb in lx.MAINTAIN_VERBS:
            return "maintain"
        if verb in lx.DECREASE_VERBS:
            return "decrease"
        if verb in lx.INCREASE_VERBS and verb not in lx.DELIVERABLE_VERBS:
            return "increase"
    if verb is not None and verb not in lx.INCREASE_VERBS and "and" in words:
        for i, w in enumerate(words[:-1]):  # "Redesign the form and cut drop-off to 12%": the second verb says it
            if w == "and" and words[i + 1] in lx.DECREASE_VERBS:  # (not "to": "time to hire" names a metric)
                return "decrease"
            if w == "and" and words[i + 1] in lx.INCREASE_VERBS and words[i + 1] not in lx.DELIVERABLE_VERBS:
                return "increase"
    for i, w in enumerate(words[:6]):
        kind = _VERB_KIND.get(w)
        if kind is None:
            continue
        if i == 0 and verb is None and kind in ("inc", "dec") and w.endswith("ing"):
            return _SUBJECT_CHANGE[kind]  # "Reducing overhead by 20%"
        if kind == "keep":
            if i and words[i - 1] == "to" and _KEEP_LEVEL.search(" ".join(words[i + 1:i + 6])):
                return "maintain"  # "Enable the team to maintain reserves above ..."
        elif i and (kind in ("rise", "fall") or w in _VERB_KIND_CHANGE_FORMS):
            pos = low.find(w)
            if pos >= 0 and _CHANGE_PHRASE.match(low, pos + len(w)):
                return _SUBJECT_CHANGE[kind]  # "review time falls to 5 days"
    return None


def _direction(low: str, words: list[str], verb: str | None, p: dict[str, Any]) -> str | None:
    """increase / decrease / maintain: a verb that states it first, then the parsed fields (baseline and
    target, metric, comparator)."""
    if verb in lx.MAINTAIN_VERBS or (("stay" in low or "remain" in low) and _STAY.search(low)) or (
        verb == "hold" and _HOLD_AT.search(low)
    ):
        return "maintain"
    if verb is not None and verb in words[1:] and words[words.index(verb) - 1] == "to":
        verb = None  # "Time to hire from 52 to 35 days": the verb names the metric; the numbers say which way
    stated = _stated_direction(low, words, verb)
    if stated is not None:
        return stated
    target, baseline = p["target"], p["baseline"]
    if target is None:
        return None
    if baseline is not None and baseline != target:
        return "increase" if target > baseline else "decrease"
    if any(w in lx.DECREASE_VERBS for w in words[:2]):
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


# (not "to": "time to hire", "time to first value" are names of metrics)
_SECOND_CLAUSE = re.compile(r"\s(?:and|&)\s+([A-Za-z]+)\s+(?:the\s+|our\s+)?(\S.*)$")
_CLAUSE_VERB_LAST = re.compile(r"\s(?:and|&)\s+([A-Za-z]+)$")
_CLAUSE_VERBS = frozenset(lx.INCREASE_VERBS | lx.DECREASE_VERBS | {"reach", "achieve", "hit", "get"}) - lx.DELIVERABLE_VERBS


_ZERO_AFTER_COLON = re.compile(r"\s*:\s*(?:zero|none|nil)\W*$", re.I)


def extract_metric(text: str, nums: list[Num] | None = None) -> str:
    """A short noun phrase naming what is measured: verb, numbers and time qualifiers removed."""
    nums = find_numbers(text) if nums is None else nums
    s = text
    for n in reversed(nums):  # find_numbers gives them in text order
        if n.qual and s[max(0, n.start - 5):n.start].lower().endswith(("per ", "than ")):
            continue  # "falls per 1,000 bed days", "tickets older than 7 days": part of the metric's name
        s = s[: n.start] + " \x00 " + s[n.end:]
    if "from" in s and _FROM_WORD.search(s):  # "from weekly to 5": a baseline in words ("from 12 to" has none)
        s = _FROM_WORD_NUM.sub(" \x00 ", s)
    if ":" in s:
        s = _ZERO_AFTER_COLON.sub("", s)  # "Fire deaths: zero": the metric is what comes before the bar
    parts = s.split("\x00")
    first = _clean_fragment(parts[0])
    joined = "and" in first or "&" in first  # both clause patterns need one of these
    second = _SECOND_CLAUSE.search(first) if joined else None
    if second and second.group(1).lower() in _CLAUSE_VERBS:
        first = second.group(2)  # "Redesign the form and cut drop-off": the second clause names the measure
    else:
        ends = _CLAUSE_VERB_LAST.search(first) if joined else None
        if ends and ends.group(1).lower() in _CLAUSE_VERBS:
            first = ""  # "Launch the page and reach 30% repeat purchases": the measure follows the number
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
       "every", "each", "per", "just", "about", "around", "at or"], key=len, reverse=True))
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


def _is_verb(word: str) -> bool:
    from coach.rubric.words import flags  # (here: the rubric package imports this module)
    return word in lx.ALL_VERBS or "V" in flags(word)


# Change verbs used without an object ("sales grow to", "churn falls to", "visits double").
_CHANGES_ALONE = frozenset(w for base in ("grow", "rise", "fall", "drop", "increase", "decrease", "climb", "decline",
                                           "shrink", "improve", "double", "triple", "halve")
                           for w in (base, base + "s"))


@lru_cache(maxsize=4096)
def _clean_fragment(p: str) -> str:
    p = _trailers(" " + p).strip(" ,.;:±~<>=≤≥")
    p = _drop_tail(p).strip(" ,.;:±~<>=≤≥")
    p = (_LEAD_PREP.sub("", p) if p[:1] in _LEAD_PREP_FIRST else p).strip()
    ws = p.split()
    for i, w in enumerate(ws[:3]):  # drop a leading verb, and a subject before it ("Partners close ...")
        lw = w.lower()
        if i and i == len(ws) - 1 and lw in _CHANGES_ALONE:
            ws = ws[:i]  # "Retail sales grow to $5M": the subject is what changes, the metric
            break
        if i == 0 and lw not in lx.ALL_VERBS and (_misspelt_first(lw) or _past_of_change(lw)):
            ws = ws[1:]  # "Reduse missed appointments", "Reduced churn": the verb meant, misspelt or in the past
            break
        if lw in lx.ALL_VERBS and not (i == 2 and ws[1].lower() == "to" and ws[0].lower() == "time"):
            # ("Time to hire", "Time to close": the metric's name, not a verb)
            helper = lw in lx.MAINTAIN_HELPERS and i + 1 < len(ws) and ws[i + 1].lower().endswith("ing")
            ws = ws[i + (2 if helper else 1):]
            if len(ws) > 1 and ws[0] in ("and", "&") and _is_verb(ws[1].lower()):
                ws = ws[2:]  # "Build and launch 3 landing pages": both verbs go, the pages are counted
            break
    while ws and ws[0].lower() in lx.FILLER_WORDS:
        ws = ws[1:]
    out = _trailers(" ".join(ws)).strip(" ,.;:")
    return _LEAD_DET.sub("", out) if out[:1] in "tTmMaAoO" else out


def parse_kr(text: str) -> ParsedKR:
    """Parse one key result (see RUBRIC.md "Parsed key result")."""
    return analyse(text).parsed
