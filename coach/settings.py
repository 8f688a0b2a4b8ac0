"""The one place configuration is read: environment variables prefixed OKR_COACH_."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

# The project checkout (used to find prompts/, rubrics/ and examples_corpus/ in an editable install).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "okr-coach"


class Settings(BaseModel):
    """Runtime configuration. Read once by `get_settings()`; pass explicitly everywhere else."""

    home: Path = Field(default_factory=_default_home, description="Where databases and caches live.")
    rubrics_dir: Path = PROJECT_ROOT / "rubrics"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    corpus_dir: Path = PROJECT_ROOT / "examples_corpus"
    extra_corpus_dirs: list[Path] = Field(default_factory=list, description="User example folders.")
    profile: str = "default"
    # litellm model string; "local" means the embedded SmolLM2 served by xllamacpp on 127.0.0.1.
    model: str = "local"
    api_base: str | None = None
    api_key: str | None = None
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2
    llm_cache: bool = True
    max_input_bytes: int = 1_000_000
    anonymous_critique: bool = True
    # Service (coach/api): requests per minute for new API keys and for anonymous callers (0 = unlimited),
    # and the wall-clock budget of one model-backed request before it falls back to rubric-only results.
    rate_limit_per_minute: int = 120
    anonymous_rate_limit_per_minute: int = 0
    request_timeout_s: float = 90.0
    # Wall-clock budget of one draft, rewrite or coached review (CLI and API): every model request, the first
    # included, ends within it; past it the answer is what the library and the rubric give without the model.
    model_budget_s: float = 8.5

    @property
    def db_path(self) -> Path:
        return self.home / "okr-coach.db"

    @property
    def index_path(self) -> Path:
        return self.home / "examples-index.db"

    @property
    def cache_path(self) -> Path:
        return self.home / "llm-cache.db"


def _env(name: str) -> str | None:
    v = os.environ.get(f"OKR_COACH_{name}")
    return v if v not in (None, "") else None


def settings_from_env() -> Settings:
    """Build Settings from OKR_COACH_* variables (unset ones keep their defaults)."""
    values: dict[str, object] = {}
    for field in Settings.model_fields:
        raw = _env(field.upper())
        if raw is None:
            continue
        if field == "extra_corpus_dirs":
            values[field] = [Path(p) for p in raw.split(os.pathsep) if p]
        elif field in ("anonymous_critique", "llm_cache"):
            values[field] = raw.lower() in ("1", "true", "yes", "on")
        else:
            values[field] = raw
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
