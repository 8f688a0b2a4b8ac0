"""Progress from baseline to target given a current value, and the 0.7 aspirational / 1.0 committed reading."""

from __future__ import annotations

from collections.abc import Sequence

from coach.models import KeyResult, KRReport, ParsedKR, Progress

ASPIRATIONAL_SUCCESS = 0.7


def _clip(x: float) -> float:
    return round(max(0.0, min(1.0, x)), 3)


def kr_progress(kr: KeyResult, p: ParsedKR) -> Progress | None:
    """0.0 at the baseline, 1.0 at the target, in either direction; None without a current value or target."""
    if kr.current is None or p.target is None:
        return None
    cur, target = kr.current, p.target
    if p.direction == "maintain" or p.comparator is not None and p.baseline is None:
        ok = {">": cur > target, ">=": cur >= target, "<": cur < target, "<=": cur <= target}.get(
            p.comparator or (">=" if p.direction != "decrease" else "<="), cur >= target
        )
        if p.direction == "maintain" or ok:
            return Progress(current=cur, value=1.0 if ok else 0.0)
    if p.baseline is not None and p.baseline != target:
        return Progress(current=cur, value=_clip((cur - p.baseline) / (target - p.baseline)))
    if p.direction == "decrease":
        # No baseline: full marks at or under the target, else the share of the way (target / current).
        return Progress(current=cur, value=1.0 if cur <= target else _clip(target / cur if cur else 0.0))
    if target == 0:
        return Progress(current=cur, value=1.0 if cur >= 0 else 0.0)
    return Progress(current=cur, value=_clip(cur / target))


def reading(score: float) -> str:
    """How to read an objective's progress: OKRs are aspirational, so 0.7 is already a success."""
    if score >= 1.0:
        return "met: 1.0 (a committed objective is done)"
    if score >= ASPIRATIONAL_SUCCESS:
        return f"on target for an aspirational objective ({score:.2f} >= 0.7); short of 1.0 if committed"
    if score >= 0.4:
        return f"progressing ({score:.2f}): below the 0.7 an aspirational objective aims for"
    return f"off track ({score:.2f})"


def objective_progress(krs: Sequence[KRReport]) -> tuple[float | None, str | None]:
    """Mean progress of the key results that have a current value."""
    vals = [k.progress.value for k in krs if k.progress is not None]
    if not vals:
        return None, None
    score = round(sum(vals) / len(vals), 3)
    return score, reading(score)
