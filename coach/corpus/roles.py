"""Match a job title to a role in the library: exact name or alias first, then the nearest by meaning."""

from __future__ import annotations

import re

import numpy as np
from pydantic import BaseModel

from coach.corpus.index import Index, get_index
from coach.corpus.library import Role
from coach.errors import NotFoundError
from coach.settings import Settings, get_settings


class RoleMatch(BaseModel):
    """Which library role answers for the title the user typed, and how it was found."""

    query: str
    role: Role
    how: str  # "exact", "alias", "similar", "words"
    score: float
    alternatives: list[str] = []
    margin: float = 1.0  # similarity over the next role
    in_library: bool = True  # False: the nearest role is too far (or too close to another) to borrow its OKRs


def _norm(s: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", s.lower()))


def _by_name(idx: Index, name: str) -> RoleMatch | None:
    n = _norm(name)
    for r in idx.roles:
        if n in (_norm(r.role), _norm(r.slug)):
            return RoleMatch(query=name, role=r, how="exact", score=1.0)
    for r in idx.roles:
        if any(n == _norm(a) for a in r.aliases):
            return RoleMatch(query=name, role=r, how="alias", score=1.0)
    return None


def role_scores(title_vec: np.ndarray, core_vec: np.ndarray, label_slugs: list[str], label_vecs: np.ndarray,
                core_slugs: list[str], core_vecs: np.ndarray | None) -> dict[str, float]:
    """Per role: the mean of (a) the title's best cosine to the role's names, aliases and mission and (b) the
    cosine of the title's field (rank words dropped, see title_core) to the role's names' and aliases' fields.

    (b) keeps a shared rank word from joining two fields ("Research lab director" and "Academic Director").
    benchmarks/calibrate_sense.py measures this score on titles written there and sets the thresholds.
    """
    full: dict[str, float] = {}
    for slug, sim in zip(label_slugs, (label_vecs @ title_vec).tolist()):
        full[slug] = max(full.get(slug, -1.0), float(sim))
    if core_vecs is None or not core_slugs:
        return full
    core: dict[str, float] = {}
    for slug, sim in zip(core_slugs, (core_vecs @ core_vec).tolist()):
        core[slug] = max(core.get(slug, -1.0), float(sim))
    return {s: (v + core.get(s, v)) / 2 for s, v in full.items()}


def similar_roles(name: str, *, settings: Settings | None = None, k: int = 3,
                  backend: str | None = None) -> list[tuple[Role, float]]:
    """Roles ranked by how close the title is to their names, aliases and what they drive."""
    idx = get_index(settings or get_settings(), backend=backend)
    slugs, labels, vecs = idx.role_label_vectors()
    by_slug = {r.slug: r for r in idx.roles}
    best: dict[str, float] = {}
    if vecs is not None:
        from coach.corpus.library import title_core
        from coach.usecases.sense import vectors

        pairs, cvecs = idx.role_core_vectors()
        tv, cv = vectors([name, title_core(name) or name])
        best = role_scores(tv, cv, slugs, vecs, [s for s, _ in pairs], cvecs)
    else:  # no embeddings: word overlap with names and aliases
        q = set(_norm(name).split())
        for slug, label in zip(slugs, labels):
            words = set(_norm(label).split())
            best[slug] = max(best.get(slug, 0.0), len(q & words) / (len(q | words) or 1))
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [(by_slug[s], round(v, 4)) for s, v in ranked]


def resolve_role(name: str, *, settings: Settings | None = None) -> Role:
    """The role for a typed title; unknown titles get the nearest role."""
    return match_role(name, settings=settings).role


def match_role(name: str, *, settings: Settings | None = None, backend: str | None = None) -> RoleMatch:
    """The role for a typed title, and how it was found (exact, alias, or nearest by meaning)."""
    if not name or not name.strip():
        raise NotFoundError("no role given", hint="pass a role such as 'Account Executive'")
    settings = settings or get_settings()
    idx = get_index(settings, backend=backend)
    exact = _by_name(idx, name)
    if exact:
        return exact
    ranked = similar_roles(name, settings=settings, k=3, backend=backend)
    if not ranked or ranked[0][1] <= 0:
        known = ", ".join(r.role for r in idx.roles)
        raise NotFoundError(f"no role like {name!r} in the library", hint=f"known roles: {known}")
    role, score = ranked[0]
    how = "similar" if idx.backend == "vector" else "words"
    margin = score - ranked[1][1] if len(ranked) > 1 else 1.0
    accept, need, weight = _role_thresholds(idx.backend)
    in_library = score + weight * margin >= accept and margin >= need
    if not in_library and score >= accept and _names_the_field(name, role):
        # "Sales", "Customer Success": a field's bare name, close to two roles at once; the one whose name holds
        # every word the user typed is theirs (the other is named in the note as an alternative)
        in_library = True
    return RoleMatch(query=name, role=role, how=how, score=score, alternatives=[r.role for r, _ in ranked[1:]],
                     margin=round(margin, 4), in_library=in_library)


def _names_the_field(name: str, role: Role) -> bool:
    """Every word of the typed title is a word of the role's name, slug or one of its aliases."""
    words = set(_norm(name).split())
    return bool(words) and any(words <= set(_norm(label).split()) for label in (role.role, role.slug, *role.aliases))


def _role_thresholds(backend: str) -> tuple[float, float, float]:
    """(accept, margin, weight): the nearest role is taken when score + weight x margin >= accept and its lead over
    the next role is at least margin. Calibrated by benchmarks/calibrate_sense.py on job titles written there
    (titles for each library role that are not its names or aliases, and titles no role covers)."""
    if backend != "vector":
        return 0.5, 0.0, 0.0  # word overlap: half the words of a name or alias
    from coach.usecases.sense import _calibration

    t = _calibration()
    return t["role_accept"], t["role_margin"], t.get("role_margin_weight", 0.0)


def list_roles(settings: Settings | None = None) -> list[Role]:
    return list(get_index(settings or get_settings()).roles)


__all__ = ["RoleMatch", "match_role", "resolve_role", "role_scores", "similar_roles", "list_roles"]
