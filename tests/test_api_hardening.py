"""Hardening over real HTTP: schemathesis against the OpenAPI spec, hypothesis on the readers, a bounded load test."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from collections import Counter

from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from coach.api import create_app
from coach.api.schemas import CheckInRequest, CritiqueRequest, RewriteRequest, SetRequest
from coach.api.testing import serve_in_thread
from coach.llm.fake import FakeLLM
from coach.settings import Settings
from coach.store import create_key, open_database
from tests.okr_strategies import ANY_TEXT, Reached, damaged, okr_sets, texts_in_any_format
from tests.test_api import MARKDOWN, NO_ANON_LIMITS, SET, YAML, assert_envelope

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
    # DELETE /v1/keys/current deletes the very key the other requests use; it has its own tests (test_api_sets).
    return sorted(f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops
                  if f"{m.upper()} {p}" != "DELETE /v1/keys/current")


@pytest.fixture(scope="module")
def saved_set(client: httpx.Client, key: str) -> str:
    """A saved set of the fuzzing key, so generated requests for /v1/sets/{set_id}/... can reach a real set."""
    r = client.post("/v1/sets", json={"name": "fuzzed", **SET}, headers={"X-API-Key": key})
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


STATUS_COUNTS: dict[str, Counter[int]] = {}


def _new_set(url: str, key: str) -> str:
    r = httpx.post(f"{url}/v1/sets", json={"name": "to delete", **SET}, headers={"X-API-Key": key}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _examples(model: Any) -> list[dict[str, Any]]:
    return list((model.model_config.get("json_schema_extra") or {}).get("examples", []))


# The request bodies documented in the OpenAPI schema (the examples /docs shows).
_BODY_EXAMPLES = {
    "POST /v1/critique": _examples(CritiqueRequest), "POST /v1/rewrite": _examples(RewriteRequest),
    "POST /v1/sets": _examples(SetRequest), "PUT /v1/sets/{set_id}": _examples(SetRequest),
    "POST /v1/sets/{set_id}/checkins": _examples(CheckInRequest),
}


@pytest.mark.parametrize("label", _operations())
def test_no_request_the_spec_allows_gets_a_server_error(api_schema: Any, server: tuple[str, Any], key: str,
                                                        saved_set: str, label: str) -> None:
    """Every operation, with generated bodies and parameters, answers without a 5xx and as documented.

    Three in four requests to a /v1/sets/{set_id} path use a set that exists (a random id is always a 404), and
    the statuses are counted: the summary test below checks that most requests got past validation.
    """
    operation = api_schema.find_operation_by_label(label)
    counts = STATUS_COUNTS.setdefault(label, Counter())

    examples = _BODY_EXAMPLES.get(label, [])

    @settings(max_examples=8, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), real=st.integers(0, 3))
    def check(case: Any, real: int) -> None:
        params = case.path_parameters or {}
        if "set_id" in params and real:
            # A delete gets a set of its own: deleting the shared one would turn every later request into a 404.
            params["set_id"] = _new_set(server[0], key) if label.startswith("DELETE") else saved_set
            if "version" in params:
                params["version"] = 1
        if examples and real >= 2:  # half the bodies are the documented examples, so the handler itself runs
            case.body = examples[real % len(examples)]
        response = case.call_and_validate(base_url=server[0], headers={"X-API-Key": key}, timeout=30,
                                          checks=[not_a_server_error, response_schema_conformance])
        counts[response.status_code] += 1
        event(f"{label}: {response.status_code}")

    check()


def test_most_generated_api_requests_reach_the_code_under_test() -> None:
    """Across the spec-driven requests above, a majority answered 2xx (got past validation and lookup)."""
    if not STATUS_COUNTS:
        pytest.skip("the spec-driven tests did not run in this session")
    total = sum(sum(c.values()) for c in STATUS_COUNTS.values())
    ok = sum(n for c in STATUS_COUNTS.values() for s, n in c.items() if 200 <= s < 300)
    for label, c in sorted(STATUS_COUNTS.items()):
        print(f"{label}: {dict(sorted(c.items()))}")
    print(f"spec-driven requests: {ok} of {total} answered 2xx")
    assert ok * 2 > total, STATUS_COUNTS


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)


@pytest.fixture(scope="module")
def client(server: tuple[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], timeout=30) as c:
        yield c


def _ok_or_envelope(r: httpx.Response) -> None:
    assert r.status_code in (200, 413, 422), r.text
    if r.status_code != 200:
        assert_envelope(r, r.status_code)


def test_any_text_in_any_format_is_a_report_or_an_input_error(client: httpx.Client) -> None:
    """Sets in every format, damaged ones and arbitrary text: a report or a 413/422 envelope; most get a report."""
    seen = Reached("critique text")

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case=texts_in_any_format())
    def check(case: tuple[str, str]) -> None:
        text, fmt = case
        r = client.post("/v1/critique", json={"text": text, "format": fmt})
        _ok_or_envelope(r)
        seen("reached" if r.status_code == 200 else f"{r.status_code}")
        if r.status_code == 200:
            assert 0 <= r.json()["score"] <= 100 and r.json()["objectives"]

    check()
    seen.assert_majority()


def test_damaged_sets_in_every_format_never_break_the_server(client: httpx.Client) -> None:
    """Valid sets with characters spliced in anywhere: the readers' edge cases. Most splices leave a readable set."""
    seen = Reached("critique damaged text")

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case=damaged())
    def check(case: tuple[str, str]) -> None:
        text, fmt = case
        r = client.post("/v1/critique", json={"text": text, "format": fmt})
        _ok_or_envelope(r)
        seen("reached" if r.status_code == 200 else f"{r.status_code}")

    check()
    seen.assert_majority()


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
                       lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4), max_leaves=20)


def test_any_json_shape_is_a_report_or_an_input_error(client: httpx.Client) -> None:
    """Sets as JSON fields, valid ones (with hostile text in them) and any JSON in their place: a report with
    every objective scored, or a 422 envelope. Most are valid sets and get the report."""
    seen = Reached("critique JSON body")
    odd = st.fixed_dictionaries({"objectives": st.lists(st.fixed_dictionaries({"title": JSONISH, "key_results": JSONISH}),
                                                        max_size=3)},
                                optional={k: JSONISH for k in ("period", "team", "owner", "role", "focus_area")})

    # Three in four bodies are sets (one in those with hostile text); the rest is any JSON in a set's place.
    kind = st.sampled_from(["set", "hostile", "set", "odd"])
    strategies = {"set": okr_sets(), "hostile": okr_sets(ANY_TEXT.filter(str.strip)), "odd": odd}

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(body=kind.flatmap(strategies.__getitem__))
    def check(body: dict) -> None:
        r = client.post("/v1/critique", json=body)
        _ok_or_envelope(r)
        seen("reached" if r.status_code == 200 else f"{r.status_code}")
        if r.status_code == 200:
            assert len(r.json()["objectives"]) == len(body["objectives"])

    check()
    seen.assert_majority()


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

    with ThreadPoolExecutor(8) as pool:
        failures = [x for bad in pool.map(worker, range(8)) for x in bad]
    assert failures == []  # how fast is for benchmarks/bench_api.py, not for a test on a busy machine


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]" for p, n in zip("abcdef", "bcdefg")]
    + ["objectives:", "  - title: x", "    key_results: *g", ""])


def test_yaml_alias_bombs_are_refused_not_expanded(client: httpx.Client) -> None:
    """Seven nested aliases stand for millions of nodes: the reader sizes them and answers 413 instead."""
    r = client.post("/v1/critique", json={"text": BILLION_LAUGHS, "format": "yaml"})
    assert_envelope(r, 413)
    assert "alias" in r.json()["error"]["message"]


def test_deeply_nested_or_undecodable_bodies_are_client_errors(client: httpx.Client) -> None:
    for raw in (b"[" * 100_000, b'{"text": "\xff\xfe"}'):
        r = client.post("/v1/critique", content=raw, headers={"content-type": "application/json"})
        assert_envelope(r, 400 if r.status_code == 400 else 422)


def test_lone_surrogates_and_odd_number_fields_are_answered_not_crashed(client: httpx.Client, key: str) -> None:
    """JSON escapes a UTF-8 answer cannot hold, and a value that is an object where a number belongs."""
    lone = b'{"objectives": [{"title": "Grow \\ud800 repeat orders", "key_results": ["Raise NPS from 20 to 40"]}]}'
    r = client.post("/v1/critique", content=lone, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["objectives"][0]["title"] == "Grow \ufffd repeat orders"  # marked, not dropped
    pair = b'{"objectives": [{"title": "Grow \\ud83d\\ude00", "key_results": ["Raise NPS from 20 to 40"]}]}'
    assert client.post("/v1/critique", content=pair, headers={"content-type": "application/json"}).json()[
        "objectives"][0]["title"] == "Grow \U0001F600"
    r = client.post("/v1/draft", content=b'{"role": "Nurse \\udc00 manager"}', headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    h = {"x-api-key": key, "content-type": "application/json"}
    r = client.post("/v1/sets", content=lone, headers=h)
    assert r.status_code == 201, r.text
    r = client.post(f"/v1/sets/{r.json()['id']}/checkins", headers=h,
                    content=b'{"values": [{"objective_index": 0, "kr_index": 0, "value": 30}], "note": "odd \\udfff"}')
    assert r.status_code in (200, 201), r.text
    for bad in ({}, [1], "abc"):
        body = {"objectives": [{"title": "Grow", "key_results": [{"text": "Raise NPS to 40", "current": bad}]}]}
        r = client.post("/v1/critique", json=body)
        assert_envelope(r, 422)
        assert "must be a number" in r.json()["error"]["message"]


def test_only_json_bodies_with_a_surrogate_escape_are_walked_for_lone_surrogates() -> None:
    from coach.models import OKRSet, utf8_safe_context

    assert utf8_safe_context(b'{"objectives": [{"title": "Caf\\u00e9 regulars come back"}]}') == {"utf8_safe": True}
    assert utf8_safe_context(b'{"objectives": [{"title": "x \\ud800"}]}') is None
    assert utf8_safe_context(b'{"t": "\\uDBFF\\uDFFF"}') is None  # a pair: walked, and kept as its character
    lone = {"objectives": [{"title": "Grow \ud800", "key_results": ["Raise NPS from 30 to 40"]}]}
    assert OKRSet.model_validate(lone).objectives[0].title == "Grow \ufffd"
