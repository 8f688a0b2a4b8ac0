"""Load rubrics/*.yaml into validated Rule objects and profiles; errors name the file and the field."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.errors import RubricError
from coach.models import Scope, Severity
from coach.settings import get_settings

# libyaml's parser when PyYAML was built with it (10x faster on the bundled files); same safe constructor.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CHECK_KINDS: set[str] = set()  # filled by coach.rubric.checks at import


class RuleExamples(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bad: list[str] = Field(min_length=1)
    good: list[str] = Field(min_length=1)


class Rule(BaseModel):
    """One rubric rule: what it checks (a check kind plus params) and how to explain it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^(objective|kr|set)\.[a-z_]+$")
    scope: Scope
    extends: str = Field(description="The check kind implemented in coach/rubric/checks.py.")
    params: dict[str, Any] = Field(default_factory=dict)
    severity: Severity
    weight: int = Field(ge=0, le=100)
    message: str = Field(min_length=1)
    suggestion: str = Field(min_length=1)
    guidance: str = Field(min_length=1, description="The guidance this rule encodes, in our words.")
    why: str = Field(min_length=1)
    examples: RuleExamples
    suppressed_by: list[str] = Field(default_factory=list)
    source: str = ""

    @field_validator("params")
    @classmethod
    def _no_yaml_booleans(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, val in v.items():
            if isinstance(val, list) and any(isinstance(x, bool) for x in val):
                raise ValueError(f"params.{key} holds true/false: YAML reads on/off/yes/no as booleans; quote them")
        return v

    @field_validator("extends")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if CHECK_KINDS and v not in CHECK_KINDS:
            raise ValueError(f"unknown check kind {v!r}; known: {', '.join(sorted(CHECK_KINDS))}")
        return v


class Profile(BaseModel):
    """Thresholds and switches; rules refer to a threshold as "$name" in their params."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    objective_max_words: int = Field(default=20, ge=1)
    kr_max_words: int = Field(default=25, ge=1)
    kr_min: int = Field(default=2, ge=0)
    kr_max: int = Field(default=5, ge=1)
    max_objectives: int = Field(default=5, ge=1)
    disabled_rules: tuple[str, ...] = ()
    severity_overrides: tuple[tuple[str, Literal["error", "warning", "info"]], ...] = ()

    @field_validator("severity_overrides", mode="before")
    @classmethod
    def _pairs(cls, v: Any) -> Any:
        return tuple(sorted(v.items())) if isinstance(v, dict) else v


def _line_of(path: Path, key: str) -> int | None:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith(f"{key}:"):
            return i
    return None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise RubricError(f"cannot parse YAML: {getattr(exc, 'problem', exc)}", location=where) from exc
    if not isinstance(data, dict):
        raise RubricError("a rule file must be a YAML mapping", location=str(path))
    return data


def load_rule_file(path: Path) -> Rule:
    data = _read_yaml(path)
    try:
        rule = Rule.model_validate({**data, "source": path.name})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        line = _line_of(path, field) if field else None
        where = f"{path}:{line}" if line else str(path)
        raise RubricError(f"invalid rule: {field}: {err['msg']}", location=where) from exc
    if path.stem != rule.id:
        raise RubricError(f"file name must match the rule id {rule.id!r}", location=str(path))
    return rule


def rules_dir() -> Path:
    return get_settings().rubrics_dir


@lru_cache(maxsize=8)
def load_rules(directory: Path | None = None) -> tuple[Rule, ...]:
    """Every rule in rubrics/ (sorted by id), validated; cached per directory."""
    from coach.rubric import checks  # noqa: F401  (registers the check kinds)

    d = directory or rules_dir()
    paths = sorted(d.glob("*.yaml"))
    if not paths:
        raise RubricError("no rule files found", location=str(d), hint="set OKR_COACH_RUBRICS_DIR to the rubrics/ folder")
    rules = [load_rule_file(p) for p in paths]
    ids = [r.id for r in rules]
    for r in rules:
        for other in r.suppressed_by:
            if other not in ids:
                raise RubricError(f"suppressed_by names unknown rule {other!r}", location=r.source)
    return tuple(sorted(rules, key=lambda r: r.id))


@lru_cache(maxsize=16)
def load_profile(name_or_path: str = "default", directory: Path | None = None) -> Profile:
    """A named profile from rubrics/profiles/ or a path to a profile YAML file."""
    d = (directory or rules_dir()) / "profiles"
    p = Path(name_or_path)
    path = p if p.suffix in (".yaml", ".yml") and p.exists() else d / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(x.stem for x in d.glob("*.yaml")))
        raise RubricError(f"unknown profile {name_or_path!r}", hint=f"known profiles: {known}", location=str(path))
    data = _read_yaml(path)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise RubricError(f"invalid profile: {exc.errors()[0]['msg']}", location=str(path)) from exc


@lru_cache(maxsize=8)
def rubric_version(directory: Path | None = None) -> str:
    """A short hash of the rule files, so a report says which rubric produced it."""
    d = directory or rules_dir()
    h = hashlib.sha256()
    for p in sorted(d.glob("**/*.yaml")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]
