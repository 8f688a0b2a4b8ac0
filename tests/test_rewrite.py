"""Rewrite one item: candidates are scored in the same set and returned only when strictly better, best first."""

from __future__ import annotations

import pytest

from coach.coach import rewrite
from coach.errors import InputError, ModelError
from coach.io import from_obj
from coach.rubric import review
from coach.settings import Settings
from tests._coach_fakes import ScriptedLLM

SETTINGS = Settings()


@pytest.fixture(autouse=True)
def _no_role_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("coach.usecases.rewrite.role_or_none", lambda name, settings: None)


OKRS = from_obj({
    "period": "2026-Q3", "team": "Sales", "focus_area": "Grow existing accounts",
    "objectives": [{"title": "Maintain our pipeline", "key_results": [
        "Raise win rate to 30%", "Keep monthly churn under 2%", "Grow pipeline coverage from 2x to 3x"]}],
})


def _kr(metric: str, b: float, t: float, unit: str = "%", verb: str = "raise") -> dict:
    return {"verb": verb, "metric": metric, "baseline": b, "target": t, "unit": unit}


def test_candidates_are_ranked_and_only_better_ones_kept() -> None:
    llm = ScriptedLLM(_kr("win rate", 18, 30), _kr("happiness", 1, 2, "count"), _kr("win rate", 21, 30))
    res = rewrite(okrs=OKRS, objective_index=0, kr_index=0, settings=SETTINGS, llm=llm, n=3)
    assert res.llm_used and res.original == "Raise win rate to 30%"
    assert res.original_score == review(OKRS).objectives[0].key_results[0].score
    texts = [c.proposed for c in res.candidates]
    # "happiness" is off topic: the user's metric and target stay, the baseline moves to a sane step
    assert texts == ["Raise win rate from 18% to 30%", "Raise win rate from 23% to 30%", "Raise win rate from 21% to 30%"]
    assert [c.origin.metric for c in res.candidates] == ["user", "user", "user"]
    assert all(c.proposed_score > c.original_score for c in res.candidates)
    scores = [c.proposed_score for c in res.candidates]
    assert scores == sorted(scores, reverse=True)
    assert res.rejected == 3 - len(res.candidates)


def test_a_rewrite_that_scores_lower_is_dropped() -> None:
    llm = ScriptedLLM(_kr("win rate", 30, 30, "%", "raise") | {"metric": "{}"})  # unusable metric -> user's metric
    res = rewrite(okrs=OKRS, objective_index=0, kr_index=2, settings=SETTINGS, llm=llm, n=1)
    assert res.original_score == 100 and res.candidates == [] and llm.calls == []  # nothing can beat 100


def test_a_status_quo_key_result_starts_from_the_level_it_held() -> None:
    llm = ScriptedLLM(_kr("monthly churn", 3, 1.5, verb="cut"))
    res = rewrite(okrs=OKRS, objective_index=0, kr_index=1, settings=SETTINGS, llm=llm, n=1)
    (c,) = res.candidates
    assert c.proposed == "Cut monthly churn from 2% to 1.5%"
    assert "kr.stretch" in c.fixed_rules and c.origin and c.origin.numbers == "user_and_model"


def test_objective_rewrite_and_worse_titles_dropped() -> None:
    llm = ScriptedLLM({"objective": "Continue to maintain the pipeline"},
                      {"objective": "Every quarter opens with a pipeline we trust"})
    res = rewrite(okrs=OKRS, objective_index=0, settings=SETTINGS, llm=llm, n=2)
    assert [c.proposed for c in res.candidates] == ["Every quarter opens with a pipeline we trust"]
    assert res.rejected == 1 and res.candidates[0].target == "objective"


def test_model_failure_gives_rubric_only_result() -> None:
    res = rewrite(okrs=OKRS, objective_index=0, kr_index=0, settings=SETTINGS,
                  llm=ScriptedLLM(ModelError("invalid output after 3 attempts")))
    assert not res.llm_used and "invalid output" in (res.fallback_reason or "")
    assert res.candidates == [] and res.report == review(OKRS)


@pytest.mark.parametrize("oi,ki", [(1, None), (-1, None), (0, 3), (0, -1)])
def test_out_of_range_indices_are_clear_errors(oi: int, ki: int | None) -> None:
    with pytest.raises(InputError, match="out of range"):
        rewrite(okrs=OKRS, objective_index=oi, kr_index=ki, settings=SETTINGS, llm=ScriptedLLM())


ACTIVITY = from_obj({"period": "2026-Q3", "team": "Sales", "objectives": [{
    "title": "Prospects want a second meeting", "key_results": ["Hold 40 discovery calls", "Improve customer satisfaction"]}]})


def test_an_activity_is_not_dressed_up_with_a_baseline() -> None:
    llm = ScriptedLLM(_kr("discovery calls", 30, 40, "count"), _kr("today's value", 30, 40, "count"),
                      _kr("calls that lead to a second meeting", 20, 35, "%"))
    res = rewrite(okrs=ACTIVITY, objective_index=0, kr_index=0, settings=SETTINGS, llm=llm, n=3)
    assert [c.proposed for c in res.candidates] == ["Raise calls that lead to a second meeting from 20% to 35%"]
    assert res.rejected == 2


def test_filler_metrics_fall_back_to_the_users_metric_with_guesses_flagged() -> None:
    llm = ScriptedLLM(_kr("today's value", 30, 40, "points"))
    res = rewrite(okrs=ACTIVITY, objective_index=0, kr_index=1, settings=SETTINGS, llm=llm, n=1)
    (c,) = res.candidates
    assert c.proposed == "Raise customer satisfaction from 30 to 40" and c.origin.metric == "user"
    assert len(c.to_confirm) == 2  # both numbers are the model's guesses, and the user is told so
