"""The one place configuration is read: environment variables prefixed OKR_COACH_."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

# The project checkout (used to find prompts/, rubrics/ and examples_corpus/ in an editable install).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where those folders are: the checkout, or <prefix>/share/okr-coach in a regular install (pyproject data-files).
DATA_ROOT = PROJECT_ROOT if (PROJECT_ROOT / "rubrics").is_dir() else Path(sys.prefix) / "share" / "okr-coach"


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "okr-coach"


class Settings(BaseModel):
    """Runtime configuration. Read once by `get_settings()`; pass explicitly everywhere else."""

    home: Path = Field(default_factory=_default_home, description="Where databases and caches live.")
    rubrics_dir: Path = DATA_ROOT / "rubrics"
    prompts_dir: Path = DATA_ROOT / "prompts"
    corpus_dir: Path = DATA_ROOT / "examples_corpus"
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
    # Service (coach/api): requests per minute for new API keys and, per client address, for anonymous callers
    # (0 = no limit: an explicit choice), with a tighter anonymous limit on the model-backed paths (draft,
    # rewrite, critique with coach); and the wall-clock budget of one model-backed request.
    rate_limit_per_minute: int = 120
    anonymous_rate_limit_per_minute: int = 60
    anonymous_model_rate_limit_per_minute: int = 6
    request_timeout_s: float = 90.0
    # Rubric-only critique reports kept per worker process, by request body (the same body gets the same bytes
    # back without a review); 0 = keep none.
    report_cache_size: int = Field(default=512, ge=0)
    # Host names the service answers to (OKR_COACH_TRUSTED_HOSTS, comma-separated; "*" = any, "*.example.com"):
    # a web page that rebinds its own DNS name to 127.0.0.1 is refused because its Host is not one of these.
    trusted_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1", "localhost", "::1"])
    # Several workers or machines: the store in PostgreSQL (postgresql+psycopg://user:pass@host/db; default a
    # SQLite file in `home`), rate limits and the model-answer cache in Redis (redis://host:6379/0).
    database_url: str | None = None
    redis_url: str | None = None
    # Wall-clock budget of one draft, rewrite or coached review (CLI and API): every model request, the first
    # included, ends within it; past it the answer is what the library and the rubric give without the model.
    model_budget_s: float = 8.5

    @property
    def db_path(self) -> Path:
        return self.home / "okr-coach.db"

    @property
    def database(self) -> str:
        """The store's SQLAlchemy URL: OKR_COACH_DATABASE_URL, else the SQLite file in `home`."""
        return self.database_url or f"sqlite:///{self.db_path}"

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
        elif field == "trusted_hosts":
            values[field] = [h.strip() for h in raw.split(",") if h.strip()]
        elif field in ("anonymous_critique", "llm_cache"):
            values[field] = raw.lower() in ("1", "true", "yes", "on")
        else:
            values[field] = raw
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        from coach.errors import ConfigError

        err = exc.errors()[0]
        name = f"OKR_COACH_{str(err['loc'][0]).upper()}" if err.get("loc") else "an OKR_COACH_ variable"
        raise ConfigError(f"{name}={values.get(str(err['loc'][0]), '')!r}: {err['msg']}",
                          hint=f"fix or unset {name} (the settings are listed in coach/settings.py and docs/deploy.md)") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
