"""Draft, critique and rewrite against recorded answers of the real embedded model (SmolLM2 via llama.cpp).

The cassettes in tests/cassettes/ were recorded through litellm from the real local model; CI only replays
them (record mode "none": a request that is not in the cassette fails the test). Requests match on method,
path and body, so the random port and key of the recording server do not matter; the key is filtered out.
Re-record after changing a prompt or schema: OKR_COACH_RECORD=1 pytest tests/test_llm_cassettes.py
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import vcr

from coach.coach import DraftContext, critique, draft, rewrite
from coach.llm.client import LLM
from coach.llm.local import LOCAL_MODEL_NAME
from coach.models import OKRSet
from coach.rubric import review
from coach.settings import Settings

CASSETTES = Path(__file__).parent / "cassettes"
MINI = Path(__file__).parent / "data" / "cassette_corpus"
RECORD = os.environ.get("OKR_COACH_RECORD") == "1"

recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="all" if RECORD else "none",
    match_on=["method", "path", "body"],
    filter_headers=["authorization", "x-api-key", "api-key"],
    decode_compressed_response=True,
)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(MINI, corpus / "roles")
    # Recording on a busy machine: no client timeout gets in the way (replay never waits).
    return Settings(home=tmp_path / "home", corpus_dir=corpus, llm_cache=False, llm_max_retries=1,
                    llm_timeout_s=600 if RECORD else 60)


@pytest.fixture()
def library_settings(tmp_path: Path) -> Settings:
    """The whole built-in role library (rewrites are checked against it); the index comes from the seed that
    `okr-coach index` leaves beside the install, or is built once here."""
    return Settings(home=tmp_path / "home", llm_cache=False, llm_max_retries=1, llm_timeout_s=600 if RECORD else 60)


def _model(settings: Settings) -> LLM:
    if RECORD:
        from coach.llm.local import get_server

        server = get_server(settings.home)
        base, key = server.api_base, server.api_key
    else:
        base, key = "http://127.0.0.1:1/v1", "replayed"
    return LLM(settings, model=f"openai/{LOCAL_MODEL_NAME}", api_base=base, api_key=key,
               name=f"local:{LOCAL_MODEL_NAME}", llama_grammar=True)


@pytest.fixture()
def library_model(library_settings: Settings) -> LLM:
    return _model(library_settings)


@pytest.fixture()
def model(settings: Settings) -> Iterator[LLM]:
    """The real embedded server when recording; otherwise an address that is never contacted."""
    yield _model(settings)


WEAK_SET = {
    "period": "2026-Q3", "team": "Enterprise Sales", "role": "Account Executive",
    "focus_area": "Grow revenue in named accounts",
    "objectives": [{"title": "Implement the new CRM",
                    "key_results": ["Make 600 calls", "Improve customer satisfaction",
                                    "Raise win rate to 30%"]}],
}


def test_recorded_draft_choice_of_the_real_model(settings: Settings, model: LLM) -> None:
    """The embedded model votes for a library OKR; the draft stays a whole library OKR whatever it picks."""
    from coach.corpus.index import get_index

    with recorder.use_cassette("draft_account_executive.yaml"):
        # a metric no library key result measures: it joins every candidate, so the model's vote decides
        ctx = DraftContext(period="2026-Q3", team="Enterprise Sales", metrics=["hours spent updating the CRM per week=6"])
        res = draft(role="Account Executive", context=ctx,
                    n=2, settings=settings, llm=model, seed=7)
    assert res.llm_used and res.fallback_reason is None and res.model == f"local:{LOCAL_MODEL_NAME}"
    role = next(r for r in get_index(settings).roles if r.role == "Account Executive")
    library = {e.objective for e in role.good}
    assert res.drafts and {d.objective for d in res.drafts} <= library
    assert sum(d.model_choice for d in res.drafts) >= 1  # the recorded answers were valid votes
    for d in res.drafts:
        assert d.report == review(d.okrs) and d.score == d.report.score and d.sense.ok
        mine = [k for k in d.details if k.baseline is not None and k.baseline.source == "user"]
        assert len(mine) == 1 and mine[0].baseline.value == 6


def test_recorded_critique_keeps_the_topic_and_invents_no_number(library_settings: Settings,
                                                                 library_model: LLM) -> None:
    from coach.usecases.coaching import invents_numbers

    okrs = OKRSet.model_validate(WEAK_SET)
    with recorder.use_cassette("critique_weak_set.yaml"):
        res = critique(okrs, with_llm=True, settings=library_settings, llm=library_model)
    assert res.llm_used and res.fallback_reason is None
    assert res.report == review(okrs)  # rubric findings first, unchanged by the model
    assert res.commentary and all(len(c.text.split()) >= 4 for c in res.commentary)
    assert res.rewrites
    from coach.usecases.coaching import anchor_words, grammar_problems
    from coach.usecases.sense import content_words

    for rw in res.rewrites:
        assert rw.proposed_score > rw.original_score and rw.set_score_after >= rw.set_score_before
        assert not invents_numbers(rw.original, rw.proposed)
        assert anchor_words(rw.original) & content_words(rw.proposed), rw  # the original's subject matter
        assert grammar_problems(rw.proposed, objective=rw.target == "objective") == [], rw
    # "Implement the new CRM" had two checked options: the recorded model chose between them
    (obj,) = [rw for rw in res.rewrites if rw.target == "objective"]
    assert "new CRM" in obj.proposed and "without the model" not in (obj.how or "")


def test_recorded_rewrite_of_a_key_result(settings: Settings, model: LLM) -> None:
    okrs = OKRSet.model_validate(WEAK_SET)
    with recorder.use_cassette("rewrite_kr.yaml"):
        res = rewrite(okrs=okrs, objective_index=0, kr_index=2, settings=settings, llm=model, n=3)
    assert res.original == "Raise win rate to 30%"
    from coach.usecases.coaching import invents_numbers

    assert res.candidates and all(c.proposed_score > res.original_score for c in res.candidates)
    assert "Raise win rate from <today's value> to 30%" in [c.proposed for c in res.candidates]
    assert not any(invents_numbers(res.original, c.proposed) for c in res.candidates)
    # a library wording would drop the user's 30%: one candidate is left, and the model is not asked to choose
    assert len(res.candidates) == 1 and not res.llm_used


def test_recorded_rewrite_of_a_task_objective(library_settings: Settings, library_model: LLM) -> None:
    """Two checked outcome wordings of a delivery objective: the recorded model chooses the first."""
    okrs = OKRSet.model_validate({"period": "2026-Q4", "team": "Ward 7", "objectives": [
        {"title": "Roll out the new bedside handover checklist",
         "key_results": ["Cut handover errors from 12 to 4 per month"]}]})
    with recorder.use_cassette("rewrite_objective.yaml"):
        res = rewrite(okrs=okrs, objective_index=0, settings=library_settings, llm=library_model, n=3)
    assert res.llm_used and res.fallback_reason is None
    assert len(res.candidates) == 2 and all("new bedside handover checklist" in c.proposed for c in res.candidates)
    assert all(c.proposed_score > res.original_score for c in res.candidates)
