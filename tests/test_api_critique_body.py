"""POST /v1/critique reads its body its own way (coach/api/routes/coach.py, CritiqueRoute): every answer must be the
one FastAPI's own body handling gives, over real HTTP (and, for a body that cannot be read to its end, through the ASGI interface).

Two servers on the same settings: the app as shipped, and the same app with /v1/critique served by a plain APIRoute
over the same endpoint (FastAPI parses and validates the body, as before CritiqueRoute existed). Each request goes to
both, in the same order (so their report caches stay alike); status, headers and body must match byte for byte.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import Request, Response
from fastapi.routing import APIRoute

from coach.api import create_app
from coach.api.routes import coach as coach_routes
from coach.api.schemas import CritiqueRequest, CritiqueResponse
from coach.api.testing import serve_in_thread
from coach.settings import Settings
from tests._coach_fakes import ScriptedLLM

SET = {"period": "2026-Q3", "team": "Sales", "objectives": [
    {"title": "Customers choose us first when they renew",
     "key_results": ["Raise win rate from 21% to 30%", {"text": "Grow pipeline coverage from 2x to 3x", "current": 2.5}]},
    {"title": "Implement a new CRM", "key_results": ["Make 600 calls", "Raise NPS to 40"]},
]}
YAML = "objectives:\n  - title: Launch the portal\n    key_results: [Publish 3 guides, Train 20 staff]\n"
MAX_INPUT = 20_000
JSON = {"content-type": "application/json"}


def _j(value: Any) -> bytes:
    return json.dumps(value).encode()


def _with(**changes: Any) -> bytes:
    return _j({**SET, **changes})


def _kr(value: Any) -> bytes:
    return _j({"objectives": [{"title": "Grow the base", "key_results": [{"text": "Raise NPS to 40", "current": value}]}]})


# (what it is, body, headers): sent in this order to both servers.
CASES: list[tuple[str, bytes, dict[str, str]]] = [
    ("valid", _j(SET), JSON),
    ("valid again (a cached report)", _j(SET), JSON),
    ("the cached body as text/plain", _j(SET), {"content-type": "text/plain"}),
    ("the cached body without a content type", _j(SET), {}),
    ("the cached body with a charset", _j(SET), {"content-type": "application/json; charset=utf-8"}),
    ("the cached body as +json", _j(SET), {"content-type": "application/vnd.okr+json"}),
    ("the cached body in capitals", _j(SET), {"content-type": "Application/JSON"}),
    ("the cached body as a form", _j(SET), {"content-type": "application/x-www-form-urlencoded"}),
    ("a new body as text/plain", _with(period="2026-Q4"), {"content-type": "text/plain"}),
    ("a new body without a content type", _with(period="2027-Q1"), {}),
    ("text in YAML", _j({"text": YAML, "format": "yaml"}), JSON),
    ("text, format guessed, team beside it", _j({"text": YAML, "team": "Portal"}), JSON),
    ("one objective on its own", _j({"objectives": [{"title": "Grow", "key_results": ["Sign 15 new logos"]}]}), JSON),
    ("key results as objects", _kr(35), JSON),
    ("a number as a key result", _j({"objectives": [{"title": "Grow", "key_results": [12, "Raise NPS to 40"]}]}), JSON),
    ("whitespace to clean", _j({"objectives": [{"title": "  Grow \n the\tbase ", "key_results": [" Raise  NPS to 40 "]}]}),
     JSON),
    ("a misspelled key (a note)", _j({"objectives": [{"titel": "x", "title": "Grow", "key_results": ["Sign 9 logos"]}]}),
     JSON),
    ("a glossary", _with(glossary={"NPS": "net promoter score"}), JSON),
    ("extra keys on an objective and a key result",
     _j({"objectives": [{"title": "Grow", "mission": "m", "key_results": [{"text": "Raise NPS to 40", "why": "x"}]}]}),
     JSON),
    ("null fields", _j({"period": None, "objectives": [{"title": "Grow", "owner": None, "key_results": None}]}), JSON),
    ("coach asked (the model fails: rubric-only)", _with(coach=True), JSON),
    ("coach false said", _with(coach=False), JSON),
    ("duplicate keys", b'{"objectives": [], "objectives": [{"title": "Grow", "key_results": ["Raise NPS to 40"]}]}', JSON),
    ("broken JSON", b'{"objectives": [', JSON),
    ("a trailing comma", b'{"objectives": [{"title": "Grow", "key_results": ["a"]},]}', JSON),
    ("not UTF-8", b'\xff\xfe{\x00}\x00', JSON),
    ("NaN", b'{"objectives": [{"title": "Grow", "key_results": [{"text": "a", "current": NaN}]}]}', JSON),
    ("deep nesting", b"[" * 60_000, JSON),
    ("a lone surrogate", b'{"objectives": [{"title": "Grow \\ud800", "key_results": ["Raise NPS to 40"]}]}', JSON),
    ("empty body", b"", JSON),
    ("empty body without a content type", b"", {}),
    ("null", b"null", JSON),
    ("a list", _j([{"title": "Grow", "key_results": ["a"]}]), JSON),
    ("a string", _j("objectives"), JSON),
    ("a number", b"12", JSON),
    ("no objectives", _j({}), JSON),
    ("only a period", _j({"period": "2026-Q3"}), JSON),
    ("empty objectives", _j({"objectives": []}), JSON),
    ("objectives not a list", _j({"objectives": "x"}), JSON),
    ("a title that is a number", _j({"objectives": [{"title": 5, "key_results": ["a"]}]}), JSON),
    ("an empty title", _j({"objectives": [{"title": "  ", "key_results": ["a"]}]}), JSON),
    ("a current that is text", _kr("abc"), JSON),
    ("a current that is true", _kr(True), JSON),
    ("a current that is an object", _kr({}), JSON),
    ("a current that is a list", _kr([1]), JSON),
    ("a current too big for a float", b'{"objectives": [{"title": "G", "key_results": [{"text": "a", "current": 1e400}]}]}',
     JSON),
    ("coach not a boolean", _with(coach="maybe"), JSON),
    ("an unknown format", _j({"text": "a", "format": "docx"}), JSON),
    ("text and objectives both", _with(text=YAML), JSON),
    ("text in broken YAML", _j({"text": "objectives: [", "format": "yaml"}), JSON),
    ("too many objectives", _j({"objectives": [{"title": f"Goal {i}", "key_results": ["a"]} for i in range(201)]}), JSON),
    ("a title over the limit", _j({"objectives": [{"title": "word " * 500, "key_results": ["a"]}]}), JSON),
    ("text over the input limit", _j({"text": YAML * (MAX_INPUT // len(YAML) + 2)}), JSON),
    ("an unknown key", _j(SET), {**JSON, "authorization": "Bearer no-such-key"}),
    ("an unknown key and an invalid body", _j({"objectives": "x"}), {**JSON, "authorization": "Bearer no-such-key"}),
    ("an unknown key and broken JSON", b"{", {**JSON, "x-api-key": "no-such-key"}),
]


def _reference(app: Any) -> list[int]:
    """Serve /v1/critique through FastAPI's own body handling, ahead of the shipped route; count its calls."""
    calls: list[int] = []

    async def critique(body: CritiqueRequest, request: Request) -> Response:
        calls.append(1)
        return await coach_routes.critique(body, request)

    app.router.routes.insert(0, APIRoute("/v1/critique", critique, methods=["POST"], response_model=CritiqueResponse))
    return calls


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[int]]]:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    from coach.corpus.index import get_index

    get_index(Settings(home=home))  # built once here: not inside the coached request, where it could use its budget
    settings = dict(home=home, max_input_bytes=MAX_INPUT, anonymous_rate_limit_per_minute=0,
                    anonymous_model_rate_limit_per_minute=0)
    shipped = create_app(Settings(**settings), llm=ScriptedLLM())
    reference = create_app(Settings(**settings), llm=ScriptedLLM())
    calls = _reference(reference)
    with serve_in_thread(shipped) as a, serve_in_thread(reference) as b:
        yield a, b, calls


def _answer(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    r = client.post(url + "/v1/critique", content=body, headers=headers)
    return r.status_code, {k: v for k, v in r.headers.items() if k != "date"}, r.content


def test_every_body_gets_fastapis_own_answer(servers: tuple[str, str, list[int]]) -> None:
    shipped, reference, calls = servers
    seen: dict[int, int] = {}
    with httpx.Client(timeout=60) as client:
        for what, body, headers in CASES:
            got = _answer(client, shipped, body, headers)
            want = _answer(client, reference, body, headers)
            assert got == want, what
            seen[got[0]] = seen.get(got[0], 0) + 1
    # The cases reach every kind of answer, and the reference really is FastAPI's handler calling the endpoint.
    assert {200, 400, 401, 413, 422} <= set(seen), seen
    assert seen[200] >= 15 and seen[422] >= 15, seen
    assert len(calls) >= seen[200]


def test_a_cached_report_is_the_report_and_only_for_the_same_bytes(servers: tuple[str, str, list[int]]) -> None:
    shipped, _, _ = servers
    body = _with(period="2031-Q2")
    with httpx.Client(timeout=60) as client:
        first = client.post(shipped + "/v1/critique", content=body, headers=JSON)
        again = client.post(shipped + "/v1/critique", content=body, headers=JSON)
        spaced = client.post(shipped + "/v1/critique", content=body + b" ", headers=JSON)
        as_text = client.post(shipped + "/v1/critique", content=body, headers={"content-type": "text/plain"})
    assert first.status_code == again.status_code == spaced.status_code == 200
    assert first.content == again.content == spaced.content
    assert first.json()["objectives"][0]["title"] == SET["objectives"][0]["title"]
    assert as_text.status_code == 422  # a cached report never answers a body FastAPI would refuse


def test_rate_limits_count_the_same_requests(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Invalid bodies are refused before the limit counts them, cached ones are counted: as FastAPI's order has it."""
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    settings = dict(home=home, anonymous_rate_limit_per_minute=3, anonymous_model_rate_limit_per_minute=0)
    shipped = create_app(Settings(**settings))
    reference = create_app(Settings(**settings))
    _reference(reference)
    sequence = [_j(SET), b"{", _j({"objectives": "x"}), _j(SET), b"", _with(period="2026-Q4"), _j(SET), b"{", _j(SET)]
    with serve_in_thread(shipped) as a, serve_in_thread(reference) as b, httpx.Client(timeout=60) as client:
        got = [_answer(client, a, body, JSON) for body in sequence]
        want = [_answer(client, b, body, JSON) for body in sequence]
    assert [g[0] for g in got] == [200, 422, 422, 200, 422, 200, 429, 422, 429]
    for g, w in zip(got, want):
        assert g[0] == w[0] and g[2] == w[2]
        assert {k: v for k, v in g[1].items() if k != "retry-after"} == {k: v for k, v in w[1].items() if k != "retry-after"}


def test_the_report_cache_can_be_turned_off(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    app = create_app(Settings(home=home, report_cache_size=0, anonymous_rate_limit_per_minute=0))
    with serve_in_thread(app) as url, httpx.Client(timeout=60) as client:
        first = client.post(url + "/v1/critique", content=_j(SET), headers=JSON)
        again = client.post(url + "/v1/critique", content=_j(SET), headers=JSON)
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert app.state.report_cache.size == 0 and not app.state.report_cache._items


def _over_asgi(app: Any, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the app sends for a request whose body arrives as these messages (then the client waits)."""
    sent: list[dict[str, Any]] = []
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/critique", "raw_path": b"/v1/critique", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    return sent


@pytest.mark.parametrize("messages", [
    # Streamed without a Content-Length, past the body limit: the limit stops the read halfway (a 413).
    [{"type": "http.request", "body": b" " * 50_000, "more_body": True}] * 3,
    # The client goes away in the middle of the body.
    [{"type": "http.request", "body": b'{"objectives": [', "more_body": True}, {"type": "http.disconnect"}],
], ids=["over the limit while streaming", "client gone"])
def test_a_body_that_cannot_be_read_is_fastapis_to_answer(messages: list[dict[str, Any]],
                                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    """Over real HTTP these race the server closing the connection; over ASGI they are exact."""
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    settings = dict(home=home, max_input_bytes=MAX_INPUT, anonymous_rate_limit_per_minute=0)
    shipped = create_app(Settings(**settings))
    reference = create_app(Settings(**settings))
    _reference(reference)
    got, want = _over_asgi(shipped, messages), _over_asgi(reference, messages)
    assert got == want
    assert got[0]["type"] == "http.response.start" and got[0]["status"] in (400, 413)
