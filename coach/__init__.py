"""okr-coach: a deterministic OKR rubric, an LLM layer that proposes, and a service around both.

The public Python API (documented in docs/python.md; the names below are kept stable):

    from coach import load, loads, review, draft, rewrite

    report = review(load("okrs.yaml"))
    print(report.score)

Only these names are public; everything else under `coach.` may change between versions. They are loaded
on first use, so `import coach` (and the CLI) stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CoachError",
    "DraftResult",
    "InputError",
    "OKRSet",
    "Report",
    "RewriteResult",
    "draft",
    "load",
    "loads",
    "review",
    "rewrite",
]

# public name -> module that defines it
_PUBLIC = {
    "load": "coach.public", "loads": "coach.public", "review": "coach.public", "draft": "coach.public",
    "rewrite": "coach.public", "OKRSet": "coach.models", "Report": "coach.models",
    "DraftResult": "coach.usecases.results", "RewriteResult": "coach.usecases.results",
    "CoachError": "coach.errors", "InputError": "coach.errors",
}

if TYPE_CHECKING:
    from coach.errors import CoachError, InputError
    from coach.models import OKRSet, Report
    from coach.public import draft, load, loads, review, rewrite
    from coach.usecases.results import DraftResult, RewriteResult


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'coach' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
