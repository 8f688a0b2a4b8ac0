"""`okr-coach examples` (a role's metrics and best example OKRs) and `okr-coach index`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# The same bounds as GET /v1/examples.
K_MIN, K_MAX = 1, 50


def _k(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if not K_MIN <= k <= K_MAX:
        raise argparse.ArgumentTypeError(f"must be between {K_MIN} and {K_MAX}, got {k}")
    return k


def cmd_examples(args: argparse.Namespace) -> int:
    from coach.corpus.index import get_index
    from coach.corpus.roles import match_role
    from coach.corpus.search import search
    from coach.settings import get_settings

    settings = get_settings()
    backend = "bm25" if args.bm25 else None
    idx = get_index(settings, backend=backend)
    match = match_role(args.role, settings=settings, backend=backend)
    role = match.role
    kinds = ("good", "weak") if args.weak else ("good",)
    hits = search(args.query or role.drives, role=role.role, k=args.k, kinds=kinds, settings=settings, backend=backend)
    notes = []
    if idx.degraded:
        notes.append(idx.degraded)
    if idx.backend != "vector" and not args.bm25:
        notes.append("embeddings are not installed; examples are ranked by keyword match (BM25)")
    if args.json:
        print(json.dumps({"role": role.role, "matched_by": match.how, "match_score": match.score,
                          "backend": idx.backend, "drives": role.drives,
                          "metrics": [m.model_dump() for m in role.metrics],
                          "examples": [h.model_dump() for h in hits], "notes": notes}, indent=2))
        return 0
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if match.how not in ("exact", "alias"):
        print(f"No role called {args.role!r}: showing {role.role} (closest, similarity {match.score:.2f}"
              + (f"; also close: {', '.join(match.alternatives)}" if match.alternatives else "") + ")")
    print(f"{role.role} — {role.drives}")
    for kind in ("leading", "lagging"):
        names = [m.name for m in role.metrics if m.kind == kind]
        print(f"  {kind} metrics: {', '.join(names) or '-'}")
    print()
    for i, h in enumerate(hits, 1):
        label = f" [{h.role}]" if h.slug != role.slug else ""
        weak = " (weak example: breaks " + ", ".join(sorted({r for v in (h.breaks or {}).values() for x in v
                                                              for r in (x if isinstance(x, list) else [x])})) + ")" \
            if h.kind == "weak" else ""
        print(f"{i}. {h.objective}{label}{weak}")
        for kr in h.key_results:
            print(f"     - {kr}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from coach.corpus.index import Index, IndexUnusableError
    from coach.settings import get_settings

    settings = get_settings()
    backend = "bm25" if args.bm25 else None
    try:
        idx = Index(settings, backend=backend)
    except IndexUnusableError as exc:
        damaged = "damaged" in exc.message
        if not (args.rebuild and damaged):
            if damaged:
                exc.hint = "the index is derived from the role files: `okr-coach index --rebuild` replaces it"
            raise
        # --rebuild on a damaged file: it holds nothing that cannot be rebuilt, so replace it.
        path = Path(exc.location or "")
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        print(f"note: replaced a damaged index file at {path}", file=sys.stderr)
        idx = Index(settings, backend=backend)
        args.rebuild = False  # just built from scratch
    rebuilt = idx.ensure(force=args.rebuild) or idx.built is not None
    info = idx.built or {}
    if rebuilt and info:
        print(f"indexed {info['rows']} rows from {info['roles']} roles with {info['backend']} search "
              f"in {info['seconds']:.2f}s -> {idx.path}")
    else:
        print(f"index is up to date ({idx.meta('rows')} rows, {idx.backend} search) -> {idx.path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("examples", help="show a role's metrics and example OKRs",
                       description="A role's metrics (leading and lagging) and its closest example OKRs.")
    e.add_argument("--role", required=True, help="a job title; unknown titles use the closest role")
    e.add_argument("--query", help="what you want to achieve (ranks the examples)")
    e.add_argument("--k", type=_k, default=5, help=f"how many examples ({K_MIN}-{K_MAX}; default 5)")
    e.add_argument("--weak", action="store_true", help="include weak examples with the rules they break")
    e.add_argument("--json", action="store_true")
    e.add_argument("--bm25", action="store_true", help="keyword search instead of embeddings")
    e.set_defaults(func=cmd_examples)
    i = sub.add_parser("index", help="build the examples index (it also rebuilds itself when the corpus changes)")
    i.add_argument("--rebuild", action="store_true", help="rebuild even if nothing changed")
    i.add_argument("--bm25", action="store_true", help="keyword index only")
    i.set_defaults(func=cmd_index)
