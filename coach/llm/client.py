"""The one place litellm is called: structured (JSON-schema) generation with validation, bounded re-ask and a cache."""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ValidationError

from coach.errors import ModelError
from coach.llm.cache import ResponseCache, request_key
from coach.settings import Settings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch litellm's price list
os.environ.setdefault("LITELLM_MODE", "PRODUCTION")  # litellm's DEV mode loads a .env file from the working folder

T = TypeVar("T", bound=BaseModel)
REASK = (
    "Your last answer did not match the required JSON schema: {error}. "
    "Answer again with one JSON object that matches the schema exactly, and nothing else."
)


@dataclass
class Usage:
    """What one `generate` call cost: requests sent, tokens, time, cache hits and invalid answers."""

    requests: int = 0
    cache_hits: int = 0
    invalid: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


_import_lock = threading.Lock()
_loaded: Any = None


def _litellm(timeout: float | None = None) -> Any:
    """litellm, imported once. With a timeout, the import runs in the background and this waits at most that long
    (a cold import takes seconds on a busy machine; a time budget must bound it like any other step)."""
    global _loaded
    if _loaded is not None:
        return _loaded
    if timeout is not None:
        prefetch_litellm()
        thread = _prefetched
        if thread is not None and thread.is_alive():
            thread.join(max(0.0, timeout))
            if _loaded is None and thread.is_alive():
                raise ModelError(f"the model request timed out: litellm was still loading after {timeout:.1f}s "
                                 "of the time budget")
    with _import_lock:  # a second caller waits for the import under way (as Python's own import would)
        if _loaded is None:
            _loaded = _import_litellm()
        return _loaded


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Import without the cyclic garbage collector, then freeze what was imported.

    litellm creates hundreds of thousands of long-lived objects on import. With the collector running, the
    import scans them again and again (about 0.5 s), and the final collection at interpreter exit walks them
    once more (about 1 s). Nothing of that is garbage: the objects are moved out of the collector's view.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def _import_litellm() -> Any:
    try:
        with _collector_paused():
            import litellm
    except ImportError as exc:
        raise ModelError("litellm is not installed", hint="pip install -e '.[local]'") from exc
    litellm.telemetry = False
    litellm.suppress_debug_info = True
    return litellm


_prefetched: threading.Thread | None = None


def prefetch_litellm() -> None:
    """Start importing litellm in the background (it takes seconds), so it overlaps other start-up work.

    The first real call imports it normally and simply waits for this import to finish.
    """
    global _prefetched
    if _prefetched is None and "litellm" not in sys.modules:
        # litellm imports concurrent.futures.thread, which registers a shutdown hook; imported here first, so a
        # background import still running at exit does not try to register one after shutdown began.
        import concurrent.futures.thread  # noqa: F401

        def load() -> None:
            try:
                _litellm()
            except ModelError:
                return  # reported by the first real call
            _warm_imports()
        _prefetched = threading.Thread(target=load, name="litellm-import", daemon=True)
        _prefetched.start()
        # Registered with threading (not atexit): it runs before threading shuts down, so an import that is
        # still under way may still start its own threads and exit hooks.
        register = getattr(threading, "_register_atexit", None)
        try:
            register(_finish_prefetch) if register is not None else atexit.register(_finish_prefetch)
        except RuntimeError:  # already shutting down
            pass


# How long interpreter exit waits for the background import to finish.
EXIT_WAIT_S = 60.0


def _finish_prefetch() -> None:
    """At exit, let the background import finish before Python tears modules down.

    A daemon thread stopped mid-import keeps that module's import lock for ever; litellm's HTTP clients import a
    module in their __del__ during the final collection and then wait on that lock: `okr-coach draft` printed
    its answer and never exited (seen with a model string litellm rejects at once, before the import ended).
    """
    thread = _prefetched
    if thread is not None and thread.is_alive():
        thread.join(EXIT_WAIT_S)


# Modules litellm and the openai SDK import on their first OpenAI-compatible request (about 0.4 s). The
# background import loads them too, so the first request does not pay for them. Best effort: names that a
# future release moves are skipped.
FIRST_CALL_MODULES = ("openai.resources", "litellm.proxy._types")


def _warm_imports() -> None:
    with _collector_paused():
        for name in FIRST_CALL_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - an optional speed-up must never break a run
                continue


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()}}


NUMBER_BOUND = 1_000_000_000
# A request with less time than this left would only time out: it is not sent.
MIN_REQUEST_S = 0.25


def closed_schema(node: Any) -> Any:
    """The schema for constrained decoding: objects take no extra keys, numbers stay within a sane range."""
    if isinstance(node, dict):
        out = {k: closed_schema(v) for k, v in node.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        if out.get("type") in ("number", "integer"):
            # Unbounded numbers let a small model loop on digits until max_tokens; a range stops it.
            out.setdefault("minimum", -NUMBER_BOUND)
            out.setdefault("maximum", NUMBER_BOUND)
        return out
    if isinstance(node, list):
        return [closed_schema(v) for v in node]
    return node


# What a number may look like in llama.cpp's constrained output: at most 9 digits and 2 decimals. A range alone
# does not stop a small model from writing "10.5123521313788888916..." until max_tokens runs out.
NUMBER_PATTERN = r"^-?(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?$"


def _bounded_numbers(node: Any) -> Any:
    """Numbers become strings with a short numeric pattern (pydantic reads "12.5" back as a float)."""
    if isinstance(node, dict):
        if node.get("type") in ("number", "integer"):
            pattern = NUMBER_PATTERN if node["type"] == "number" else r"^-?(0|[1-9][0-9]{0,8})$"
            return {"type": "string", "pattern": pattern}
        return {k: _bounded_numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_bounded_numbers(v) for v in node]
    return node


def compact_grammar(schema: type[BaseModel]) -> str:
    """A llguidance grammar for llama.cpp: the schema's JSON with no optional whitespace (fewer tokens to decode)."""
    body = {**_bounded_numbers(closed_schema(schema.model_json_schema())),
            "x-guidance": {"whitespace_flexible": False}}
    return "%llguidance {}\nstart: %json " + json.dumps(body, separators=(",", ":"))


def _error_text(exc: ValidationError | ValueError) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()[:5]]
        return "; ".join(parts)
    return str(exc)[:300]


class LLM:
    """A litellm model (local by default) that returns validated pydantic objects, or raises ModelError."""

    def __init__(self, settings: Settings, *, model: str, api_base: str | None, api_key: str | None,
                 name: str | None = None, cache: ResponseCache | None = None, cache_scope: str | None = None,
                 llama_grammar: bool = False, prefill: Callable[[list[dict[str, str]]], None] | None = None) -> None:
        self.settings = settings
        self.litellm_model = model
        self.model = name or model
        self.api_base = api_base
        self._api_key = api_key
        self.cache = cache
        # What identifies the model in cache keys: the embedded model's random port must not count.
        self.cache_scope = cache_scope or f"{model}@{api_base or ''}"
        self.last_usage = Usage()
        # llama.cpp servers take a llguidance grammar: compact JSON decodes ~30% fewer tokens than json_schema.
        self.llama_grammar = llama_grammar
        # For the embedded model: reads a prompt into the server's KV cache without litellm (see _complete).
        self.prefill = prefill
        self._lock = threading.Lock()

    def _prefill(self, messages: list[dict[str, str]], deadline: float | None) -> None:
        assert self.prefill is not None
        if deadline is None:
            try:
                self.prefill(messages)
            except Exception:  # noqa: BLE001 - a speed-up only; the request reports real failures
                pass
            return
        left = self._time_left(deadline)
        done = threading.Event()

        def run() -> None:
            try:
                self.prefill(messages)  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - a speed-up only
                pass
            finally:
                done.set()

        threading.Thread(target=run, name="okr-coach-prefill", daemon=True).start()
        if not done.wait(left):
            raise ModelError(f"the model request timed out: the model was still reading the prompt when the "
                             f"time budget ran out ({left:.1f}s)")

    def _time_left(self, deadline: float | None) -> float:
        """Seconds this request may take: the client timeout, cut to what is left of the caller's budget."""
        if deadline is None:
            return self.settings.llm_timeout_s
        left = deadline - time.monotonic()
        if left < MIN_REQUEST_S:
            raise ModelError(f"the model request timed out: the time budget ran out ({max(0.0, left):.1f}s left)")
        return min(self.settings.llm_timeout_s, left)

    def _complete(self, messages: list[dict[str, str]], schema: type[BaseModel], *, temperature: float,
                  max_tokens: int, seed: int | None, usage: Usage, deadline: float | None = None) -> str:
        """One request (answered from the cache when identical); returns the raw message text."""
        payload = {"model": self.cache_scope, "messages": messages,
                   "schema": schema.model_json_schema(), "temperature": temperature, "max_tokens": max_tokens,
                   "seed": seed}
        key = request_key(payload)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            usage.cache_hits += 1
            return hit[0]
        if self.prefill is not None and _loaded is None:
            # litellm is still importing (seconds on a cold start). Meanwhile the embedded server reads the
            # prompt into its cache, so the request below only generates. It returns the same kind of answer:
            # the server reuses the cached prompt for any request that starts with it. The native call cannot
            # be interrupted, so under a deadline it runs in a thread that is waited for only until then.
            self._prefill(messages, deadline)
        litellm = _litellm(None if deadline is None else self._time_left(deadline))
        timeout = self._time_left(deadline)
        t0 = time.perf_counter()
        constraint: dict[str, Any] = (
            {"extra_body": {"grammar": compact_grammar(schema)}} if self.llama_grammar
            else {"response_format": response_format(schema)}
        )
        try:
            resp = litellm.completion(
                model=self.litellm_model, messages=messages, temperature=temperature, max_tokens=max_tokens,
                seed=seed, api_base=self.api_base, api_key=self._api_key, timeout=timeout,
                num_retries=0, max_retries=0, **constraint,
            )
        except Exception as exc:  # noqa: BLE001 - litellm maps every provider error to its own classes
            if "timeout" in type(exc).__name__.lower():  # litellm's text repeats itself ("Timeout: ... timed out")
                raise ModelError(f"the model request timed out: no answer within {timeout:.1f}s") from exc
            raise ModelError(f"the model request failed: {type(exc).__name__}: {str(exc)[:300]}") from exc
        finally:
            usage.seconds += time.perf_counter() - t0
            usage.requests += 1
        content = (resp.choices[0].message.content or "") if resp.choices else ""
        tokens = {"prompt_tokens": 0, "completion_tokens": 0}
        if getattr(resp, "usage", None) is not None:
            tokens = {"prompt_tokens": int(resp.usage.prompt_tokens or 0),
                      "completion_tokens": int(resp.usage.completion_tokens or 0)}
        usage.prompt_tokens += tokens["prompt_tokens"]
        usage.completion_tokens += tokens["completion_tokens"]
        if self.cache is not None and content:
            try:
                schema.model_validate_json(content)
            except (ValidationError, ValueError):
                return content  # only valid answers are remembered
            self.cache.put(key, self.litellm_model, content, tokens)
        return content

    def _one(self, messages: list[dict[str, str]], schema: type[T], *, temperature: float, max_tokens: int,
             seed: int | None, usage: Usage, deadline: float | None = None) -> T:
        """One sample, re-asked with the validation error up to `llm_max_retries` times."""
        convo = list(messages)
        raw = ""
        error = "no answer"
        for _attempt in range(1 + max(0, self.settings.llm_max_retries)):
            raw = self._complete(convo, schema, temperature=temperature, max_tokens=max_tokens, seed=seed,
                                 usage=usage, deadline=deadline)
            try:
                return schema.model_validate_json(raw)
            except (ValidationError, ValueError) as exc:
                usage.invalid += 1
                error = _error_text(exc)
                convo = [*messages, {"role": "assistant", "content": raw[:2000]},
                         {"role": "user", "content": REASK.format(error=error)}]
                seed = None if seed is None else seed + 7919
        raise ModelError(
            f"the model kept returning invalid output after {1 + self.settings.llm_max_retries} attempts: {error}",
            hint=f"last output: {raw[:200]!r}",
        )

    def generate(self, *, messages: list[dict[str, str]], schema: type[T], n: int = 1, temperature: float = 0.7,
                 max_tokens: int = 512, seed: int | None = None, deadline: float | None = None) -> list[T]:
        """Up to `n` validated answers; raises ModelError when none is valid or the model fails.

        `deadline` (a time.monotonic() value) bounds every request, the first included: each gets at most what
        is left of it, and none starts with less than MIN_REQUEST_S left.
        """
        usage = Usage()
        out: list[T] = []
        last: ModelError | None = None
        try:
            # Every sample gets its own seed: n identical requests would be n copies of one answer (and the
            # cache would hand back the first). No seed given means seed 0, so the same request repeats exactly.
            base = 0 if seed is None else seed
            for i in range(max(1, n)):
                try:
                    out.append(self._one(messages, schema, temperature=temperature, max_tokens=max_tokens,
                                         seed=base + i, usage=usage, deadline=deadline))
                except ModelError as exc:
                    usage.errors.append(exc.message)
                    last = exc
                    if "invalid output" not in exc.message:
                        break  # a dead or slow model will not get better on the next sample
        finally:
            with self._lock:
                self.last_usage = usage
        if not out:
            raise last or ModelError("the model returned no answer")
        return out
