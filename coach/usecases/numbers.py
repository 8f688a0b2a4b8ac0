"""The user's numbers and the targets derived from them: parsing `--metric "win rate=21%"`, deriving a target at
a chosen ambition, and swapping numbers inside a library sentence without touching anything else."""

from __future__ import annotations

import re

from coach.corpus.library import Metric
from coach.errors import InputError
from coach.usecases.assemble import _CAN_EXCEED_100, _round, fmt_value, lower_is_better, metric_unit
from coach.usecases.results import Ambition, UserMetric

# Share of the way a target moves from today's value. Committed objectives are expected to land fully (1.0),
# so their targets are a reachable step; aspirational ones count 0.7 as success, so their targets stretch.
STEP = {"committed": 0.10, "aspirational": 0.30}
# For a share with a ceiling (win rate, uptime), the step is also at most this part of the gap to 100%.
GAP = {"committed": 0.15, "aspirational": 0.40}
# A library example's target is written as a stretch; committed keeps this part of its step.
COMMITTED_OF_LIBRARY_STEP = 0.4

_VALUE = re.compile(
    r"^\s*(?P<cur>[$€£])?\s*(?P<num>-?\d[\d,]*(?:\.\d+)?)\s*(?P<mult>k|m|bn|b)?\s*"
    r"(?P<unit>%|percent|x|days?|hours?|h|weeks?|points?|pts|usd|dollars)?\s*$", re.IGNORECASE)
_UNIT_WORD = {"%": "%", "percent": "%", "x": "x", "day": "days", "days": "days", "hour": "hours", "hours": "hours",
              "h": "hours", "week": "weeks", "weeks": "weeks", "point": "points", "points": "points",
              "pts": "points", "usd": "USD", "dollars": "USD"}
_MULT = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9}


_DIRECTION = re.compile(
    r"[\s,;(]+(?:(?P<up>higher|more|up)|(?P<down>lower|less|down))(?:\s+is\s+better)?\)?\s*$", re.IGNORECASE)
# Words that make less better in a metric a user names, beyond the ones the library's assembler knows.
_USER_LOWER_BETTER = {"conceded", "missed", "rejected", "refunds", "returns", "cancellations", "no-shows",
                      "accidents", "absent", "absences", "mistakes", "spills", "breakdowns", "retractions"}


def user_lower_is_better(metric: UserMetric) -> tuple[bool, bool]:
    """(less is better, the user said so). What the user said wins; otherwise the metric's words decide."""
    if metric.direction is not None:
        return metric.direction == "down", True
    words = set(re.findall(r"[a-z][a-z\-]*", metric.name.lower()))
    return lower_is_better(metric.name, unit_of(metric)) or bool(words & _USER_LOWER_BETTER), False


def parse_metric(text: str) -> UserMetric:
    """'win rate=21%' -> UserMetric(name='win rate', value=21, unit='%'); 'restore time' -> no value.

    A trailing ', lower is better' / ', higher is better' (or 'down' / 'up') says which way the metric should move.
    """
    if not text or not text.strip():
        raise InputError("an empty --metric", hint='write it as --metric "win rate=21%"')
    name, sep, raw = text.partition("=")
    if not sep:
        name, sep, raw = text.partition(":")
    name = " ".join(name.split()).strip(" .,;")
    if not name or len(name) > 120:
        raise InputError(f"cannot read a metric name in {text!r}", hint='write it as --metric "win rate=21%"')
    direction = None
    d = _DIRECTION.search(raw) if sep else None
    if d:
        direction = "up" if d["up"] else "down"
        raw = raw[: d.start()]
    if not sep or not raw.strip():
        return UserMetric(name=name, direction=direction)  # type: ignore[arg-type]
    m = _VALUE.match(raw)
    if not m:
        raise InputError(f"cannot read today's value in {text!r}",
                         hint='a number with an optional unit: 21%, 30 hours, $40k, 2.5x, 14 days')
    value = float(m["num"].replace(",", "")) * _MULT.get((m["mult"] or "").lower(), 1.0)
    unit = "USD" if m["cur"] else _UNIT_WORD.get((m["unit"] or "").lower())
    if unit is None:
        guessed, _ = metric_unit(Metric(name=name, kind="lagging"))
        # money only when the user wrote a currency: "bookings per month=5" counts bookings
        unit = guessed if guessed in ("days", "hours", "x", "points") else "count"
        if guessed == "%" and 0 <= value <= 100:
            unit = "%"
    return UserMetric(name=name, value=value, unit=unit, direction=direction)  # type: ignore[arg-type]


def unit_of(metric: UserMetric) -> str:
    if metric.unit:
        return metric.unit
    return metric_unit(Metric(name=metric.name, kind="lagging"))[0]


def derive_target(value: float, unit: str, metric: str, ambition: Ambition, *, down: bool | None = None) -> float:
    """A target from today's value: a reachable step when committed, a stretch when aspirational.

    The direction follows `down` when given (the user said), else the metric (less is better for times, costs,
    churn...); shares stay within 100%. The value itself is never changed, and the target is written with at
    least the precision the user used (1.8 -> 1.3, not 1).
    """
    if down is None:
        down = lower_is_better(metric, unit)
    step = STEP[ambition]
    cap = 100.0 if unit == "%" and not _CAN_EXCEED_100.search(metric.lower()) else None
    if down:
        t = value * (1 - step)
    elif value <= 0:
        t = {"%": 10.0, "USD": 10000.0}.get(unit, 5.0) * (1 if ambition == "committed" else 3)
    elif unit == "%" and cap is None:
        # a share that may pass 100% (retention): a step in whole points
        return float(round(value + max(1.0, value * step * 0.25)))
    else:
        t = value * (1 + step)
        if cap is not None:
            t = min(t, value + GAP[ambition] * (cap - value))
    r = _round(t, unit) if unit == "count" or abs(t) >= 10 else round(t, 2)
    if unit == "count" and float(value).is_integer():
        # whole counts: committed rounds toward today's value (at least one step), aspirational to the nearest
        # whole number and always at least one step further than committed (5 bookings: 6 committed, 7
        # aspirational; 4 falls: 3 committed, 3 -> 2 aspirational only when 2.8 rounds there)
        import math

        sign = -1.0 if down else 1.0
        committed = float(math.ceil(value * (1 - STEP["committed"])) if down
                          else math.floor(value * (1 + STEP["committed"])))
        if committed == value:
            committed = value + sign
        if ambition == "committed":
            r = committed
        else:
            r = float(round(t))
            if abs(r - value) <= abs(committed - value):
                r = committed + sign
    places = len(f"{value:g}".partition(".")[2]) if "e" not in f"{value:g}" else 0
    if places and unit in ("count", "x", "points"):
        r = round(t, max(places, 1))
    if r == value:  # rounding ate the step: one unit (a tenth for small levels or near a ceiling) the right way
        unit_step = 1.0 if unit == "count" else 0.1 if value < 10 or (cap is not None and value >= 90) else 1.0
        r = round(value - unit_step if down else value + unit_step, 1)
        if cap is not None:
            r = min(r, cap)
    return max(0.0, r)


def scale_library_target(baseline: float, target: float, unit: str) -> float:
    """The committed version of a library example's target: the same direction, a smaller step."""
    t = baseline + (target - baseline) * COMMITTED_OF_LIBRARY_STEP
    r = _round(t, unit)
    if r == baseline:
        r = baseline + (1 if target > baseline else -1)
    return r


def stretch_target(baseline: float, target: float, unit: str, metric: str, factor: float) -> float:
    """The target moved `factor` times as far from the start: shares stay within 100% (unless they may pass it),
    nothing goes below zero; the target itself when there is no room."""
    new = baseline + (target - baseline) * factor
    if unit == "%" and not _CAN_EXCEED_100.search(metric.lower()):
        new = min(new, 100.0)
    new = max(new, 0.0)
    r = _round(new, unit) if unit != "count" or abs(new) >= 10 else round(new, 1)
    if (target > baseline and r <= target) or (target < baseline and r >= target):
        return target
    return r


_RAW = re.compile(r"\d[\d,]*(?:\.\d+)?")


def replace_number(text: str, old: float, new: float) -> str | None:
    """The sentence with the number worth `old` (after k/M multipliers and units) written as `new`.

    Only the digits change, so the unit words and everything else stay as the library wrote them. None when
    the number cannot be found exactly once.
    """
    from coach.krparse import find_numbers

    hits = [n for n in find_numbers(text) if abs(n.value - old) < 1e-9 * max(1.0, abs(old))]
    if len(hits) != 1:
        return None
    n = hits[0]
    m = _RAW.search(text, n.start, n.end)
    if m is None:
        return None
    raw = float(m.group().replace(",", ""))
    mult = n.value / raw if raw else 1.0
    digits = new / mult
    s = f"{digits:.2f}".rstrip("0").rstrip(".") if mult != 1.0 else f"{digits:g}"
    return text[: m.start()] + s + text[m.end():]


def number_text(value: float, unit: str) -> str:
    return fmt_value(value, unit) + (f" {unit}" if unit in ("days", "hours", "weeks", "points") else "")
