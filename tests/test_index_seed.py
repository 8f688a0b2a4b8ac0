"""A new data folder starts its examples index from the seed `okr-coach index` leaves beside the install, so the
first request in a new HOME does not embed the whole library again; a seed built from other role files is
never used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.corpus import index as index_mod
from coach.corpus.index import Index, seed_path
from coach.corpus.search import search
from coach.settings import Settings

MINI = Path(__file__).parent / "data" / "mini_corpus"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    c = tmp_path / "corpus"
    shutil.copytree(MINI, c / "roles")
    return c


def test_a_new_home_copies_the_seed_instead_of_building(tmp_path: Path, corpus: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seed = tmp_path / "seed" / "examples-index-vector.db"
    monkeypatch.setattr(index_mod, "seed_path", lambda settings, backend: seed if backend == "vector" else None)
    first = Index(Settings(home=tmp_path / "h1", corpus_dir=corpus), backend="vector")
    assert first.built is not None and seed.is_file()  # built once, and the seed written beside it
    second_settings = Settings(home=tmp_path / "h2", corpus_dir=corpus)
    second = Index(second_settings, backend="vector")
    assert second.built is None  # copied, not built
    assert second.meta("corpus_hash") == first.meta("corpus_hash")
    hits = search("grow revenue from existing accounts", role="Account Executive", k=1, settings=second_settings)
    assert hits and hits[0].backend == "vector"


def test_a_seed_from_other_role_files_is_not_used(tmp_path: Path, corpus: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    seed = tmp_path / "seed" / "examples-index-vector.db"
    monkeypatch.setattr(index_mod, "seed_path", lambda settings, backend: seed if backend == "vector" else None)
    Index(Settings(home=tmp_path / "h1", corpus_dir=corpus), backend="vector")
    role = next((corpus / "roles").glob("*.yaml"))
    role.write_text(role.read_text() + "\n# changed\n")
    again = Index(Settings(home=tmp_path / "h2", corpus_dir=corpus), backend="vector")
    assert again.built is not None  # the seed's hash did not match: built from the files


def test_only_the_built_in_library_with_vectors_has_a_seed(corpus: Path, tmp_path: Path) -> None:
    assert seed_path(Settings(home=tmp_path), "vector") is not None
    assert seed_path(Settings(home=tmp_path), "bm25") is None
    assert seed_path(Settings(home=tmp_path, corpus_dir=corpus), "vector") is None
    assert seed_path(Settings(home=tmp_path, extra_corpus_dirs=[corpus]), "vector") is None
