"""The sqlite-vec index: real extension load, role partition, rebuild on change, BM25 fallback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.corpus.index import connect, get_index
from coach.corpus.roles import match_role, resolve_role
from coach.corpus.search import search
from coach.settings import Settings

MINI = Path(__file__).parent / "data" / "mini_corpus"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(MINI, corpus / "roles")
    return Settings(home=tmp_path / "home", corpus_dir=corpus)


def test_sqlite_vec_is_really_loaded(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    assert conn.execute("select vec_version()").fetchone()[0].startswith("v0.1")


def test_role_filter_returns_that_role_first(settings: Settings) -> None:
    hits = search("grow revenue from existing accounts", role="Account Executive", k=2, settings=settings)
    assert hits[0].role == "Account Executive" and hits[0].backend == "vector"
    assert all(h.kind == "good" for h in hits)


def test_unknown_title_finds_nearest_role(settings: Settings) -> None:
    m = match_role("Director of Software Engineering", settings=settings)
    assert m.role.role == "Engineering Manager" and m.how == "similar"
    assert match_role("AE", settings=settings).how == "alias"
    assert resolve_role("ae", settings=settings).role == "Account Executive"


def test_index_rebuilds_when_corpus_changes(settings: Settings) -> None:
    idx = get_index(settings)
    before = idx.meta("corpus_hash")
    f = settings.corpus_dir / "roles" / "engineering-manager.yaml"
    f.write_text(f.read_text().replace("Releases are calm, small and frequent", "Every release is a non-event"))
    idx = get_index(settings)
    assert idx.meta("corpus_hash") != before
    hits = search("releases", role="Engineering Manager", k=1, settings=settings)
    assert hits[0].objective == "Every release is a non-event"


def test_user_examples_folder_is_indexed(settings: Settings, tmp_path: Path) -> None:
    extra = tmp_path / "mine"
    extra.mkdir()
    (extra / "legal-counsel.yaml").write_text(
        "role: Legal Counsel\nfamily: legal\ndrives: Keeps deals moving while protecting the company.\n"
        "metrics:\n  - {name: Contract turnaround time, kind: leading}\n"
        "good:\n  - objective: Contracts never hold up a deal\n"
        "    key_results: [Cut contract turnaround from 9 to 3 days, Raise self-serve NDAs from 20% to 80%]\n")
    s = settings.model_copy(update={"extra_corpus_dirs": [extra]})
    hits = search("contracts", role="Legal Counsel", k=1, settings=s)
    assert hits[0].objective == "Contracts never hold up a deal"


def test_bm25_fallback(settings: Settings) -> None:
    hits = search("change failure rate deploys", k=2, settings=settings, backend="bm25")
    assert hits and hits[0].role == "Engineering Manager" and hits[0].backend == "bm25"
    assert search('"; drop table examples; --', k=2, settings=settings, backend="bm25") == []


def test_metrics_and_weak_examples(settings: Settings) -> None:
    hits = search("pipeline", role="Account Executive", k=3, kinds=("metric", "weak"), settings=settings)
    kinds = {h.kind for h in hits}
    assert "metric" in kinds and "weak" in kinds
    weak = next(h for h in hits if h.kind == "weak")
    assert weak.breaks and "objective.outcome" in weak.breaks["objective"]


def test_an_empty_data_folder_starts_from_the_seed_index_only_when_it_matches(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.corpus.index import Index

    seeded = Index(settings)  # built here: the seed
    assert seeded.built is not None
    monkeypatch.setenv("OKR_COACH_INDEX_SEED", str(settings.home))
    fresh = Settings(home=tmp_path / "new-user", corpus_dir=settings.corpus_dir)
    copied = Index(fresh)
    assert copied.built is None  # copied, not rebuilt
    assert copied.meta("corpus_hash") == seeded.meta("corpus_hash")
    assert match_role("AE", settings=fresh).how == "alias"
    # a seed built from other role files is ignored: the index is built from this folder's files
    other = tmp_path / "other-corpus" / "roles"
    shutil.copytree(MINI, other)
    first = sorted(other.glob("*.yaml"))[0]
    first.write_text(first.read_text() + "\n# changed\n")
    mine = Index(Settings(home=tmp_path / "another-user", corpus_dir=other.parent))
    assert mine.built is not None and mine.meta("corpus_hash") != seeded.meta("corpus_hash")
