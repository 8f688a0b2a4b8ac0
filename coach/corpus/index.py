"""The examples index: SQLite with sqlite-vec loaded (vec0 table partitioned by role) plus FTS5 for BM25.

Built by `okr-coach index`, and rebuilt automatically when any role file (built-in or user folder) changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from coach.corpus.embeddings import DIM, embeddings_installed, get_embedder
from coach.corpus.library import Role, load_roles
from coach.errors import CorpusError
from coach.settings import Settings

SCHEMA_VERSION = "4"  # 4: role-title cores ("role_core" rows) for role matching


def connect(path: Path | str) -> Any:
    """A sqlean connection (stdlib sqlite3 here cannot load extensions) with sqlite-vec loaded."""
    import sqlean
    import sqlite_vec

    conn = sqlean.connect(str(path), check_same_thread=False)
    conn.enable_load_extension(True)
    sqlite_vec.load(conn)
    conn.enable_load_extension(False)
    conn.execute("pragma journal_mode=wal")
    return conn


def index_path(settings: Settings, backend: str) -> Path:
    """One file per backend: asking for keyword search (`--bm25`) must not rebuild the vector index, or back."""
    p = settings.index_path
    return p if backend == "vector" else p.with_name(p.stem + "-bm25" + p.suffix)


def corpus_dirs(settings: Settings) -> list[Path]:
    return [settings.corpus_dir / "roles", *settings.extra_corpus_dirs]


def corpus_hash(dirs: list[Path], backend: str) -> str:
    """Hash of every role file's name and bytes, and of the embedding backend: any change means a rebuild."""
    h = hashlib.sha256(f"{SCHEMA_VERSION}:{backend}".encode())
    for d in dirs:
        for p in sorted(d.glob("**/*.y*ml")) if d.exists() else []:
            h.update(str(p.relative_to(d)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def example_rows(roles: list[Role]) -> list[dict[str, Any]]:
    """One row per good example, weak example and metric of every role."""
    rows: list[dict[str, Any]] = []
    for r in roles:
        for kind, items in (("good", r.good), ("weak", r.weak)):
            for ex in items:
                text = ex.objective + "\n" + "\n".join(ex.key_results)
                rows.append({"slug": r.slug, "role": r.role, "family": r.family, "kind": kind,
                             "objective": ex.objective, "key_results": json.dumps(ex.key_results),
                             "metric": None, "metric_kind": None, "text": text,
                             "extra": json.dumps({"why": ex.why, "breaks": ex.breaks})})
        for m in r.metrics:
            text = f"{m.name}: {m.description or ''} ({m.kind} indicator for {r.role})"
            rows.append({"slug": r.slug, "role": r.role, "family": r.family, "kind": "metric", "objective": None,
                         "key_results": "[]", "metric": m.name, "metric_kind": m.kind, "text": text,
                         "extra": json.dumps({"unit": m.unit})})
    return rows


def sense_rows(roles: list[Role]) -> list[tuple[str, str, str]]:
    """(kind, slug, text): good objectives alone, and metric names alone (library metrics and what the good
    key results measure), for the sense check."""
    from coach.krparse import parse_kr

    from coach.usecases.coaching import placeholders_for_numbers

    out: list[tuple[str, str, str]] = []
    for r in roles:
        out += [("objective", r.slug, ex.objective) for ex in r.good]
        # key results with their numbers as placeholders: what rewrites borrow (numbers are never borrowed)
        out += [("kr", r.slug, ph) for ex in r.good for k in ex.key_results
                if (ph := placeholders_for_numbers(k)) is not None]
        names = {m.name.lower(): m.name for m in r.metrics}
        for ex in r.good:
            for kr in ex.key_results:
                metric = parse_kr(kr).metric
                if metric:
                    names.setdefault(metric.lower(), metric)
        out += [("metric", r.slug, n) for n in names.values()]
    # what a role's names and aliases are about, without the words for rank ("Nurse Manager" -> "nurse")
    from coach.corpus.library import title_core

    for r in roles:
        cores = dict.fromkeys(c for c in (title_core(t) for t in (r.role, *r.aliases)) if c)
        out += [("role_core", r.slug, c) for c in cores]
    return out


def role_labels(roles: list[Role]) -> list[tuple[str, str]]:
    """(slug, label) pairs used to match a typed job title to a role."""
    out: list[tuple[str, str]] = []
    for r in roles:
        out.append((r.slug, r.role))
        out += [(r.slug, a) for a in r.aliases]
        out.append((r.slug, f"{r.role}: {r.drives}"))
    return out


def seed_dir() -> Path:
    """Where scripts/setup.sh leaves a built index for data folders that have none yet (a new user's, a test's):
    OKR_COACH_INDEX_SEED, else <venv>/share/okr-coach."""
    import os
    import sys

    return Path(os.environ.get("OKR_COACH_INDEX_SEED") or Path(sys.prefix) / "share" / "okr-coach")


def _copy_seed(path: Path, want: str) -> bool:
    """A data folder without an index starts from the seed index when it was built from the same role files, the
    same backend and the same schema (its hash says so); otherwise the index is built as usual."""
    seed = seed_dir() / path.name
    if path.exists() or not seed.is_file():
        return False
    import os

    tmp = path.with_name(path.name + f".seed-{os.getpid()}")
    try:
        c = connect(seed)
        try:
            row = c.execute("select value from meta where key = 'corpus_hash'").fetchone()
            if not row or row[0] != want:
                return False
            out = connect(tmp)
            try:
                c.backup(out)  # SQLite's own copy: consistent even while the seed is open elsewhere
            finally:
                out.close()
        finally:
            c.close()
        os.replace(tmp, path)
        return True
    except Exception:  # noqa: BLE001 - a seed that cannot be read is ignored: the index is built instead
        tmp.unlink(missing_ok=True)
        return False


class Index:
    """An open, up-to-date examples index."""

    def __init__(self, settings: Settings, *, backend: str | None = None, path: Path | str | None = None) -> None:
        self.settings = settings
        # Why the index on disk could not be used, when this one lives in memory instead (see get_index).
        self.degraded: str | None = None
        if backend is None:
            # Whether the packages are there decides the backend; the model itself loads on first use, so
            # a lookup by exact role name never pays for starting ONNX.
            backend = "vector" if embeddings_installed() else "bm25"
        self.backend = backend
        self.path = Path(path) if path is not None else index_path(settings, backend)
        self.lock = threading.RLock()
        self.roles = load_roles(*corpus_dirs(settings))
        self.built: dict[str, Any] | None = None
        self._labels: tuple[list[str], list[str], np.ndarray | None] | None = None
        self._sense: tuple[tuple[list[tuple[str, str]], np.ndarray | None], ...] | None = None
        self._core: tuple[list[tuple[str, str]], np.ndarray | None] = ([], None)
        if str(self.path) == ":memory:":
            self.conn = connect(":memory:")
            self.ensure()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _copy_seed(self.path, corpus_hash(corpus_dirs(settings), self.backend))
            self.conn = connect(self.path)
            self.ensure()
        except CorpusError:
            raise
        except Exception as exc:  # OSError, or sqlite's "not a database" / "readonly" / "unable to open"
            if not is_storage_error(exc):
                raise
            raise IndexUnusableError(f"the examples index cannot be used: {describe_storage_error(exc)}",
                                     location=str(self.path),
                                     hint="the index is rebuilt from the role files: make the folder writable, "
                                          "or delete the file, or set OKR_COACH_HOME to a writable folder") from exc

    def meta(self, key: str) -> str | None:
        try:
            row = self.conn.execute("select value from meta where key = ?", (key,)).fetchone()
        except Exception:  # no meta table yet
            return None
        return row[0] if row else None

    def ensure(self, *, force: bool = False) -> bool:
        """Rebuild when the corpus, the backend or the schema changed; True if it rebuilt."""
        want = corpus_hash(corpus_dirs(self.settings), self.backend)
        if not force and self.meta("corpus_hash") == want:
            return False
        # Several workers or processes starting together on one machine: one builds, the others wait and reuse it.
        import contextlib

        from filelock import FileLock

        # An in-memory index (a read-only data folder's fallback) is this process's own: nothing to share or lock.
        in_memory = str(self.path) == ":memory:"
        with contextlib.nullcontext() if in_memory else FileLock(str(self.path) + ".build.lock", timeout=600):
            if not force and self.meta("corpus_hash") == want:
                self._labels = None  # built by another process meanwhile
                return False
            self.roles = load_roles(*corpus_dirs(self.settings))
            self.rebuild(want)
        return True

    def rebuild(self, content_hash: str) -> None:
        t0 = time.perf_counter()
        self._labels = None
        rows = example_rows(self.roles)
        if not rows:
            raise CorpusError("the examples corpus is empty", location=str(self.settings.corpus_dir))
        labels = role_labels(self.roles)
        sense = sense_rows(self.roles)
        vectors = label_vecs = sense_vecs = None
        if self.backend == "vector":
            emb = get_embedder()
            vectors = emb.embed([r["text"] for r in rows])
            label_vecs = emb.embed([label for _, label in labels])
            from coach.usecases.sense import strip_numbers

            sense_vecs = emb.embed([strip_numbers(t) if k == "kr" else t for k, _, t in sense])
        with self.lock:
            c = self.conn
            c.execute("begin")
            for t in ("meta", "examples", "fts_examples", "vec_examples", "role_labels", "sense_vectors"):
                c.execute(f"drop table if exists {t}")
            c.execute("create table meta (key text primary key, value text)")
            c.execute("""create table examples (id integer primary key, slug text, role text, family text, kind text,
                         objective text, key_results text, metric text, metric_kind text, text text, extra text)""")
            c.execute("create virtual table fts_examples using fts5(text, content='examples', content_rowid='id')")
            c.execute("create table role_labels (slug text, label text, vec blob)")
            c.execute("create table sense_vectors (kind text, slug text, text text, vec blob)")
            c.execute(f"""create virtual table vec_examples using vec0(
                          id integer primary key, embedding float[{DIM}] distance_metric=cosine,
                          slug text partition key, family text, kind text)""")
            for i, r in enumerate(rows, start=1):
                c.execute("""insert into examples (id, slug, role, family, kind, objective, key_results, metric,
                             metric_kind, text, extra) values (?,?,?,?,?,?,?,?,?,?,?)""",
                          (i, r["slug"], r["role"], r["family"], r["kind"], r["objective"], r["key_results"],
                           r["metric"], r["metric_kind"], r["text"], r["extra"]))
                if vectors is not None:
                    c.execute("insert into vec_examples (id, embedding, slug, family, kind) values (?,?,?,?,?)",
                              (i, vectors[i - 1].tobytes(), r["slug"], r["family"], r["kind"]))
            c.execute("insert into fts_examples (fts_examples) values ('rebuild')")
            for j, (slug, label) in enumerate(labels):
                vec = label_vecs[j].tobytes() if label_vecs is not None else None
                c.execute("insert into role_labels (slug, label, vec) values (?,?,?)", (slug, label, vec))
            for j, (kind, slug, text) in enumerate(sense):
                vec = sense_vecs[j].tobytes() if sense_vecs is not None else None
                c.execute("insert into sense_vectors (kind, slug, text, vec) values (?,?,?,?)", (kind, slug, text, vec))
            self._sense = None
            self.built = {"rows": len(rows), "roles": len(self.roles), "backend": self.backend,
                          "seconds": round(time.perf_counter() - t0, 3)}
            for k, v in {"corpus_hash": content_hash, "backend": self.backend, "rows": str(len(rows)),
                         "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}.items():
                c.execute("insert into meta (key, value) values (?, ?)", (k, v))
            c.execute("commit")

    def role_label_vectors(self) -> tuple[list[str], list[str], np.ndarray | None]:
        """Role names, aliases and missions with their vectors; read once per build (every search uses them)."""
        if self._labels is None:
            with self.lock:
                rows = self.conn.execute("select slug, label, vec from role_labels").fetchall()
            slugs = [r[0] for r in rows]
            labels = [r[1] for r in rows]
            vecs = (None if not rows or rows[0][2] is None
                    else np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows]))
            self._labels = (slugs, labels, vecs)
        return self._labels

    def sense_vectors(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Vectors of every good objective and every metric name (what the sense check compares against)."""
        objectives, metrics, _ = self.library_vectors()
        return objectives[1], metrics[1]

    def library_vectors(self) -> tuple[tuple[list[tuple[str, str]], np.ndarray | None], ...]:
        """((slug, text) pairs, vectors) of good objectives, metric names and placeholder key results."""
        if self._sense is None:
            with self.lock:
                rows = self.conn.execute("select kind, slug, text, vec from sense_vectors").fetchall()

            def stack(kind: str) -> tuple[list[tuple[str, str]], np.ndarray | None]:
                got = [(s, t, v) for k, s, t, v in rows if k == kind]
                vs = [np.frombuffer(v, dtype=np.float32) for _, _, v in got if v is not None]
                return [(s, t) for s, t, _ in got], (np.vstack(vs) if vs and len(vs) == len(got) else None)

            self._sense = (stack("objective"), stack("metric"), stack("kr"))
            self._core = stack("role_core")
        return self._sense

    def role_core_vectors(self) -> tuple[list[tuple[str, str]], np.ndarray | None]:
        """(slug, core) pairs and vectors of what each role's names and aliases are about (see title_core)."""
        self.library_vectors()
        return self._core

    def close(self) -> None:
        self.conn.close()


class IndexUnusableError(CorpusError):
    """The index file or its folder cannot be opened, read or written (corrupt, read-only, not a folder)."""

    code = "index_unusable"
    status = 503


def is_storage_error(exc: BaseException) -> bool:
    import sqlite3

    import sqlean

    return isinstance(exc, (OSError, sqlite3.DatabaseError, sqlean.DatabaseError))


def describe_storage_error(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return f"the file is damaged ({text})"
    if "readonly" in text or "unable to open" in text:
        return f"it cannot be written ({text})"
    return text


_INDEXES: dict[tuple[str, str | None], Index] = {}
_LOCK = threading.Lock()


def get_index(settings: Settings, *, backend: str | None = None) -> Index:
    """A cached open index per (path, backend); checks the corpus hash on every call (cheap)."""
    key = (str(settings.index_path), backend)
    with _LOCK:
        idx = _INDEXES.get(key)
        if idx is None:
            try:
                idx = Index(settings, backend=backend)
            except IndexUnusableError as exc:
                # The index is derived data: search still works from a copy built in memory, and says so.
                idx = Index(settings, backend=backend, path=":memory:")
                idx.degraded = f"{exc.location}: {exc.message}; using an in-memory index for now ({exc.hint})"
            _INDEXES[key] = idx
        else:
            idx.ensure()
        return idx
