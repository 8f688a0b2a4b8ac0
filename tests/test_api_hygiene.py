"""HTTP hygiene over real HTTP: security headers on every response, the Host check against DNS rebinding, the
500 envelope, a model that cannot start, reader notes in the report, and one fallback prefix."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from coach.api import create_app
from coach.api.testing import serve_in_thread
from coach.settings import Settings, settings_from_env
from tests.test_api import SET, assert_envelope


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    app = create_app(Settings(home=home, max_input_bytes=2000))

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("an unexpected failure inside a route")

    with serve_in_thread(app) as url:
        yield url, app


@pytest.fixture
def client(server: tuple[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], timeout=60) as c:
        yield c


def _assert_hygiene(r: httpx.Response) -> None:
    h = r.headers
    assert "frame-ancestors 'none'" in h["content-security-policy"], (r.request.url, dict(h))
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-frame-options"] == "DENY"


@pytest.mark.parametrize("method,path,body,status", [
    ("GET", "/", None, 200),
    ("GET", "/static/app.js", None, 200),
    ("GET", "/static/app.css", None, 200),
    ("GET", "/favicon.ico", None, 200),
    ("GET", "/healthz", None, 200),
    ("GET", "/openapi.json", None, 200),
    ("GET", "/docs", None, 200),
    ("GET", "/v1/rubric", None, 200),
    ("POST", "/v1/critique", SET, 200),
    ("POST", "/v1/critique", {"text": "objectives: ["}, 422),
    ("POST", "/v1/critique", {"text": "x" * 100_000}, 413),
    ("GET", "/no/such/page", None, 404),
    ("DELETE", "/v1/critique", None, 405),
    ("GET", "/boom", None, 500),
])
def test_every_response_carries_the_security_headers(client: httpx.Client, method: str, path: str, body: Any,
                                                     status: int) -> None:
    r = client.request(method, path, json=body)
    assert r.status_code == status
    _assert_hygiene(r)


def test_the_page_may_load_only_from_its_own_origin(client: httpx.Client) -> None:
    csp = client.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert client.get("/v1/rubric").headers["content-security-policy"].startswith("default-src 'none'")


def test_an_unexpected_exception_is_the_500_envelope(client: httpx.Client) -> None:
    r = client.get("/boom")
    assert_envelope(r, 500)
    err = r.json()["error"]
    assert err["code"] == "internal_error" and "bug in okr-coach" in err["hint"]
    assert "RuntimeError" not in r.text and "unexpected failure" not in r.text  # no internals leak out


@pytest.mark.parametrize("host", ["evil.example", "attacker.example:8000", "127.0.0.1.nip.io", "localhost.evil.example"])
def test_a_rebound_dns_name_is_refused(client: httpx.Client, host: str) -> None:
    """A page on evil.example whose DNS now points at 127.0.0.1 still sends Host: evil.example."""
    r = client.post("/v1/critique", json=SET, headers={"Host": host})
    assert_envelope(r, 400)
    assert r.json()["error"]["code"] == "untrusted_host" and "OKR_COACH_TRUSTED_HOSTS" in r.json()["error"]["hint"]
    _assert_hygiene(r)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:8000", "[::1]:8000", "localhost."])
def test_loopback_names_are_served(client: httpx.Client, host: str) -> None:
    assert client.get("/healthz", headers={"Host": host}).status_code == 200


def test_trusted_hosts_come_from_settings(tmp_path_factory: pytest.TempPathFactory,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKR_COACH_TRUSTED_HOSTS", "okr.example.com, *.corp.example")
    settings = settings_from_env()
    assert settings.trusted_hosts == ["okr.example.com", "*.corp.example"]
    app = create_app(settings.model_copy(update={"home": tmp_path_factory.getbasetemp() / "okr-coach-home"}))
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        assert c.get("/healthz", headers={"Host": "okr.example.com"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "team.corp.example:8443"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "corp.example.evil"}).status_code == 400
        assert c.get("/healthz", headers={"Host": "localhost"}).status_code == 400  # only what was configured


def test_reader_notes_reach_the_api_report(client: httpx.Client) -> None:
    body = {"objectives": [{"title": "Customers stay with us", "ownr": "Dana",
                            "key_results": ["Grow renewals from 70% to 85%"]}]}
    r = client.post("/v1/critique", json=body)
    assert r.status_code == 200
    assert r.json()["notes"] == ["body: unknown key `ownr` in objectives[0] was ignored; did you mean `owner`?"]
    text = "- Cut churn from 5% to 3%\n## Customers stay with us\n- Grow renewals from 70% to 85%\n"
    r = client.post("/v1/critique", json={"text": text, "format": "markdown"})
    assert any("before the first heading were ignored" in n for n in r.json()["notes"])


class _Blocking:
    model = "blocking"

    def __init__(self) -> None:
        self.release = threading.Event()

    def generate(self, **_: Any) -> list[Any]:
        self.release.wait(timeout=60)
        return []


def test_a_fallback_reason_says_its_prefix_once(tmp_path_factory: pytest.TempPathFactory) -> None:
    slow = _Blocking()
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    app = create_app(Settings(home=home, request_timeout_s=0.5), llm=slow)
    try:
        with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=60) as c:
            weak = {"objectives": [{"title": "Implement the new CRM",
                                    "key_results": ["Improve customer satisfaction", "Make 80 discovery calls a week"]}]}
            for path, body in (("/v1/draft", {"role": "Account Executive", "n": 1}),
                               ("/v1/critique", {**SET, "coach": True}),
                               ("/v1/rewrite", {**weak, "objective_index": 0, "kr_index": 0})):
                reason = c.post(path, json=body).json()["fallback_reason"]
                assert reason.count("model unavailable, rubric-only results:") == 1, (path, reason)
                assert "longer than 0.5s" in reason
    finally:
        slow.release.set()


def test_a_model_that_cannot_start_falls_back_and_says_so(tmp_path_factory: pytest.TempPathFactory,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured model's start-up fails (e.g. the llama.cpp server cannot start): rubric-only, with the cause."""
    def cannot_start(settings: Settings) -> Any:
        raise OSError("llama-server exited with status 1 before listening")

    monkeypatch.setattr("coach.llm.get_llm", cannot_start)
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    app = create_app(Settings(home=home))  # no model given: the configured one is started on first use
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        r = c.post("/v1/critique", json={**SET, "coach": True})
        assert r.status_code == 200
        body = r.json()
        assert body["llm_used"] is False and body["commentary"] == [] and body["score"] > 0
        assert body["fallback_reason"] == ("model unavailable, rubric-only results: cannot start the language model: "
                                           "llama-server exited with status 1 before listening")
        d = c.post("/v1/draft", json={"role": "Account Executive", "n": 2}).json()
        assert d["llm_used"] is False and d["drafts"] and "cannot start the language model" in d["fallback_reason"]
        assert all(x["source"] == "role_library" for x in d["drafts"])
