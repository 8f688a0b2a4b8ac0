"""Rate limits over real HTTP: anonymous callers are limited by default (tighter on the model-backed paths),
library endpoints count too, keys are counted in Redis across apps; a big YAML body is parsed once, by libyaml."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from coach.api import create_app
from coach.api.services import _ModelDown
from coach.api.testing import serve_in_thread
from coach.settings import Settings
from coach.store import create_key, open_database
from tests._services import redis_url
from tests.test_api import SET, assert_envelope


def test_anonymous_callers_are_limited_by_default() -> None:
    defaults = Settings()
    assert defaults.anonymous_rate_limit_per_minute > 0 and defaults.anonymous_model_rate_limit_per_minute > 0
    assert defaults.anonymous_model_rate_limit_per_minute < defaults.anonymous_rate_limit_per_minute


def test_model_backed_paths_have_their_own_tighter_anonymous_limit(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    app = create_app(Settings(home=home, anonymous_rate_limit_per_minute=50, anonymous_model_rate_limit_per_minute=2),
                     llm=_ModelDown("the model is off in this test"))
    with serve_in_thread(app) as url:
        assert httpx.post(url + "/v1/critique", json={**SET, "coach": True}, timeout=60).status_code == 200
        rewrite = {**SET, "objective_index": 0}
        assert httpx.post(url + "/v1/rewrite", json=rewrite, timeout=60).status_code == 200
        # the third model-backed request in the minute, whichever path it takes, is refused before any work
        r = httpx.post(url + "/v1/draft", json={"role": "Account executive"}, timeout=60)
        body = assert_envelope(r, 429, "rate_limited")
        assert "model-backed" in body["message"] and "API key" in body["hint"] and int(r.headers["retry-after"]) >= 1
        assert_envelope(httpx.post(url + "/v1/critique", json={**SET, "coach": True}, timeout=60), 429)
        # the rubric alone is not model-backed: still allowed under the general anonymous limit
        assert httpx.post(url + "/v1/critique", json=SET, timeout=60).status_code == 200


def test_library_endpoints_count_against_the_anonymous_limit_but_healthz_does_not(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    with serve_in_thread(create_app(Settings(home=home, anonymous_rate_limit_per_minute=3))) as url:
        codes = [httpx.get(url + path, timeout=60).status_code for path in ("/v1/rubric", "/v1/roles", "/v1/rubric",
                                                                          "/v1/roles")]
        assert codes == [200, 200, 200, 429]
        assert [httpx.get(url + "/healthz").status_code for _ in range(5)] == [200] * 5


def test_a_keys_limit_in_redis_holds_across_two_apps(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Two apps (as two workers or machines would be) with one store and one Redis share each key's window."""
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    settings = Settings(home=home, redis_url=redis_url())
    key = create_key(open_database(settings.database), name="shared-limit", rate_per_minute=4).key
    h = {"X-API-Key": key}
    with serve_in_thread(create_app(settings)) as a, serve_in_thread(create_app(settings)) as b:
        codes = [httpx.get((a, b)[i % 2] + "/v1/sets", headers=h).status_code for i in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]


def test_when_redis_goes_away_limits_fall_back_to_this_process(tmp_path_factory: pytest.TempPathFactory) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    settings = Settings(home=home, redis_url=f"redis://127.0.0.1:{port}/0")
    key = create_key(open_database(settings.database), name="no-redis", rate_per_minute=2).key
    with serve_in_thread(create_app(settings)) as url:
        codes = [httpx.get(url + "/v1/sets", headers={"X-API-Key": key}, timeout=60).status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # still limited, not unlimited and not an error


def test_a_yaml_body_is_parsed_once_by_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.io import loads, structured

    assert yaml.__with_libyaml__, "PyYAML without libyaml: big YAML bodies cost 10x more CPU"
    assert structured._Loader is yaml.CSafeLoader
    made: list[Any] = []

    class Counting(yaml.CSafeLoader):
        def __init__(self, stream: Any) -> None:
            made.append(stream)
            super().__init__(stream)

    monkeypatch.setattr(structured, "_Loader", Counting)
    monkeypatch.setattr(yaml, "compose", lambda *a, **k: pytest.fail("a second, pure-Python parse"))
    monkeypatch.setattr(yaml, "safe_load_all", lambda *a, **k: pytest.fail("a second, pure-Python parse"))
    text = "period: 2026-Q3\nobjectives:\n" + "".join(
        f"  - title: Customers renew because onboarding takes days, not weeks ({i})\n"
        f"    key_results:\n      - Cut median onboarding from {i + 20} days to {i + 5} days\n" for i in range(150))
    okrs = loads(text, "yaml", max_bytes=2_000_000)
    assert len(made) == 1 and len(okrs.objectives) == 150


def test_a_one_megabyte_yaml_text_gets_its_answer_from_one_parse(tmp_path_factory: pytest.TempPathFactory,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Over HTTP: a ~1 MB YAML text inside the body limit is answered (report or 4xx), parsed once."""
    from coach.io import structured

    parses: list[int] = []

    class Counting(yaml.CSafeLoader):
        def __init__(self, stream: Any) -> None:
            parses.append(len(stream))
            super().__init__(stream)

    monkeypatch.setattr(structured, "_Loader", Counting)
    line = "      - Raise weekly active accounts from 1200 to 1500 by the end of the quarter\n"
    block = "  - title: Teams adopt the new planning flow without help\n    key_results:\n" + line * 5
    text = "period: 2026-Q3\nobjectives:\n" + block * (990_000 // len(block))
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    with serve_in_thread(create_app(Settings(home=home, anonymous_rate_limit_per_minute=0))) as url:
        r = httpx.post(url + "/v1/critique", json={"text": text, "format": "yaml"}, timeout=120)
    assert r.status_code in (200, 413, 422), r.text[:300]
    assert parses == [len(text)]
