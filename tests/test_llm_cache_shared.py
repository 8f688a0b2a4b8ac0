"""The model-answer cache: SQLite on one machine, Redis when OKR_COACH_REDIS_URL is set (shared by every worker
and instance), and a cache that fails is skipped, never fatal."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

from coach.llm.cache import RedisResponseCache, ResponseCache, open_cache, request_key
from coach.settings import Settings
from tests._services import redis_url


def test_the_cache_follows_the_settings(tmp_path: Path) -> None:
    assert open_cache(Settings(home=tmp_path, llm_cache=False)) is None
    assert isinstance(open_cache(Settings(home=tmp_path)), ResponseCache)
    assert isinstance(open_cache(Settings(home=tmp_path, redis_url="redis://127.0.0.1:1/0")), RedisResponseCache)


def test_an_answer_cached_by_one_instance_is_found_by_another() -> None:
    url = redis_url()
    key = request_key({"model": "test", "messages": [{"role": "user", "content": str(uuid.uuid4())}]})
    one, two = RedisResponseCache(url), RedisResponseCache(url)
    assert two.get(key) is None
    one.put(key, "openai/test", '{"objective": "Customers renew"}', {"prompt_tokens": 12, "completion_tokens": 5})
    assert two.get(key) == ('{"objective": "Customers renew"}', {"prompt_tokens": 12, "completion_tokens": 5})
    ttl = two._client.ttl(two.prefix + key)
    assert 0 < ttl <= two.ttl_s  # entries expire: a shared cache does not grow for ever


def test_a_redis_that_is_gone_is_skipped_not_fatal() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = RedisResponseCache(f"redis://127.0.0.1:{port}/0")
    cache.put("k", "m", "answer", {})  # no exception
    assert cache.get("k") is None
