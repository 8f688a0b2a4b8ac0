"""Hardening over real HTTP: schemathesis against the OpenAPI spec, hypothesis on the readers, a bounded load test."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from coach.api import create_app
from coach.api.testing import serve_in_thread
from coach.llm.fake import FakeLLM
from coach.settings import Settings
from coach.store import create_key, open_database
from tests.test_api import CSV, MARKDOWN, NO_ANON_LIMITS, SET, YAML, assert_envelope

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extra")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    # no answers: model calls fall back
    app = create_app(Settings(home=home, request_timeout_s=5.0, **NO_ANON_LIMITS), llm=FakeLLM())
    with serve_in_thread(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def key(server: tuple[str, Any]) -> str:
    return create_key(open_database(server[1].state.settings.db_path), name="fuzz", rate_per_minute=100_000).key


@pytest.fixture(scope="module")
def api_schema(server: tuple[str, Any]) -> Any:
    return schemathesis.openapi.from_url(server[0] + "/openapi.json")


def _operations() -> list[str]:
    """Every documented operation, read from a throwaway app (collection happens before fixtures run)."""
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        spec = create_app(Settings(home=home)).openapi()
    return sorted(f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops)


@pytest.mark.parametrize("label", _operations())
def test_no_request_the_spec_allows_gets_a_server_error(api_schema: Any, server: tuple[str, Any], key: str,
                                                        label: str) -> None:
    """Every operation, with generated bodies and parameters, answers without a 5xx and as documented."""
    operation = api_schema.find_operation_by_label(label)

    @settings(max_examples=8, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        case.call_and_validate(base_url=server[0], headers={"X-API-Key": key}, timeout=30,
                               checks=[not_a_server_error, response_schema_conformance])

    check()


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
FORMATS = st.sampled_from(["auto", "yaml", "json", "markdown", "csv"])


@pytest.fixture(scope="module")
def client(server: tuple[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], timeout=30) as c:
        yield c


def _ok_or_envelope(r: httpx.Response) -> None:
    assert r.status_code in (200, 413, 422), r.text
    if r.status_code != 200:
        assert_envelope(r, r.status_code)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(text=TEXT, fmt=FORMATS)
def test_any_text_in_any_format_is_a_report_or_an_input_error(client: httpx.Client, text: str, fmt: str) -> None:
    _ok_or_envelope(client.post("/v1/critique", json={"text": text, "format": fmt}))


def _mutations() -> st.SearchStrategy[str]:
    """Valid sets in every format, cut short or with characters spliced in: the readers' edge cases."""
    base = st.sampled_from([YAML, MARKDOWN, CSV, json.dumps(SET)])
    return st.builds(lambda t, i, junk: t[:i] + junk + t[i:], base, st.integers(0, 400), TEXT.map(lambda s: s[:20]))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(text=_mutations(), fmt=FORMATS)
def test_damaged_sets_in_every_format_never_break_the_server(client: httpx.Client, text: str, fmt: str) -> None:
    _ok_or_envelope(client.post("/v1/critique", json={"text": text, "format": fmt}))


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
                       lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4), max_leaves=20)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(objectives=st.lists(st.fixed_dictionaries({"title": JSONISH, "key_results": JSONISH}), max_size=3),
       extra=st.dictionaries(st.sampled_from(["period", "team", "owner", "role", "focus_area"]), JSONISH))
def test_any_json_shape_is_a_report_or_an_input_error(client: httpx.Client, objectives: list, extra: dict) -> None:
    _ok_or_envelope(client.post("/v1/critique", json={**extra, "objectives": objectives}))


def test_a_bounded_load_has_zero_errors(client: httpx.Client, server: tuple[str, Any]) -> None:
    """400 critiques from 8 concurrent clients, in three input shapes: every one answers 200 with the same report."""
    bodies = [SET, {"text": YAML, "format": "yaml"}, {"text": MARKDOWN}]
    expected = [client.post("/v1/critique", json=b).json() for b in bodies]

    def worker(n: int) -> list[int]:
        bad = []
        with httpx.Client(base_url=server[0], timeout=30) as c:
            for i in range(50):
                j = (n + i) % 3
                r = c.post("/v1/critique", json=bodies[j])
                if r.status_code != 200 or r.json() != expected[j]:
                    bad.append(r.status_code)
        return bad

    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        failures = [x for bad in pool.map(worker, range(8)) for x in bad]
    elapsed = time.perf_counter() - t0
    assert failures == []
    assert elapsed < 60, f"400 critiques took {elapsed:.1f}s"


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdef", "bcdefg")]
    + ["objectives:", "  - title: x", "    key_results: *g", ""])


def test_yaml_alias_bombs_are_answered_at_once(client: httpx.Client) -> None:
    """Nine nested aliases expand to millions of nodes; the reader must not walk them."""
    t0 = time.perf_counter()
    _ok_or_envelope(client.post("/v1/critique", json={"text": BILLION_LAUGHS, "format": "yaml"}))
    assert time.perf_counter() - t0 < 3


def test_deeply_nested_or_undecodable_bodies_are_client_errors(client: httpx.Client) -> None:
    for raw in (b"[" * 100_000, b'{"text": "\xff\xfe"}'):
        r = client.post("/v1/critique", content=raw, headers={"content-type": "application/json"})
        assert_envelope(r, 400 if r.status_code == 400 else 422)
