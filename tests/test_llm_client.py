"""The litellm client over real HTTP: validation, bounded re-ask, fallback on timeouts and junk, the SQLite cache.

A small OpenAI-compatible server on 127.0.0.1 plays the model with scripted answers, so every request goes
through litellm and the network stack exactly as with a real provider.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field

from coach.errors import ModelError
from coach.llm import get_llm
from coach.llm.cache import ResponseCache
from coach.llm.client import LLM, compact_grammar
from coach.settings import Settings


class Answer(BaseModel):
    objective: str = Field(min_length=3, max_length=40)
    confidence: float


class ScriptedServer:
    """Answers /v1/chat/completions with the queued message texts (or sleeps), and records every request."""

    def __init__(self) -> None:
        self.queue: list[str | float] = []
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                item = outer.queue.pop(0) if outer.queue else "{}"
                if isinstance(item, float):
                    time.sleep(item)
                    item = '{"objective": "late", "confidence": 1}'
                payload = json.dumps({
                    "id": "x", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": item}}],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
                }).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server() -> Iterator[ScriptedServer]:
    s = ScriptedServer()
    yield s
    s.close()


def client(server: ScriptedServer, tmp_path: Path, *, cache: bool = False, **kw: Any) -> LLM:
    settings = Settings(home=tmp_path, llm_timeout_s=kw.pop("timeout", 5.0), llm_max_retries=kw.pop("retries", 2))
    return LLM(settings, model="openai/test-model", api_base=server.api_base, api_key="sk-test",
               cache=ResponseCache(tmp_path / "cache.db") if cache else None, **kw)


MSG = [{"role": "user", "content": "Write an objective."}]


def test_valid_answer_is_parsed_and_usage_counted(server: ScriptedServer, tmp_path: Path) -> None:
    server.queue = ['{"objective": "Customers renew without a chase", "confidence": 0.8}']
    out = client(server, tmp_path).generate(messages=MSG, schema=Answer, n=1, seed=3)
    assert out == [Answer(objective="Customers renew without a chase", confidence=0.8)]
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test"
    assert req["body"]["response_format"]["type"] == "json_schema"  # constrained output asked for
    assert req["body"]["seed"] == 3


def test_invalid_answer_is_reasked_with_the_validation_error(server: ScriptedServer, tmp_path: Path) -> None:
    server.queue = ['{"objective": "x"}', '{"objective": "Every rep ramps up faster", "confidence": 1}']
    llm = client(server, tmp_path)
    out = llm.generate(messages=MSG, schema=Answer)
    assert out[0].objective == "Every rep ramps up faster"
    second = server.requests[1]["body"]["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"objective": "x"}'}
    assert "did not match the required JSON schema" in second[-1]["content"]
    assert "objective" in second[-1]["content"] and "confidence" in second[-1]["content"]
    assert llm.last_usage.invalid == 1 and llm.last_usage.requests == 2


def test_reask_is_bounded_then_a_clear_error(server: ScriptedServer, tmp_path: Path) -> None:
    server.queue = ["not json at all"] * 5
    with pytest.raises(ModelError, match="invalid output after 2 attempts") as err:
        client(server, tmp_path, retries=1).generate(messages=MSG, schema=Answer)
    assert len(server.requests) == 2
    assert "not json at all" in (err.value.hint or "")  # the last raw output travels with the error


def test_timeout_is_a_model_error_not_a_hang(server: ScriptedServer, tmp_path: Path) -> None:
    server.queue = [6.0]
    with pytest.raises(ModelError, match="timed out"):
        client(server, tmp_path, timeout=0.5).generate(messages=MSG, schema=Answer, n=3)
    assert len(server.requests) == 1  # a dead model is not asked for the other samples


class HungServer:
    """Accepts connections and reads the request, never answers: what a wedged model server looks like."""

    def __init__(self) -> None:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.conns: list[Any] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def close(self) -> None:
        self.sock.close()
        for c in self.conns:
            c.close()


def test_every_request_gets_at_most_what_is_left_of_the_deadline(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A hung model costs the caller its remaining budget, not the 60 s client timeout."""
    from coach.llm import client as client_mod

    hung = HungServer()
    try:
        settings = Settings(home=tmp_path, llm_timeout_s=60, llm_max_retries=0)
        llm = LLM(settings, model="openai/test-model", api_base=hung.api_base, api_key="k")
        litellm = client_mod._litellm()
        given: list[float] = []
        real = litellm.completion

        def spy(**kw: Any) -> Any:
            given.append(kw["timeout"])
            return real(**kw)

        monkeypatch.setattr(litellm, "completion", spy)
        deadline = time.monotonic() + 1.0
        with pytest.raises(ModelError, match="timed out"):
            llm.generate(messages=MSG, schema=Answer, n=3, deadline=deadline)
        assert len(given) == 1 and 0 < given[0] <= 1.0  # the first request is bounded too, and only one is sent
        assert hung.conns  # it really reached the socket that never answers
    finally:
        hung.close()


def test_no_request_is_sent_once_the_budget_is_spent(server: ScriptedServer, tmp_path: Path) -> None:
    server.queue = ['{"objective": "Never asked for", "confidence": 1}']
    with pytest.raises(ModelError, match="time budget ran out"):
        client(server, tmp_path).generate(messages=MSG, schema=Answer, deadline=time.monotonic() - 1)
    assert server.requests == []


def test_identical_requests_are_answered_from_the_sqlite_cache(server: ScriptedServer, tmp_path: Path) -> None:
    server.queue = ['{"objective": "Buyers trust our forecast", "confidence": 0.5}']
    first = client(server, tmp_path, cache=True).generate(messages=MSG, schema=Answer, temperature=0.2, seed=1)
    again = client(server, tmp_path, cache=True)  # a new client: the cache lives in the database
    assert again.generate(messages=MSG, schema=Answer, temperature=0.2, seed=1) == first
    assert len(server.requests) == 1 and again.last_usage.cache_hits == 1
    server.queue = ['{"objective": "Other params, new call", "confidence": 0.5}']
    again.generate(messages=MSG, schema=Answer, temperature=0.3, seed=1)
    assert len(server.requests) == 2


def test_invalid_answers_are_never_cached(server: ScriptedServer, tmp_path: Path) -> None:
    server.queue = ["oops", '{"objective": "Second try is valid", "confidence": 1}',
                    "oops", '{"objective": "Asked again, not cached", "confidence": 1}']
    client(server, tmp_path, cache=True).generate(messages=MSG, schema=Answer, seed=5)
    client(server, tmp_path, cache=True).generate(messages=MSG, schema=Answer, seed=5)
    assert len(server.requests) == 3  # first attempt re-sent; its re-ask answer came from the cache


def test_llama_grammar_is_compact_json_for_llama_cpp(server: ScriptedServer, tmp_path: Path) -> None:
    server.queue = ['{"objective":"Partners bring us deals","confidence":1}']
    client(server, tmp_path, llama_grammar=True).generate(messages=MSG, schema=Answer)
    body = server.requests[0]["body"]
    assert "response_format" not in body and body["grammar"] == compact_grammar(Answer)
    assert '"additionalProperties":false' in body["grammar"]


def test_configured_remote_model_goes_through_litellm(server: ScriptedServer, tmp_path: Path) -> None:
    """Any litellm model string works: here an OpenAI-compatible endpoint set by settings."""
    settings = Settings(home=tmp_path, model="openai/gpt-4o-mini", api_base=server.api_base, api_key="sk-x",
                        llm_cache=False)
    server.queue = ['{"objective": "Customers see value in week one", "confidence": 0.9}']
    llm = get_llm(settings)
    assert llm.generate(messages=MSG, schema=Answer)[0].confidence == 0.9
    assert server.requests[0]["body"]["model"] == "gpt-4o-mini"


def test_unreachable_model_is_a_model_error(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, llm_timeout_s=2)
    llm = LLM(settings, model="openai/x", api_base="http://127.0.0.1:9/v1", api_key="k")
    with pytest.raises(ModelError, match="failed|timed out"):
        llm.generate(messages=MSG, schema=Answer)


def test_prompt_is_prefilled_only_while_litellm_is_still_loading(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from coach.llm import client as client_mod

    seen: list[list[dict[str, str]]] = []
    llm = client(server, tmp_path, cache=True, prefill=seen.append)
    monkeypatch.setattr(client_mod, "_loaded", None)  # as on a cold start: the import is still under way
    server.queue = ['{"objective": "Reps close bigger deals", "confidence": 1}',
                    '{"objective": "Second sample, no prefill", "confidence": 1}']
    llm.generate(messages=MSG, schema=Answer, n=2, seed=1)
    assert seen == [MSG]  # once, with exactly the messages the request then sends
    assert server.requests[0]["body"]["messages"] == MSG
    assert gc.isenabled()  # the import pauses the collector and must turn it back on
    llm.generate(messages=MSG, schema=Answer, n=1, seed=1)  # a cache hit: nothing to prefill
    assert seen == [MSG] and llm.last_usage.cache_hits == 1


def test_a_failing_prefill_does_not_fail_the_request(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from coach.llm import client as client_mod

    def broken(_messages: list[dict[str, str]]) -> None:
        raise RuntimeError("native server hiccup")

    monkeypatch.setattr(client_mod, "_loaded", None)
    server.queue = ['{"objective": "Buyers answer within a day", "confidence": 1}']
    out = client(server, tmp_path, prefill=broken).generate(messages=MSG, schema=Answer)
    assert out[0].objective == "Buyers answer within a day" and len(server.requests) == 1
