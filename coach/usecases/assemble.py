"""Small typed output schemas for the model, and the code that turns its fields into key-result sentences."""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from coach.corpus.library import Metric, Role
from coach.usecases.results import KROrigin

VERBS_UP = ["raise", "increase", "grow", "lift"]
VERBS_DOWN = ["cut", "reduce", "shorten", "lower"]
Verb = Literal["raise", "increase", "grow", "lift", "cut", "reduce", "shorten", "lower"]
UNITS = ["%", "USD", "days", "hours", "weeks", "count", "points", "x"]
Unit = Literal["%", "USD", "days", "hours", "weeks", "count", "points", "x"]

# Metrics where less is better: the verb must cut them whatever the model chose.
_LOWER_BETTER = {
    "churn", "attrition", "cycle", "time", "cost", "costs", "cac", "discount", "discounting", "backlog", "ramp",
    "ramp-up", "errors", "error", "defects", "defect", "latency", "turnover", "payback", "delay", "delays", "lost",
    "escalations", "overdue", "downtime", "incidents", "complaints", "dso", "spend", "waste", "leakage", "outstanding",
    "bugs", "bug", "overrun", "overruns", "rework", "write-offs", "after-hours", "failures", "failed", "findings",
    "disputes", "litigation", "older", "waiting", "readmissions", "falls", "absence", "absences", "vacancies",
    "stockouts", "late", "breaches", "outages", "wait", "injuries", "exclusions", "issues", "readmitted", "agency", "absent", "incomplete",
}
_UNIT_ALIASES = {
    "%": "%", "percent": "%", "percentage": "%", "pct": "%", "share": "%",
    "$": "USD", "usd": "USD", "dollars": "USD", "money": "USD", "eur": "USD", "currency": "USD",
    "days": "days", "day": "days", "hours": "hours", "hour": "hours", "weeks": "weeks", "week": "weeks",
    "#": "count", "count": "count", "number": "count", "n": "count", "customers": "count", "accounts": "count",
    "points": "points", "score": "points", "pts": "points", "x": "x", "ratio": "x", "multiple": "x",
}
OBJECTIVE_MAX = 90
OBJECTIVE_MAX_WORDS = 14
Objective = Annotated[str, Field(min_length=3, max_length=OBJECTIVE_MAX)]
MONEY_SCALE = 1000.0  # the draft prompt asks for money in thousands of USD


class ObjectiveOut(BaseModel):
    """The model's answer when asked for a better objective title."""

    objective: Objective


class CommentOut(BaseModel):
    comment: Annotated[str, Field(min_length=3, max_length=400)]


class CommentTitleOut(BaseModel):
    comment: Annotated[str, Field(min_length=3, max_length=400)]
    objective: Objective


class FreeKROut(BaseModel):
    """A key result rewrite as fields; the sentence is assembled in code."""

    verb: Verb
    metric: Annotated[str, Field(min_length=2, max_length=60)]
    baseline: float
    target: float
    unit: Unit


def library_unit(metric: Metric) -> str | None:
    """The role library's unit in our vocabulary, or None when it does not say."""
    if not metric.unit:
        return None
    return _UNIT_ALIASES.get(metric.unit.strip().lower())


def _kr_model(name: str, metrics: list[str]) -> type[BaseModel]:
    return create_model(
        name,
        verb=(Verb, ...),
        metric=(Literal[tuple(metrics)], ...),  # type: ignore[valid-type]
        baseline=(float, ...),
        target=(float, ...),
    )


def draft_schema(role: Role) -> type[BaseModel]:
    """The draft answer: an objective and two key results whose metrics come from the role's list.

    When the role has both kinds, the first key result must be a lagging result and the second a leading
    signal, so every draft mixes them. Units come from the library (or the metric's name), not the model:
    fewer fields, fewer tokens, fewer chances for a tiny model to go wrong.
    """
    names = [m.name for m in role.metrics]
    lagging = [m.name for m in role.metrics if m.kind == "lagging"] or names
    leading = [m.name for m in role.metrics if m.kind == "leading"] or names
    return create_model(
        "DraftOut",
        objective=(Objective, ...),
        result=(_kr_model("ResultKR", lagging), ...),
        signal=(_kr_model("SignalKR", leading), ...),
    )


_NAME_UNITS = [
    (re.compile(r"\b(rate|share|percent|percentage|ratio of|conversion|retention|churn|attainment)\b"), "%"),
    (re.compile(r"\b(days|time|cycle|ramp-up|ramp)\b"), "days"),
    (re.compile(r"\bhours\b"), "hours"),
    (re.compile(r"\b(revenue|bookings|deal size|value|arr|mrr|acv|cost|spend|\$)\b"), "USD"),
    (re.compile(r"\b(coverage)\b"), "x"),
    (re.compile(r"\b(score|nps|csat)\b"), "points"),
]


def metric_unit(metric: Metric) -> tuple[str, str]:
    """The unit of a library metric and where it came from ('role_library' or 'code', read from the name)."""
    lib = library_unit(metric)
    if lib:
        return lib, "role_library"
    low = metric.name.lower()
    for pat, unit in _NAME_UNITS:
        if pat.search(low):
            return unit, "code"
    return "count", "code"


# Percentages that can pass 100: revenue kept plus expansion, quota attainment, growth rates.
_CAN_EXCEED_100 = re.compile(r"\bnet (?:revenue|dollar) retention\b|\battainment\b|\bgrowth\b|\bof quota\b|\bof plan\b")


# More is better whatever other words say: a share of time, a return on spend, runway, uptime.
_HIGHER_BETTER = re.compile(r"\bshare of (?:[a-z\-]+ ){0,3}time\b|\breturn on\b|\brunway\b|\buptime\b|\bsaved\b|\bavoided\b")
# Less is better: counts of things that go wrong, and rates per customer of work that should not be needed.
_LOWER_BETTER_PHRASES = re.compile(r"\b(?:tickets|pages|incidents|bugs|defects) per\b|\breopened\b|\bduplicate")


def lower_is_better(metric: str, unit: str | None) -> bool:
    low = metric.lower()
    if _HIGHER_BETTER.search(low):
        return False
    words = set(re.findall(r"[a-z][a-z\-]*", low))
    return (bool(words & _LOWER_BETTER) or bool(_LOWER_BETTER_PHRASES.search(low))
            or unit in ("days", "hours", "weeks"))


def _round(v: float, unit: str) -> float:
    if unit in ("count",):
        return float(max(0, round(v)))
    if unit in ("%", "points"):  # whole numbers, but keep a decimal near the top (uptime 99.5%)
        return float(round(v)) if 10 <= abs(v) < 90 or float(v).is_integer() else round(v, 1)
    if unit in ("days", "hours", "weeks"):
        return float(round(v)) if abs(v) >= 10 else round(v, 1)
    if unit == "x":
        return round(v, 1)
    if v == 0:
        return 0.0
    digits = 2 - math.floor(math.log10(abs(v)))  # money: three significant figures
    return float(round(v, digits))


def fix_numbers(verb: str, baseline: float, target: float, unit: str, metric: str, *,
                keep: Literal["baseline", "target"] | None = None) -> tuple[str, float, float, list[str]]:
    """Make the numbers tell a sensible story: finite, in range, moving in the verb's direction by a sane step.

    `keep` names a number the user gave; then only the other one moves.
    """
    notes: list[str] = []
    down = lower_is_better(metric, unit)
    cap = 100.0 if unit == "%" and not _CAN_EXCEED_100.search(metric.lower()) else float("inf")
    if down and verb in VERBS_UP:
        verb, notes = ("shorten" if unit in ("days", "hours", "weeks") else "reduce"), notes + [f"verb set to cut: less {metric} is better"]
    elif not down and verb in VERBS_DOWN:
        verb, notes = "raise", notes + [f"verb set to raise: more {metric} is better"]
    b, t = (abs(x) if math.isfinite(x) else 0.0 for x in (baseline, target))
    if (b, t) != (baseline, target):
        notes.append("negative or non-finite numbers made positive")
    if keep is None:
        b, t = _into_range(b, t, unit, notes, metric)
    if b > cap or t > cap:
        notes.append("percentages capped at 100")
        b, t = min(b, cap), min(t, cap)
    decreasing = verb in VERBS_DOWN
    if keep == "target":
        if b == t or (decreasing and not t * 1.05 <= b <= t / 0.3) or (not decreasing and not t / 3 <= b <= t / 1.05):
            b = _round(t / 0.75 if decreasing else t / 1.3, unit)
            notes.append("baseline moved to a step of about 25-30% from your target")
        return verb, b, t, notes
    if keep == "baseline":
        if b == t or (decreasing and not b * 0.3 <= t <= b * 0.95) or (not decreasing and not b * 1.05 <= t <= b * 3):
            t = _round(b * 0.75 if decreasing else (b * 1.3 if b > 0 else _step(unit)), unit)
            t = min(t, cap)
            notes.append("target set to a step of about 25-30% from your level")
        return verb, b, t, notes
    if (decreasing and t > b) or (not decreasing and t < b):
        b, t = t, b
        notes.append("baseline and target swapped to match the verb")
    if not decreasing and b <= 0 < t and unit != "count":
        b = t / 1.3  # a level such as revenue, a rate or a score does not start from nothing
        notes.append("a start of zero is not a level; baseline set about 25-30% below the target")
    # Near a ceiling (uptime 99.5% -> 99.9%) a small step closes much of what is left: judge it on the gap.
    near_cap = cap != float("inf") and t - b >= 0.2 * (cap - b) > 0
    timid = (decreasing and t > b * 0.95) or (not decreasing and t < b * 1.05 and not near_cap)
    wild = (decreasing and t < b * 0.3) or (not decreasing and b > 0 and t > b * 3)
    if b == t or timid or wild:
        t = b * (0.75 if decreasing else 1.3) if b > 0 else (0.0 if decreasing else _step(unit))
        notes.append("target set to a step of about 25-30% from the baseline")
        b, t = _into_range(b, t, unit, notes, metric)
    t = min(t, cap)
    b, t = _round(b, unit), _round(t, unit)
    if b == t:  # capping or rounding ate the step
        step = max(1.0, b * 0.1) if unit == "USD" else 1.0 if unit != "x" else 0.5
        if decreasing:
            b, t = (b, b - step) if b - step >= 0 else (t + step, t)
        else:
            b, t = (b, b + step) if b + step <= cap else (cap - step, cap)
        notes.append("target moved one step away from the baseline")
    return verb, b, t, notes


# Plausible magnitudes per unit; numbers outside are scaled by powers of ten, keeping their ratio.
_RANGES = {"x": (0.1, 20.0), "days": (1.0, 365.0), "hours": (0.1, 1000.0), "weeks": (1.0, 260.0),
           "points": (1.0, 100.0), "count": (1.0, 1e7), "USD": (1.0, 1e10)}


def _into_range(b: float, t: float, unit: str, notes: list[str], metric: str = "") -> tuple[float, float]:
    lo, hi = _RANGES.get(unit, (0.0, float("inf")))
    if unit == "count" and " per " in f" {metric.lower()} ":
        hi = 10000.0  # "contacts per account", "tickets per hundred customers": never hundreds of thousands
    top, scaled = max(b, t), False
    while top > hi:
        b, t, top, scaled = b / 10, t / 10, top / 10, True
    while 0 < top < lo:
        b, t, top, scaled = b * 10, t * 10, top * 10, True
    if scaled and not any("power of ten" in n for n in notes):
        notes.append(f"numbers scaled by a power of ten into a plausible range for {unit}")
    return b, t


def _step(unit: str) -> float:
    return {"%": 10.0, "USD": 10000.0, "count": 5.0, "x": 1.0}.get(unit, 5.0)


def fmt_value(v: float, unit: str) -> str:
    """A number with its unit, in a form the key-result parser reads back exactly."""
    num = f"{v:g}" if v == int(v) or unit != "USD" else f"{v:.2f}"
    if unit == "%":
        return f"{num}%"
    if unit == "x":
        return f"{num}x"
    if unit == "USD":
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(v) >= div:
                return f"${v / div:.3g}{suffix}"
        return f"${v:g}"
    return num


def metric_phrase(name: str) -> str:
    """'Pipeline coverage (%)' -> 'pipeline coverage': keep acronyms, drop unit notes."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name.strip()) or name.strip()
    first, _, rest = name.partition(" ")
    if first[:1].isupper() and not (len(first) > 1 and first[1:2].isupper()):
        first = first[:1].lower() + first[1:]
    return f"{first} {rest}".strip()


def sentence(verb: str, metric: str, baseline: float, target: float, unit: str) -> str:
    """'Raise win rate from 21% to 30%' / 'Shorten sales cycle from 45 to 38 days'."""
    m = metric_phrase(metric)
    if unit in ("days", "hours", "weeks", "points"):
        return f"{verb.capitalize()} {m} from {fmt_value(baseline, unit)} to {fmt_value(target, unit)} {unit}"
    return f"{verb.capitalize()} {m} from {fmt_value(baseline, unit)} to {fmt_value(target, unit)}"


_TOKEN = re.compile(r"[a-z]+")


def _tokens(text: str) -> frozenset[str]:
    return frozenset(w.rstrip("s") for w in _TOKEN.findall(text.lower()) if len(w) > 2)


def reference_numbers(role: Role, metric: str, unit: str) -> tuple[float, float] | None:
    """Start and target values the role library's good examples use for this metric (closest wording wins).

    A small model guesses numbers badly ("from 0% to 50%", "from 2021 to 12.56"); the library's examples were
    written with plausible levels for the role, so they anchor drafts. None when no example measures it.
    """
    from coach.krparse import parse_kr

    want = _tokens(metric_phrase(metric))
    best: tuple[float, tuple[float, float]] | None = None
    for ex in role.good:
        for kr in ex.key_results:
            p = parse_kr(kr)
            if p.baseline is None or p.target is None or p.baseline == p.target or not p.metric:
                continue
            if (p.unit or "count") != unit and not (unit == "count" and p.unit is None):
                continue
            have = _tokens(p.metric)
            sim = len(want & have) / len(want | have) if want | have else 0.0
            if sim >= 0.5 and (best is None or sim > best[0]):
                best = (sim, (float(p.baseline), float(p.target)))
    return best[1] if best else None


def _implausible(b: float, t: float, ref: tuple[float, float], unit: str, metric: str = "") -> bool:
    """The model's numbers are far from the level the library shows for this metric (or start from nothing,
    or are shares above 100%)."""
    if b <= 0 and unit != "count":
        return True
    if unit == "%" and max(b, t) > 100 and not _CAN_EXCEED_100.search(metric.lower()):
        return True  # capping 102% -> 110% at 100 would leave a story such as "from 99% to 100%"
    lo, hi = min(ref) / 4, max(ref) * 4
    return min(ref) > 0 and not (lo <= b <= hi and lo <= t <= hi)  # either number far off is enough


def assemble_kr(fields: BaseModel, role: Role) -> KROrigin:
    """Turn one structured key result from the model into a sentence, recording what code changed."""
    data = fields.model_dump()
    metric = next((m for m in role.metrics if m.name == data["metric"]), None)
    unit, unit_src = metric_unit(metric) if metric else ("count", "code")
    b, t = data["baseline"], data["target"]
    notes: list[str] = []
    if unit == "USD" and max(abs(b), abs(t)) < MONEY_SCALE:
        b, t = b * MONEY_SCALE, t * MONEY_SCALE  # the prompt asks for money in thousands
        notes.append("money read as thousands of USD")
    ref = (metric.typical if metric is not None and metric.typical else None) or reference_numbers(
        role, data["metric"], unit)
    from_library = ref is not None and _implausible(b, t, ref, unit, data["metric"])
    if from_library and ref is not None:
        b, t = ref
        notes.append("the model's numbers were implausible; start and target taken from the role library's example")
    verb, b, t, fixes = fix_numbers(data["verb"], b, t, unit, data["metric"])
    notes += fixes
    return KROrigin(
        text=sentence(verb, data["metric"], b, t, unit),
        verb="model" if verb == data["verb"] else "code",
        metric="model",
        numbers="role_library" if from_library else "model_fixed_by_code" if fixes else "model",
        unit=unit_src,  # type: ignore[arg-type]
        notes=notes,
    )


_DANGLING = {"a", "an", "the", "and", "or", "to", "of", "for", "with", "in", "on", "by", "our", "their", "your", "but",
             "that", "which", "from", "as", "at", "into"}
# Words that carry no outcome on their own; with the role's name they make a title, not an objective.
_FILLER = _DANGLING | {"business", "development", "team", "role", "objective", "goal", "goals", "okr", "okrs",
                       "quarter", "success", "work", "plan", "we", "will", "is", "are", "be"}
_BAD_OBJECTIVE = re.compile(r"[{}<>\[\]|\\`#*_]|okr_data|json|objective:|key result", re.IGNORECASE)


def clean_objective(text: str, role_words: set[str] | None = None) -> str | None:
    """The model's objective as one tidy sentence, or None when it is not usable text."""
    t = " ".join(text.split()).strip(" \"'“”‘’-–—:")
    t = re.split(r"(?<=[.!?])\s", t)[0].rstrip(".!;,")
    if _BAD_OBJECTIVE.search(t):
        return None
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", t) if len(w) > 1]
    if len(words) < 4 or len(words) > 20 or re.search(r"\be\.?g\b|\bi\.e\b|\betc\b", t, re.IGNORECASE):
        return None
    if t.split()[-1].lower() in _DANGLING:
        return None  # cut off mid-sentence by the length limit
    if len(t) >= OBJECTIVE_MAX - 2 and not re.search(r"[.!?]$", text.strip()):
        return None  # the length limit cut it off: "... helping businesses to grow faster, win"
    if len(words) > OBJECTIVE_MAX_WORDS:
        return None  # a memorable objective is short; a long one is usually a ramble
    low_words = [w.lower() for w in words]
    pairs = list(zip(low_words, low_words[1:]))
    if len(set(pairs)) < len(pairs):
        return None  # a small model looping: "Growth in Real-Time, in Real-Time"
    content = [w for w in words if w.lower() not in (role_words or set()) and w.lower() not in _FILLER]
    if len(content) < 3:
        return None  # mostly the role's own name ("Account Executive and Business Development")
    letters = sum(c.isalpha() or c.isspace() for c in t)
    if letters / max(1, len(t)) < 0.85:
        return None
    return t[:1].upper() + t[1:]


def clean_metric(text: str) -> str | None:
    """A free-text metric name from the model, or None when it is not a plausible name."""
    t = " ".join(text.split()).strip(" \"'.,:;-")
    t = re.sub(r"\d+([.,]\d+)?\s*%?", "", t).strip()
    if not t or _BAD_OBJECTIVE.search(t) or not re.fullmatch(r"[A-Za-z][A-Za-z \-/&'’()]*", t):
        return None
    words = t.split()
    if words and words[0].lower() in _DIRECTION_VERBS:
        words = words[1:]  # "increase win rate" names the metric "win rate"; "increase" alone names nothing
    if not 1 <= len(words) <= 8 or words[-1].lower() in _QUALITIES or words[-1].lower() in _DIRECTION_VERBS:
        return None  # a metric names a quantity, not a quality ("CRM data clean") or an action
    t = " ".join(words)
    return t.lower() if not re.search(r"[A-Z]{2,}", t) else t


# Verbs that only say which way a number should move; they are never part of a metric's name.
_DIRECTION_VERBS = {"increase", "raise", "grow", "lift", "boost", "improve", "reduce", "cut", "lower", "decrease",
                    "shorten", "maximize", "maximise", "minimize", "minimise", "change", "keep", "maintain"}
# Words that describe how something is, not how much of it there is: they cannot end a metric's name.
_QUALITIES = {"clean", "better", "good", "great", "high", "higher", "low", "lower", "strong", "healthy", "happy",
              "accurate", "complete", "fast", "faster", "improved", "up", "down", "ok", "okay", "value", "max_value"}
