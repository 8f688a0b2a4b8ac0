"""Use cases: draft, critique and rewrite OKRs. The rubric scores; the model only proposes. No web framework here."""

from coach.usecases.critique import critique
from coach.usecases.draft import draft
from coach.usecases.results import (
    Commentary,
    CritiqueResult,
    Draft,
    DraftContext,
    DraftOrigin,
    DraftResult,
    KROrigin,
    Rewrite,
    RewriteResult,
)
from coach.usecases.rewrite import rewrite

__all__ = [
    "Commentary",
    "CritiqueResult",
    "Draft",
    "DraftContext",
    "DraftOrigin",
    "DraftResult",
    "KROrigin",
    "Rewrite",
    "RewriteResult",
    "critique",
    "draft",
    "rewrite",
]
