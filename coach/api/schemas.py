"""Request and response bodies of the HTTP API (pydantic at the boundary)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.models import MAX_TEXT, OKRSet, Report, mend_surrogates
from coach.store import CheckInValue
from coach.usecases.results import Commentary, DraftContext, Rewrite

Format = Literal["auto", "yaml", "json", "markdown", "csv"]


class ErrorBody(BaseModel):
    code: str = Field(examples=["invalid_input"])
    message: str
    hint: str | None = None
    location: str | None = None


class ErrorEnvelope(BaseModel):
    """The one shape of every error response."""

    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorEnvelope, "description": text} for status, text in (
        (401, "Missing, unknown or revoked API key"), (404, "No such resource for this key"),
        (413, "Request body or OKR text over the size limit"), (422, "The request or the OKR set is invalid"),
        (429, "Rate limit reached; see Retry-After"), (500, "A bug in okr-coach"))
}


_EXAMPLE_SET = {
    "period": "2026-Q3", "team": "Clinic Operations",
    "objectives": [{"title": "Patients are seen without long waits",
                    "key_results": ["Cut the median wait for a first appointment from 9 to 4 days",
                                    "Raise the share of same-week follow-ups from 55% to 75%"]}],
}


_EXAMPLE_TEXT = "objectives:\n  - title: Launch the portal\n    key_results: [Publish 3 guides, Train 20 staff]\n"


class OKRInput(OKRSet):
    """An OKR set in the RUBRIC.md shape, or `text` in any supported format (then `objectives` stays empty)."""

    text: str | None = Field(default=None, description="The set as YAML, JSON, Markdown or CSV text.")
    format: Format = Field(default="auto", description="The format of `text`; auto-detected by default.")


class CritiqueRequest(OKRInput):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_SET, {"text": _EXAMPLE_TEXT, "format": "yaml"}]})

    coach: bool = Field(default=False, description="Add model commentary and rubric-checked rewrites.")


class CritiqueResponse(Report):
    """The RUBRIC.md report, plus what the model added (only when `coach` was asked)."""

    commentary: list[Commentary] = Field(default_factory=list)
    rewrites: list[Rewrite] = Field(default_factory=list)
    llm_used: bool = False
    fallback_reason: str | None = None
    rejected_rewrites: int = 0
    coach_notes: list[str] = Field(default_factory=list)


class DraftRequest(BaseModel):
    role: str = Field(min_length=1, max_length=200, examples=["Account Executive"])
    context: DraftContext = Field(default_factory=DraftContext)
    n: int = Field(default=3, ge=1, le=8, description="How many model samples to draft from.")

    @model_validator(mode="before")
    @classmethod
    def _mend(cls, data: Any) -> Any:
        return mend_surrogates(data)  # a lone surrogate in the role or context would fail the answer at the end


class RewriteRequest(OKRInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{**_EXAMPLE_SET, "objective_index": 0, "kr_index": 1}]})

    objective_index: int = Field(ge=0, le=10_000)
    kr_index: int | None = Field(default=None, ge=0, le=10_000, description="Omit to rewrite the objective title.")
    n: int = Field(default=3, ge=1, le=8)


class SetRequest(OKRInput):
    """A set to save: the OKR set (or text), with an optional name and note."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_EXAMPLE_SET, "name": "Clinic Q3"}]})

    name: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=MAX_TEXT, description="What changed in this version.")
    base_version: int | None = Field(default=None, ge=1, description="Refuse (409) unless the set is at this version.")


class CheckInRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"values": [{"objective_index": 0, "kr_index": 0, "value": 7}], "note": "first week"}]})

    values: list[CheckInValue] = Field(min_length=1, max_length=1000)
    note: str | None = Field(default=None, max_length=MAX_TEXT)

    @model_validator(mode="before")
    @classmethod
    def _mend(cls, data: Any) -> Any:
        return mend_surrogates(data)  # the note is stored and echoed: it must be writable as UTF-8


class RoleOut(BaseModel):
    role: str
    slug: str
    family: str
    aliases: list[str]
    drives: str
    metrics: list[dict[str, str | None]]
    good_examples: int


class RuleOut(BaseModel):
    id: str
    scope: str
    severity: str
    weight: int
    message: str
    suggestion: str
    guidance: str
    why: str
    examples: dict[str, list[str]]


class RubricOut(BaseModel):
    rubric_version: str
    profile: str
    rules: list[RuleOut]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: int = Field(description="The schema version of the service database.")


class KRProgressPoint(BaseModel):
    checkin_id: int
    at: str
    value: float
    progress: float | None


class KRProgress(BaseModel):
    index: int
    text: str
    baseline: float | None
    target: float | None
    unit: str | None
    current: float | None
    progress: float | None
    history: list[KRProgressPoint]


class ObjectiveProgress(BaseModel):
    index: int
    title: str
    progress: float | None
    reading: str | None
    key_results: list[KRProgress]


class TimelinePoint(BaseModel):
    checkin_id: int
    at: str
    progress: float | None


class ProgressOut(BaseModel):
    set_id: str
    version: int
    progress: float | None = Field(description="Mean progress of the objectives with check-ins (0..1).")
    checkins: int = Field(description="Check-ins that count for the current version.")
    carried_over: int = Field(default=0, description="Values from earlier versions, for key results whose text is unchanged.")
    objectives: list[ObjectiveProgress]
    timeline: list[TimelinePoint] = Field(description="Set progress after each check-in, oldest first.")
