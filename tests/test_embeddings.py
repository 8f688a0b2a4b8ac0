"""Offline embeddings: pinned files, hash check, fixed outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.corpus import embeddings as emb
from coach.errors import CorpusError


def test_fixed_output_against_known_vectors() -> None:
    v = emb.get_embedder().embed(["Customers renew without being chased", "Raise renewal rate from 82% to 90%",
                                  "Cut time to hire for engineers"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    # Computed once with this exact model and tokenizer; a change here means the model or pooling drifted.
    np.testing.assert_allclose(v[0][:6], [-0.06502, -0.03546, 0.04826, -0.0006, -0.0781, -0.00129], atol=2e-4)
    assert float(v[0] @ v[1]) == pytest.approx(0.4851, abs=2e-3)
    assert float(v[0] @ v[2]) == pytest.approx(0.1086, abs=2e-3)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_meaning_beats_words() -> None:
    e = emb.get_embedder()
    q, near, far = e.embed(["keep customers from leaving", "reduce churn", "ship features faster"])
    assert float(q @ near) > float(q @ far)


def test_empty_and_long_text_do_not_crash() -> None:
    v = emb.get_embedder().embed(["", "word " * 2000])
    assert np.isfinite(v).all()


def test_hash_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(CorpusError, match="sha256"):
        emb._checked(bad, emb.MODEL_SHA256)


def test_missing_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emb, "MODEL_PACKAGE", "no_such_package_here")
    with pytest.raises(emb.EmbeddingsUnavailable, match="local"):
        emb.model_files()
