"""The public Python API: `from coach import review, draft, rewrite, load` (see docs/python.md).

These are thin, stable wrappers over the rubric engine and the use cases. The rubric decides every score;
the model (in `draft` and `rewrite`) only proposes, and whatever it proposes is re-scored by the rubric.
Every function raises a `coach.errors.CoachError` subclass (with `message`, `hint`, `location`) on bad
input; a model that is missing, slow or wrong never raises: the result says so (`llm_used`,
`fallback_reason`) and carries rubric-only results instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from coach.errors import InputError
from coach.models import OKRSet, Report
from coach.settings import Settings, get_settings
from coach.usecases.common import LLMLike
from coach.usecases.results import DraftResult, RewriteResult

OKRInput = OKRSet | Mapping[str, Any]
"""What `review` and `rewrite` accept: an `OKRSet`, or a dict in the RUBRIC.md input shape."""


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def load(path: str | os.PathLike[str], *, format: str = "auto", settings: Settings | None = None) -> OKRSet:
    """Read an OKR set from a file (YAML, JSON, Markdown or CSV).

    The format comes from the extension (`.yaml`/`.yml`, `.json`, `.md`, `.csv`) unless `format` names
    one of `"yaml"`, `"json"`, `"markdown"`, `"csv"`. Files over `OKR_COACH_MAX_INPUT_BYTES` are refused.

    Raises:
        coach.errors.InputError: the file is missing, too large or malformed; the error names the file and,
            where it can, the line.
    """
    from coach.io import load_path

    return load_path(os.fspath(path), format, max_bytes=_settings(settings).max_input_bytes)


def loads(text: str, *, format: str = "auto", source: str = "<text>", settings: Settings | None = None) -> OKRSet:
    """Read an OKR set from text in any supported format (`"auto"` guesses it from the text).

    Raises:
        coach.errors.InputError: the text is empty, too large or malformed (the error says where).
    """
    from coach.io import loads as _loads

    if not isinstance(text, str):
        raise InputError(f"expected the OKR text as a string, got {type(text).__name__}",
                         hint="use load(path) for a file")
    return _loads(text, format, source=source, max_bytes=_settings(settings).max_input_bytes)


def _as_set(okrs: OKRInput) -> OKRSet:
    if isinstance(okrs, OKRSet):
        return okrs
    if isinstance(okrs, Mapping):
        from coach.io import from_obj

        return from_obj(dict(okrs), source="<dict>")
    if isinstance(okrs, (str, os.PathLike)):
        raise InputError(f"expected an OKRSet or a dict, got {type(okrs).__name__}",
                         hint="read files with load(path) and text with loads(text) first")
    raise InputError(f"expected an OKRSet or a dict, got {type(okrs).__name__}")


def review(okrs: OKRInput, *, profile: str | None = None, settings: Settings | None = None) -> Report:
    """Score an OKR set against the rubric: the RUBRIC.md report (deterministic, no model, no network).

    Args:
        okrs: an `OKRSet` (from `load`/`loads`) or a dict in the RUBRIC.md input shape.
        profile: a rubric profile name (`"default"`, `"focused"`, `"lenient"`) or a profile YAML path;
            default: `OKR_COACH_PROFILE`, else `"default"`.

    Returns:
        The report: `score` (0-100), set-level `findings`, and per objective and key result their score and
        findings (rule id, severity, message, evidence, suggestion). `report.all_findings()` lists every
        finding with its location. Same input, same report.
    """
    from coach.rubric import review as _review

    return _review(_as_set(okrs), profile=profile or _settings(settings).profile)


def draft(
    role: str, *, goal: str | None = None, current_values: str | None = None, blockers: str | None = None,
    period: str | None = None, team: str | None = None, n: int = 3, seed: int | None = None,
    budget_s: float | None = None, settings: Settings | None = None, llm: LLMLike | None = None,
) -> DraftResult:
    """Draft OKRs for a role, ranked by rubric score, with where every part came from.

    The model (the embedded one unless `OKR_COACH_MODEL` says otherwise) picks metrics, directions and
    numbers from the role library it is shown; code writes the sentences; the rubric scores and ranks
    every draft. If the model is missing, times out or returns nothing usable, the result holds the
    role's library examples, scored, with `llm_used=False` and a `fallback_reason`.

    Args:
        role: a job title; an unknown title gets the nearest library role (`result.notes` says so).
        goal: the company goal the objective supports (used as the focus area).
        current_values: where things stand now, in your words ("win rate 21%, pipeline thin").
        blockers: what stands in the way.
        period: e.g. "2026-Q3" (default: the current quarter, and a note says so).
        team: the team that owns the objective.
        n: model samples to draw (1-8).
        seed: sampling seed, for repeatable drafts.
        budget_s: wall-time budget in seconds; no further sample starts when it would end past it.
        llm: any object with the `generate(...)` method of `coach.llm.LLM` (tests pass `coach.llm.FakeLLM`).

    Returns:
        A `DraftResult`: `drafts` best first (each with `score`, `report`, `source`, `details`, `to_confirm`),
        `llm_used`, `fallback_reason`, `notes`.
    """
    from coach.usecases.draft import draft as _draft
    from coach.usecases.results import DraftContext

    ctx = DraftContext(focus_area=goal, current_state=current_values, blockers=blockers, period=period, team=team)
    return _draft(role=role, context=ctx, n=n, settings=_settings(settings), llm=llm, seed=seed, budget_s=budget_s)


def rewrite(
    okrs: OKRInput, objective_index: int = 0, kr_index: int | None = None, *, n: int = 3,
    settings: Settings | None = None, llm: LLMLike | None = None,
) -> RewriteResult:
    """Propose better wordings for one objective (`kr_index=None`) or one key result of a set.

    Indices are 0-based. Only improvements come back: a proposal is kept only when the rubric scores it
    strictly higher than the original (`candidates`, best first; `rejected` counts the others). An item
    that already scores 100 gets no candidates. Without a usable model, `candidates` is empty and
    `fallback_reason` says why; `report` is always the rubric report of the set as given.

    Raises:
        coach.errors.InputError: the set is malformed or an index is out of range.
    """
    from coach.usecases.rewrite import rewrite as _rewrite

    return _rewrite(okrs=_as_set(okrs), objective_index=objective_index, kr_index=kr_index,
                    settings=_settings(settings), llm=llm, n=n)
