"""Load and validate the role library in examples_corpus/ (one YAML file per role)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.errors import CorpusError

# libyaml's parser when PyYAML was built with it (10x faster on the bundled files); same safe constructor.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Words in a job title that say rank or kind of post, not the field: "Research lab director" is about a research
# lab, "Academic Director" about teaching; matching on the field keeps "director" from joining them.
RANK_WORDS = frozenset(
    "manager managers management lead leader head of director senior sr junior jr chief vp vice president team "
    "officer associate specialist coordinator supervisor deputy assistant the and in general group global regional "
    "area emea apac".split())


def title_core(title: str) -> str:
    """What a job title is about, without its rank words ("Head of Procurement" -> "procurement"); "" if nothing
    is left."""
    return " ".join(w for w in re.findall(r"[a-z0-9&]+", title.split(":")[0].lower()) if w not in RANK_WORDS)


class Metric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    kind: str = Field(pattern="^(leading|lagging)$")
    unit: str | None = None
    description: str | None = None
    # A plausible [start, target] for a team in this role (in the metric's unit; money in USD). Drafts use it
    # when the model's numbers are implausible, and say so.
    typical: tuple[float, float] | None = None

    @field_validator("typical")
    @classmethod
    def _moves(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and (v[0] == v[1] or min(v) < 0):
            raise ValueError("typical must be [start, target] with two different non-negative numbers")
        return v


class ExampleOKR(BaseModel):
    """One objective with its key results; weak examples list the rule ids they break."""

    model_config = ConfigDict(extra="forbid")
    objective: str = Field(min_length=1)
    key_results: list[str] = Field(min_length=1)
    why: str | None = None
    # For weak examples: {"objective": [...ids], "key_results": [[...ids], ...]}
    breaks: dict[str, list] | None = None


class Role(BaseModel):
    """A role: what it drives, its metrics, good and weak example OKRs."""

    model_config = ConfigDict(extra="forbid")
    role: str = Field(min_length=1)
    slug: str = ""
    family: str = Field(min_length=1, description="Group of close roles, e.g. sales, customer-success.")
    aliases: list[str] = Field(default_factory=list)
    related_roles: list[str] = Field(default_factory=list)
    drives: str = Field(min_length=1)
    metrics: list[Metric] = Field(min_length=1)
    good: list[ExampleOKR] = Field(default_factory=list)
    weak: list[ExampleOKR] = Field(default_factory=list)
    source: str = "builtin"


def load_role_file(path: Path, *, source: str = "builtin") -> Role:
    """Read one role file, with the file name and line in every error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read role file: {exc}", location=str(path)) from exc
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"cannot parse role file: {problem}", location=where) from exc
    if not isinstance(data, dict):
        raise CorpusError("a role file must be a YAML mapping", location=str(path))
    try:
        role = Role.model_validate({**data, "source": source})
    except ValidationError as exc:
        from coach.io.structured import line_map

        err = exc.errors()[0]
        loc = tuple(err["loc"])
        lines = line_map(text)
        line = next((lines[loc[:i]] for i in range(len(loc), -1, -1) if loc[:i] in lines), None)
        field = ".".join(str(p) for p in loc) or "file"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise CorpusError(f"invalid role file: {field}: {err['msg']}{more}",
                          location=f"{path}:{line}" if line else str(path)) from exc
    if not role.slug:
        role.slug = path.stem
    return role


def load_roles(*dirs: Path) -> list[Role]:
    """All roles from the given folders (the first is the built-in corpus), sorted by slug."""
    roles: dict[str, Role] = {}
    for i, d in enumerate(dirs):
        if not d.exists():
            raise CorpusError(f"examples folder not found: {d}", hint="check OKR_COACH_EXTRA_CORPUS_DIRS")
        for path in sorted(d.glob("**/*.y*ml")):
            role = load_role_file(path, source="builtin" if i == 0 else str(d))
            roles[role.slug] = role
    return [roles[k] for k in sorted(roles)]
