"""Prompt templates in prompts/*.j2, rendered with a typed context into chat messages."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2
from pydantic import BaseModel, Field

from coach.errors import CoachError
from coach.settings import Settings

# User text is wrapped in <okr_data>; any angle bracket inside it is replaced so it cannot close the tag.
DATA_TAG = "okr_data"
_ANGLE = str.maketrans({"<": "‹", ">": "›"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def as_data(text: object) -> str:
    """Neutralise user text for use inside <okr_data>: no tags, no control characters."""
    return _CONTROL.sub(" ", str(text)).translate(_ANGLE)


class ExampleOKRCtx(BaseModel):
    """A role example shown to the model (few-shot)."""

    objective: str
    key_results: list[str]


class MetricCtx(BaseModel):
    name: str
    kind: str
    unit: str | None = None


class DraftCandidateCtx(BaseModel):
    """One library OKR (or pattern) the model may choose, under its letter."""

    letter: str
    objective: str
    key_results: list[str]


class DraftPrompt(BaseModel):
    """Context of prompts/draft.j2: choose the candidate that fits the user's situation."""

    role: str
    drives: str = ""
    candidates: list[DraftCandidateCtx]
    focus_area: str | None = None
    current_state: str | None = None
    blockers: str | None = None
    period: str | None = None
    metrics: list[str] = Field(default_factory=list)
    feedback: list[str] = Field(default_factory=list)


class DraftFreePrompt(BaseModel):
    """Context of prompts/draft_free.j2: a capable model writes its own draft (checked like the rest)."""

    role: str
    drives: str = ""
    examples: list[str] = Field(default_factory=list)
    focus_area: str | None = None
    current_state: str | None = None
    blockers: str | None = None
    metrics: list[str] = Field(default_factory=list)
    feedback: list[str] = Field(default_factory=list)
    ambition: str = "aspirational"


class RewriteChoicePrompt(BaseModel):
    """Context of prompts/rewrite_choice.j2: choose the candidate rewrite that best keeps the user's meaning."""

    kind: str = Field(pattern="^(objective|key_result)$")
    text: str
    objective: str
    rule: str
    message: str
    candidates: list[DraftCandidateCtx]


class FindingCtx(BaseModel):
    rule: str
    message: str
    suggestion: str


class CritiquePrompt(BaseModel):
    """Context of prompts/critique.j2: one objective, its key results and what the rubric found."""

    role: str | None = None
    period: str | None = None
    focus_area: str | None = None
    objective: str
    key_results: list[str]
    score: int
    findings: list[FindingCtx]
    propose_title: bool = False


TEMPLATES: dict[str, type[BaseModel]] = {
    "draft": DraftPrompt,
    "draft_free": DraftFreePrompt,
    "rewrite_choice": RewriteChoicePrompt,
    "critique": CritiquePrompt,
}


@lru_cache(maxsize=8)
def _environment(prompts_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(prompts_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["data"] = as_data
    env.globals["DATA_TAG"] = DATA_TAG
    return env


def render(name: str, context: BaseModel, *, settings: Settings) -> list[dict[str, str]]:
    """Render prompts/<name>.j2 (blocks `system` and `user`) into chat messages."""
    expected = TEMPLATES.get(name)
    if expected is None:
        raise CoachError(f"unknown prompt template {name!r}", hint=f"one of {', '.join(sorted(TEMPLATES))}")
    if not isinstance(context, expected):
        raise CoachError(f"prompt {name!r} needs a {expected.__name__}, got {type(context).__name__}")
    env = _environment(Path(settings.prompts_dir))
    try:
        template = env.get_template(f"{name}.j2")
        values = {k: getattr(context, k) for k in type(context).model_fields}
        ctx = template.new_context(values)
        parts = {b: "".join(template.blocks[b](ctx)).strip() for b in ("system", "user")}
    except jinja2.TemplateNotFound as exc:
        raise CoachError(f"prompt template not found: {exc}", location=str(settings.prompts_dir)) from exc
    except KeyError as exc:
        raise CoachError(f"prompt {name}.j2 lacks block {exc}", hint="define {% block system %} and {% block user %}") from exc
    except jinja2.TemplateError as exc:
        raise CoachError(f"cannot render prompt {name}.j2: {exc}", location=str(settings.prompts_dir)) from exc
    return [{"role": "system", "content": parts["system"]}, {"role": "user", "content": parts["user"]}]
