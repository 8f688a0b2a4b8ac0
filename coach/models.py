"""Pydantic shapes of the RUBRIC.md contract: the OKR set that comes in and the report that goes out."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator,
                      model_validator)

Severity = Literal["error", "warning", "info"]
Direction = Literal["increase", "decrease", "maintain"]
Comparator = Literal[">", ">=", "<", "<="]
Scope = Literal["objective", "key_result", "set"]

# Generous bounds: they stop abuse, not real OKRs.
MAX_TEXT = 2000
MAX_KRS = 50
MAX_OBJECTIVES = 200


def _kr_from_any(value: Any) -> Any:
    """A key result is either a bare string or an object with `text`."""
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"text": str(value)}
    return value


# Validation context: the data came from JSON bytes that hold no surrogate escape, so no string in it can hold a
# lone surrogate (UTF-8 bytes cannot encode one) and mend_surrogates has nothing to do.
UTF8_SAFE = "utf8_safe"
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")


def utf8_safe_context(raw: bytes) -> dict[str, bool] | None:
    """The validation context for a JSON body, {UTF8_SAFE: True} when no \\uD800-\\uDFFF escape is in it."""
    return None if _SURROGATE_ESCAPE.search(raw) else {UTF8_SAFE: True}


def mend_surrogates(value: Any) -> Any:
    """The value with every lone UTF-16 surrogate (a JSON escape such as \\ud800 with no partner) replaced by
    U+FFFD, in strings, keys and nested lists: such text cannot be written out as UTF-8, so a report that echoed
    it would fail at the last step. A valid pair becomes its character."""
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {mend_surrogates(k): mend_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mend_surrogates(v) for v in value]
    return value


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    return value


class KeyResult(BaseModel):
    """One key result as written by the user."""

    model_config = ConfigDict(extra="allow")

    text: Annotated[str, BeforeValidator(_clean_text), Field(min_length=1, max_length=MAX_TEXT)]
    owner: str | None = Field(default=None, max_length=200)
    current: float | None = None
    baseline: float | None = None
    target: float | None = None

    @field_validator("current", "baseline", "target", mode="before")
    @classmethod
    def _finite(cls, v: Any) -> Any:
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            raise ValueError("must be a number, not true/false")
        if isinstance(v, (dict, list, tuple, set)):
            raise ValueError("must be a number, not a list or mapping")
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number, not {str(v)[:40]!r}") from None
        if f != f or f in (float("inf"), float("-inf")):
            raise ValueError("must be a finite number")
        return f


class Objective(BaseModel):
    """One objective with its key results."""

    model_config = ConfigDict(extra="allow")

    title: Annotated[str, BeforeValidator(_clean_text), Field(min_length=1, max_length=MAX_TEXT)]
    owner: str | None = Field(default=None, max_length=200)
    aligned_to: str | None = Field(default=None, max_length=MAX_TEXT)
    key_results: list[Annotated[KeyResult, BeforeValidator(_kr_from_any)]] = Field(
        default_factory=list, max_length=MAX_KRS
    )

    @field_validator("key_results", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v


class OKRSet(BaseModel):
    """A set of objectives for a period, team or person (RUBRIC.md "Input")."""

    model_config = ConfigDict(extra="allow")

    period: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=200)
    focus_area: str | None = Field(default=None, max_length=MAX_TEXT)
    objectives: list[Objective] = Field(default_factory=list, max_length=MAX_OBJECTIVES)
    # Where each item came from ("objectives[0].key_results[1]" -> line), for SARIF and error messages.
    _source: str = PrivateAttr(default="<input>")
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)
    # What the reader noticed but did not refuse (a misspelled key, a bullet outside any objective...).
    _notes: list[str] = PrivateAttr(default_factory=list)

    @property
    def reader_notes(self) -> list[str]:
        return list(self._notes or []) if self.__pydantic_private__ is not None else []

    def line_of(self, path: str) -> int | None:
        return self._lines.get(path)

    @property
    def source(self) -> str:
        return self._source

    @model_validator(mode="before")
    @classmethod
    def _mend(cls, data: Any, info: ValidationInfo) -> Any:
        if info.context and info.context.get(UTF8_SAFE):
            return data  # the caller knows the text holds no lone surrogate (JSON bytes with no \ud800-style escape)
        return mend_surrogates(data)

    @field_validator("period", "team", "owner", "role", mode="before")
    @classmethod
    def _scalar_to_str(cls, v: Any) -> Any:
        # YAML reads `period: 2026` as an int and `owner: 2026-01-01` as a date.
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)
        if hasattr(v, "isoformat"):
            return v.isoformat()
        return v


class ParsedKR(BaseModel):
    """What the key-result parser read from the text (null where absent)."""

    metric: str | None = None
    baseline: int | float | None = None
    target: int | float | None = None
    unit: str | None = None
    direction: Direction | None = None
    comparator: Comparator | None = None


class Finding(BaseModel):
    """One broken rule, where it broke, and how to fix it."""

    rule: str
    severity: Severity
    message: str
    evidence: str
    suggestion: str
    guidance: str | None = None


class Progress(BaseModel):
    """Progress of a key result from baseline to target, given a current value."""

    current: float
    value: float = Field(ge=0.0, le=1.0)


class KRReport(BaseModel):
    index: int
    text: str
    score: int = Field(ge=0, le=100)
    parsed: ParsedKR
    findings: list[Finding]
    kind: Literal["leading", "lagging"] | None = None
    progress: Progress | None = None


class ObjectiveReport(BaseModel):
    index: int
    title: str
    score: int = Field(ge=0, le=100)
    findings: list[Finding]
    key_results: list[KRReport]
    progress: float | None = None
    progress_reading: str | None = None


class Report(BaseModel):
    """The review of a whole set (RUBRIC.md "Report")."""

    score: int = Field(ge=0, le=100)
    findings: list[Finding]
    objectives: list[ObjectiveReport]
    rubric_version: str | None = None
    profile: str | None = None
    progress: float | None = None
    notes: list[str] = Field(default_factory=list,
                             description="What the reader or the rubric wants you to know: ignored keys or lines, "
                                         "text the rubric cannot read.")

    def all_findings(self) -> list[tuple[str, Finding]]:
        """Every finding with a location path such as `objectives[0].key_results[2]`."""
        out: list[tuple[str, Finding]] = [("set", f) for f in self.findings]
        for o in self.objectives:
            out += [(f"objectives[{o.index}]", f) for f in o.findings]
            for k in o.key_results:
                out += [(f"objectives[{o.index}].key_results[{k.index}]", f) for f in k.findings]
        return out


_M = TypeVar("_M", bound=BaseModel)
# BaseModel's own slot setters: they skip its __setattr__ (validation) and the attribute lookup by name.
_new = object.__new__
_set_dict = vars(BaseModel)["__dict__"].__set__
_set_fields_set = BaseModel.__pydantic_fields_set__.__set__
_set_extra = BaseModel.__pydantic_extra__.__set__
_set_private = BaseModel.__pydantic_private__.__set__


def build(cls: type[_M], **values: Any) -> _M:
    """Trusted construction for the rubric's hot path: every field given, already valid, no validation run.

    Same result as `cls.model_construct(**values)` when all fields are passed, at a third of the cost.
    """
    m = _new(cls)
    _set_dict(m, values)
    _set_fields_set(m, set(values))
    _set_extra(m, None)
    _set_private(m, None)
    return m


def clone(m: _M) -> _M:
    """A model's own copy, as `m.model_copy()` gives (the field values shared, so for models whose values are
    immutable: strings, numbers, None), at under half the cost."""
    c = _new(type(m))
    _set_dict(c, m.__dict__.copy())
    _set_fields_set(c, m.__pydantic_fields_set__.copy())
    _set_extra(c, None if m.__pydantic_extra__ is None else m.__pydantic_extra__.copy())
    _set_private(c, None if m.__pydantic_private__ is None else m.__pydantic_private__.copy())
    return c

