"""Pydantic shapes the use cases take and return; every result embeds rubric reports and says if a model was used."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from coach.models import MAX_TEXT, OKRSet, Report


class DraftContext(BaseModel):
    """What the user tells us about their situation; every field is optional data, never instructions."""

    focus_area: str | None = Field(default=None, max_length=MAX_TEXT)
    current_state: str | None = Field(default=None, max_length=MAX_TEXT)
    blockers: str | None = Field(default=None, max_length=MAX_TEXT)
    period: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=200)


class KROrigin(BaseModel):
    """Which parts of one assembled key result came from the model and which from code or the role library."""

    text: str
    verb: Literal["model", "code"]
    metric: Literal["model", "role_library", "user"]
    numbers: Literal["model", "model_fixed_by_code", "role_library", "user", "user_and_model"]
    unit: Literal["model", "role_library", "code", "user"]
    notes: list[str] = Field(default_factory=list)


class DraftOrigin(BaseModel):
    """Provenance of a draft: the model's raw structured answer and what code did with it."""

    # "model_copied_example": the model wrote out one of the role examples it was shown.
    objective: Literal["model", "model_copied_example", "role_example"]
    objective_note: str | None = None
    key_results: list[KROrigin] = Field(default_factory=list)
    sentence_assembly: Literal["code"] = "code"
    raw: dict[str, object] | None = Field(default=None, description="The model's validated structured output.")


class Draft(BaseModel):
    """One drafted objective with its key results, scored by the rubric."""

    rank: int = 0
    objective: str
    key_results: list[str]
    score: int
    report: Report
    okrs: OKRSet
    origin: DraftOrigin
    source: Literal["model", "role_example"] = "model"
    to_confirm: list[str] = Field(default_factory=list, description="Numbers the model guessed; check them.")
    sample: int | None = Field(default=None, description="Index of the model sample; None for the revision.")
    revised: bool = False


class DraftResult(BaseModel):
    role: str
    role_requested: str
    drafts: list[Draft]
    llm_used: bool
    fallback_reason: str | None = None
    model: str | None = None
    notes: list[str] = Field(default_factory=list)


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
    rejected_rewrites: int = Field(default=0, description="Model proposals dropped because they did not score higher.")


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
