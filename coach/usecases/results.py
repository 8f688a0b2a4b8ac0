"""Pydantic shapes the use cases take and return; every result embeds rubric reports and says if a model was used."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from coach.models import MAX_TEXT, OKRSet, Report
from coach.usecases.sense import SenseReport


Ambition = Literal["aspirational", "committed"]


class UserMetric(BaseModel):
    """A metric the user tracks, with today's value if they gave one ("win rate=21%")."""

    name: str = Field(min_length=1, max_length=120)
    value: float | None = None
    unit: Literal["%", "USD", "days", "hours", "weeks", "count", "points", "x"] | None = None
    direction: Literal["up", "down"] | None = Field(
        default=None, description="Which way is better, when the user said so ('goals conceded=1.6, lower is "
                                  "better'); otherwise read from the metric's name.")


class DraftContext(BaseModel):
    """What the user tells us about their situation; every field is optional data, never instructions."""

    focus_area: str | None = Field(default=None, max_length=MAX_TEXT)
    current_state: str | None = Field(default=None, max_length=MAX_TEXT)
    blockers: str | None = Field(default=None, max_length=MAX_TEXT)
    period: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=200)
    objective: str | None = Field(default=None, max_length=MAX_TEXT,
                                  description="An objective the user wrote: the draft proposes key results for it.")
    metrics: list[UserMetric] = Field(default_factory=list, max_length=10,
                                      description="Metrics the user tracks and today's values; never changed.")
    ambition: Ambition = Field(default="aspirational", description="committed: reachable targets (1.0 expected); "
                               "aspirational: stretch targets (0.7 is success).")
    feedback: list[str] = Field(default_factory=list, max_length=10,
                                description='Feedback on an earlier draft: "more ambitious", "no revenue metrics", '
                                            '"fewer KRs", "another objective".')
    previous: list[str] = Field(default_factory=list, max_length=20,
                                description="Objectives of earlier drafts (for 'another objective').")

    @field_validator("metrics", mode="before")
    @classmethod
    def _metric_strings(cls, v: object) -> object:
        """"win rate=21%" is accepted wherever a metric object is."""
        if isinstance(v, list):
            from coach.errors import InputError
            from coach.usecases.numbers import parse_metric

            try:
                return [parse_metric(x) if isinstance(x, str) else x for x in v]
            except InputError as exc:
                raise ValueError(f"{exc.message} ({exc.hint})") from exc
        return v


class NumberSource(BaseModel):
    """Where one number in a drafted key result came from."""

    value: float | None = Field(description="None when the user must put it in (shown as a placeholder).")
    source: Literal["user", "role_library", "derived", "model", "placeholder"]
    note: str | None = None


class DraftKR(BaseModel):
    """One drafted key result: its text, why it measures the objective, and the source of every part."""

    text: str
    why: str
    kind: Literal["leading", "lagging"] | None = None
    source: Literal["role_library", "role_neutral", "user", "model"]
    source_detail: str | None = None
    baseline: NumberSource | None = None
    target: NumberSource | None = None


class KROrigin(BaseModel):
    """Which parts of one assembled key result came from the model and which from code or the role library."""

    text: str
    verb: Literal["model", "code"]
    metric: Literal["model", "role_library", "user"]
    numbers: Literal["model", "model_fixed_by_code", "role_library", "user", "user_and_model"]
    unit: Literal["model", "role_library", "code", "user"]
    notes: list[str] = Field(default_factory=list)


class DraftOrigin(BaseModel):  # kept for rewrites' provenance and older callers
    """Provenance of a draft: the model's raw structured answer and what code did with it."""

    # "model_copied_example": the model wrote out one of the role examples it was shown.
    objective: Literal["model", "model_copied_example", "role_example"]
    objective_note: str | None = None
    key_results: list[KROrigin] = Field(default_factory=list)
    sentence_assembly: Literal["code"] = "code"
    raw: dict[str, object] | None = Field(default=None, description="The model's validated structured output.")


class Draft(BaseModel):
    """One drafted objective with its key results, sense-checked, then scored by the rubric."""

    rank: int = 0
    objective: str
    key_results: list[str]
    score: int
    report: Report
    okrs: OKRSet
    source: Literal["role_library", "role_neutral", "user_objective", "model"]
    objective_source: Literal["role_library", "role_neutral", "user", "model", "model_adapted"]
    source_detail: str | None = Field(default=None, description="Which library OKR or pattern it came from.")
    why: str | None = Field(default=None, description="Why these key results measure the objective.")
    details: list[DraftKR] = Field(default_factory=list)
    sense: SenseReport
    model_choice: bool = Field(default=False, description="The model chose this draft among the candidates.")
    to_confirm: list[str] = Field(default_factory=list, description="Numbers to check or put in.")


class DraftResult(BaseModel):
    role: str
    role_requested: str
    in_library: bool = True
    role_match: str = Field(default="exact", description="exact, alias, similar, or outside")
    role_similarity: float | None = None
    ambition: Ambition = "aspirational"
    drafts: list[Draft]
    llm_used: bool
    fallback_reason: str | None = None
    model: str | None = None
    notes: list[str] = Field(default_factory=list)
    feedback_applied: list[str] = Field(default_factory=list)
    history: list[dict[str, object]] = Field(default_factory=list, description="Earlier drafts and the feedback on them.")


class Rewrite(BaseModel):
    """A proposed replacement for one objective title or key result, kept only if the rubric scores it higher."""

    target: Literal["objective", "key_result"]
    objective_index: int
    kr_index: int | None = None
    original: str
    proposed: str
    original_score: int
    proposed_score: int
    set_score_before: int
    set_score_after: int
    fixed_rules: list[str] = Field(default_factory=list)
    remaining_rules: list[str] = Field(default_factory=list)
    to_confirm: list[str] = Field(default_factory=list, description="Numbers the model guessed; check them.")
    origin: KROrigin | None = None
    rule: str | None = Field(default=None, description="The finding this rewrite answers.")
    how: str | None = Field(default=None, description="Template for the rule, or the nearest library key result.")
    topic_similarity: float | None = None


class Commentary(BaseModel):
    objective_index: int
    text: str
    source: Literal["model"] = "model"


class CritiqueResult(BaseModel):
    report: Report
    commentary: list[Commentary] = Field(default_factory=list)
    rewrites: list[Rewrite] = Field(default_factory=list)
    llm_used: bool
    fallback_reason: str | None = None
    rejected_rewrites: int = Field(default=0, description="Proposals dropped: off topic, invented numbers, failed the "
                                                           "sense check, or did not score higher.")
    notes: list[str] = Field(default_factory=list)


class RewriteResult(BaseModel):
    objective_index: int
    kr_index: int | None = None
    original: str
    original_score: int
    report: Report
    candidates: list[Rewrite] = Field(default_factory=list)
    llm_used: bool
    fallback_reason: str | None = None
    rejected: int = 0
