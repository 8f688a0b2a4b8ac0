"""What the use cases share: getting the model, finding the role, and re-scoring a changed set with the rubric."""

from __future__ import annotations

import re
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from coach.corpus.library import Role
from coach.errors import CoachError, CorpusError, ModelError
from coach.models import KeyResult, OKRSet, Report
from coach.prompts import ExampleOKRCtx, FindingCtx
from coach.rubric import review
from coach.settings import Settings

T = TypeVar("T", bound=BaseModel)


class LLMLike(Protocol):
    """The slice of coach.llm.LLM the use cases rely on."""

    def generate(
        self, *, messages: list[dict[str, str]], schema: type[T], n: int = 1, temperature: float = 0.7,
        max_tokens: int = 512, seed: int | None = None, deadline: float | None = None,
    ) -> list[T]: ...


def get_model(settings: Settings, llm: LLMLike | None) -> LLMLike:
    """The given model, or the configured one; a missing LLM layer is a ModelError (callers fall back)."""
    if llm is not None:
        return llm
    try:
        from coach.llm import get_llm
    except ImportError as exc:
        raise ModelError("the language model layer is not available", hint="install the 'local' extra") from exc
    try:
        return get_llm(settings)
    except ModelError:
        raise
    except (ImportError, OSError) as exc:
        raise ModelError(f"cannot start the language model: {exc}") from exc


def model_name(llm: object, settings: Settings) -> str:
    name = getattr(llm, "model", None) or getattr(llm, "name", None)
    return str(name) if isinstance(name, str) else settings.model


FALLBACK_PREFIX = "model unavailable, rubric-only results: "


def fallback_text(exc: ModelError) -> str:
    """A one-line reason for falling back to rubric-only results (said once, however many layers pass it on)."""
    message = exc.message
    while message.startswith(FALLBACK_PREFIX):  # the API hands a reason already worded this way to the use case
        message = message[len(FALLBACK_PREFIX):]
    return FALLBACK_PREFIX + message


def find_role(name: str, settings: Settings) -> Role:
    """Resolve a role name (nearest known role for unknown names) through the retrieval layer."""
    from coach.corpus.roles import resolve_role

    return resolve_role(name, settings=settings)


def same_role(name: str, role: Role) -> bool:
    """The typed name is the role's own name or one of its aliases."""
    norm = " ".join(re.findall(r"[a-z0-9]+", name.lower()))
    names = [role.role, role.slug, *role.aliases]
    return any(norm == " ".join(re.findall(r"[a-z0-9]+", n.lower())) for n in names)


def role_or_none(name: str | None, settings: Settings) -> Role | None:
    """The role for few-shot examples when the set names one; None when unknown or the corpus is missing."""
    if not name:
        return None
    try:
        return find_role(name, settings)
    except (CoachError, ImportError):
        return None


def role_examples(role: Role, query: str | None, settings: Settings, k: int = 2) -> list[ExampleOKRCtx]:
    """The role's good examples nearest to the user's context (first ones when no context or no index)."""
    good = [ExampleOKRCtx(objective=e.objective, key_results=list(e.key_results)) for e in role.good]
    if not query or len(good) <= k:
        return good[:k]
    try:
        from coach.corpus.search import search

        hits = search(query, role=role.role, k=8, settings=settings)
    except (CorpusError, CoachError, ImportError):
        return good[:k]
    picked: list[ExampleOKRCtx] = []
    for h in hits:
        if getattr(h, "kind", None) == "good" and getattr(h, "slug", role.slug) == role.slug:
            ex = ExampleOKRCtx(objective=h.objective, key_results=list(h.key_results))
            if ex not in picked:
                picked.append(ex)
    for ex in good:
        if len(picked) >= k:
            break
        if ex not in picked:
            picked.append(ex)
    return picked[:k]


def finding_ctx(findings: list[Any]) -> list[FindingCtx]:
    return [FindingCtx(rule=f.rule, message=f.message, suggestion=f.suggestion) for f in findings]


def with_title(okrs: OKRSet, oi: int, title: str) -> OKRSet:
    new = okrs.model_copy(deep=True)
    new.objectives[oi].title = title
    return new


def with_kr(okrs: OKRSet, oi: int, ki: int, text: str) -> OKRSet:
    """The set with one key result's text replaced; explicit numbers of the old one would contradict it."""
    new = okrs.model_copy(deep=True)
    old = new.objectives[oi].key_results[ki]
    new.objectives[oi].key_results[ki] = KeyResult(text=text, owner=old.owner, current=old.current)
    return new


def item_score(report: Report, oi: int, ki: int | None) -> int:
    obj = report.objectives[oi]
    return obj.score if ki is None else obj.key_results[ki].score


def item_rules(report: Report, oi: int, ki: int | None) -> list[str]:
    obj = report.objectives[oi]
    fs = obj.findings if ki is None else obj.key_results[ki].findings
    return sorted({f.rule for f in fs})


def rescore(okrs: OKRSet, settings: Settings) -> Report:
    return review(okrs, profile=settings.profile)
