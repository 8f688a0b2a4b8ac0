"""Search the examples index: vector KNN through sqlite-vec (filtered by role, then family), or BM25 as fallback."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from coach.corpus.embeddings import get_embedder
from coach.corpus.index import Index, get_index
from coach.corpus.roles import match_role
from coach.settings import Settings, get_settings

Kind = Literal["good", "weak", "metric"]


class Hit(BaseModel):
    """One retrieved example OKR or metric."""

    role: str
    slug: str
    family: str
    kind: str
    objective: str | None = None
    key_results: list[str] = []
    metric: str | None = None
    metric_kind: str | None = None
    why: str | None = None
    breaks: dict[str, Any] | None = None
    score: float
    backend: str
    role_score: float | None = None  # how close the query is to the hit's role (unfiltered vector search)


_COLS = "e.id, e.role, e.slug, e.family, e.kind, e.objective, e.key_results, e.metric, e.metric_kind, e.extra"


def _hit(row: tuple[Any, ...], score: float, backend: str) -> Hit:
    extra = json.loads(row[9] or "{}")
    return Hit(role=row[1], slug=row[2], family=row[3], kind=row[4], objective=row[5],
               key_results=json.loads(row[6] or "[]"), metric=row[7], metric_kind=row[8],
               why=extra.get("why"), breaks=extra.get("breaks"), score=round(score, 4), backend=backend)


def _vector(idx: Index, qvec: bytes, k: int, kinds: tuple[str, ...], where: str, args: tuple[Any, ...],
            exclude: set[int]) -> list[tuple[int, Hit]]:
    marks = ",".join("?" * len(kinds))
    sql = (f"select v.id, v.distance from vec_examples v where v.embedding match ? and k = ? "
           f"and v.kind in ({marks}) {where}")
    with idx.lock:
        found = idx.conn.execute(sql, (qvec, k + len(exclude), *kinds, *args)).fetchall()
        out: list[tuple[int, Hit]] = []
        for rid, dist in found:
            if rid in exclude:
                continue
            row = idx.conn.execute(f"select {_COLS} from examples e where e.id = ?", (rid,)).fetchone()
            out.append((rid, _hit(row, 1.0 - float(dist), "vector")))
    return out[:k]


def _bm25(idx: Index, text: str, k: int, kinds: tuple[str, ...], where: str, args: tuple[Any, ...],
          exclude: set[int]) -> list[tuple[int, Hit]]:
    words = re.findall(r"[A-Za-z0-9]+", text.lower())[:32]
    if not words:
        return []
    query = " OR ".join(f'"{w}"' for w in words)  # quoted: user text is never FTS syntax
    marks = ",".join("?" * len(kinds))
    sql = (f"select {_COLS}, bm25(fts_examples) as s from fts_examples f join examples e on e.id = f.rowid "
           f"where fts_examples match ? and e.kind in ({marks}) {where.replace('v.', 'e.')} order by s limit ?")
    with idx.lock:
        rows = idx.conn.execute(sql, (query, *kinds, *args, k + len(exclude))).fetchall()
    return [(r[0], _hit(r, -float(r[10]), "bm25")) for r in rows if r[0] not in exclude][:k]


def search(text: str, *, role: str | None = None, k: int = 5, kinds: tuple[str, ...] = ("good",),
           settings: Settings | None = None, backend: str | None = None) -> list[Hit]:
    """Top-k examples for the text; with a role, that role's first, then its family's, then any."""
    settings = settings or get_settings()
    idx = get_index(settings, backend=backend)
    k = max(1, min(int(k), 50))
    text = (text or "").strip() or (role or "good objectives and key results")
    kinds = tuple(kinds) or ("good",)
    if idx.backend == "vector":
        qvec = get_embedder().embed_one(text).tobytes()

        def run(where: str, args: tuple[Any, ...], n: int, exclude: set[int]) -> list[tuple[int, Hit]]:
            return _vector(idx, qvec, n, kinds, where, args, exclude)
    else:

        def run(where: str, args: tuple[Any, ...], n: int, exclude: set[int]) -> list[tuple[int, Hit]]:
            return _bm25(idx, text, n, kinds, where, args, exclude)

    if not role and idx.backend == "vector":
        return _with_role_prior(idx, qvec, k, kinds)
    steps: list[tuple[str, tuple[Any, ...]]] = [("", ())]
    if role:
        match = match_role(role, settings=settings, backend=backend)
        steps = [("and v.slug = ?", (match.role.slug,)), ("and v.family = ?", (match.role.family,)), ("", ())]
    got: list[tuple[int, Hit]] = []
    seen: set[int] = set()
    for where, args in steps:
        if len(got) >= k:
            break
        for rid, hit in run(where, args, k - len(got), seen):
            got.append((rid, hit))
            seen.add(rid)
    return [h for _, h in got]


# Weight of the role prior: an example is ranked by its own similarity plus this share of its role's.
ROLE_PRIOR = 0.5


def _with_role_prior(idx: Index, qvec: bytes, k: int, kinds: tuple[str, ...]) -> list[Hit]:
    """Unfiltered search, two levels: which roles the query is about (their names, aliases, mission and
    metrics), then which examples. Candidates come from the vector index; the role prior re-ranks them."""
    q = np.frombuffer(qvec, dtype=np.float32)
    prior: dict[str, float] = {}
    slugs, _, vecs = idx.role_label_vectors()
    if vecs is not None:
        for slug, sim in zip(slugs, (vecs @ q).tolist()):
            prior[slug] = max(prior.get(slug, -1.0), float(sim))
    for _, h in _vector(idx, qvec, 40, ("metric",), "", (), set()):
        prior[h.slug] = max(prior.get(h.slug, -1.0), h.score)
    cands = [h for _, h in _vector(idx, qvec, max(30, 6 * k), kinds, "", (), set())]
    for h in cands:
        h.role_score = round(prior.get(h.slug, 0.0), 4)
    cands.sort(key=lambda h: -(h.score + ROLE_PRIOR * (h.role_score or 0.0)))
    return cands[:k]


def role_examples(role: str, *, settings: Settings | None = None) -> dict[str, Any]:
    """Everything the library holds for a role (used by drafting and `okr-coach examples`)."""
    match = match_role(role, settings=settings or get_settings())
    return {"match": match, "role": match.role}
