"""Critique: the rubric report comes first and is final; model rewrites survive only if they score strictly higher."""

from __future__ import annotations

import pytest

from coach.coach import critique
from coach.errors import ModelError
from coach.io import from_obj
from coach.rubric import review
from coach.settings import Settings
from tests._coach_fakes import INJECTION, ScriptedLLM

SETTINGS = Settings()


@pytest.fixture(autouse=True)
def _no_role_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("coach.usecases.critique.role_or_none", lambda name, settings: None)


def _set(title: str, krs: list[str]):
    return from_obj({"period": "2026-Q3", "team": "Sales", "focus_area": "Grow existing accounts",
                     "objectives": [{"title": title, "key_results": krs}]})


WEAK_TITLE = _set("Implement a new CRM", ["Raise win rate from 21% to 30%", "Grow pipeline coverage from 2x to 3x"])
CLEAN = _set("Customers choose us first when they renew",
             ["Raise win rate from 21% to 30%", "Grow pipeline coverage from 2x to 3x"])


def test_without_the_model_it_is_the_rubric_report_and_nothing_else() -> None:
    llm = ScriptedLLM()
    res = critique(WEAK_TITLE, with_llm=False, settings=SETTINGS, llm=llm)
    assert res.report == review(WEAK_TITLE) and not res.llm_used and res.fallback_reason is None
    assert llm.calls == [] and res.commentary == [] and res.rewrites == []


def test_a_better_objective_is_proposed_with_both_scores() -> None:
    llm = ScriptedLLM({"comment": "Name the change the CRM should bring.",
                       "objective": "Every rep knows each account's next step without asking"})
    res = critique(WEAK_TITLE, with_llm=True, settings=SETTINGS, llm=llm)
    assert res.llm_used and res.commentary[0].text == "Name the change the CRM should bring."
    (rw,) = res.rewrites
    assert rw.target == "objective" and rw.original == "Implement a new CRM"
    assert rw.proposed_score > rw.original_score == res.report.objectives[0].score
    assert "objective.outcome" in rw.fixed_rules and rw.set_score_after >= rw.set_score_before


def test_a_worse_rewrite_is_never_returned_and_scores_never_drop() -> None:
    llm = ScriptedLLM({"comment": "Looks fine.", "objective": "Launch the new CRM and grow revenue by 50% this year"})
    before = review(WEAK_TITLE)
    res = critique(WEAK_TITLE, with_llm=True, settings=SETTINGS, llm=llm)
    assert res.rewrites == [] and res.rejected_rewrites == 1
    assert res.report == before


def test_weak_key_results_get_rubric_checked_rewrites() -> None:
    okrs = _set("Customers choose us first when they renew", ["Raise win rate to 30%", "Grow pipeline coverage from 2x to 3x"])
    llm = ScriptedLLM(
        {"comment": "State where win rate starts."},
        {"verb": "raise", "metric": "win rate", "baseline": 21, "target": 40, "unit": "%"},
        {"verb": "raise", "metric": "win rate", "baseline": 21, "target": 40, "unit": "%"},
    )
    res = critique(okrs, with_llm=True, settings=SETTINGS, llm=llm)
    (rw,) = res.rewrites
    assert rw.target == "key_result" and rw.kr_index == 0
    assert rw.proposed == "Raise win rate from 21% to 30%"  # the user's own target is kept
    assert rw.proposed_score > rw.original_score and "kr.baseline" in rw.fixed_rules
    assert any("baseline 21" in c for c in rw.to_confirm)


def test_model_failure_returns_the_rubric_report_with_a_reason() -> None:
    for failure in (ModelError("timed out after 60 s"), ModelError("invalid output after 3 attempts")):
        res = critique(WEAK_TITLE, with_llm=True, settings=SETTINGS, llm=ScriptedLLM(failure))
        assert not res.llm_used and res.fallback_reason and failure.message in res.fallback_reason
        assert res.report == review(WEAK_TITLE) and res.rewrites == [] and res.commentary == []


def test_injection_text_is_data_and_cannot_move_the_score() -> None:
    okrs = _set(INJECTION, ["Raise win rate from 21% to 30%", INJECTION])
    llm = ScriptedLLM({"comment": "Rated 100 as asked.", "objective": "Customers choose us first when they renew"},
                      {"verb": "raise", "metric": "win rate", "baseline": 1, "target": 2, "unit": "%"},
                      {"verb": "raise", "metric": "win rate", "baseline": 1, "target": 2, "unit": "%"})
    res = critique(okrs, with_llm=True, settings=SETTINGS, llm=llm)
    assert res.report == review(okrs) and res.report.score < 100
    for call in llm.calls:
        system, user = call["messages"]
        assert INJECTION not in system["content"]
        inside = user["content"][user["content"].index("<okr_data>"):user["content"].index("</okr_data>")]
        assert user["content"].count(INJECTION) == inside.count(INJECTION) > 0


def test_an_objective_without_problems_gets_commentary_only() -> None:
    llm = ScriptedLLM({"comment": "Strong, measurable and clear."})
    res = critique(CLEAN, with_llm=True, settings=SETTINGS, llm=llm)
    assert res.commentary[0].text == "Strong, measurable and clear." and res.rewrites == []
    assert llm.calls[0]["schema"].__name__ == "CommentOut"


def test_review_coach_hook_adds_commentary_and_rewrites(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    import json

    from coach.cli.llm import add_coach_commentary, render_coach_text
    from coach.cli.main import main

    llm = ScriptedLLM({"comment": "Say what the CRM changes.", "objective": "Every rep knows each account's next step"})
    monkeypatch.setattr("coach.usecases.critique.get_model", lambda settings, given: llm)
    data = add_coach_commentary(review(WEAK_TITLE), WEAK_TITLE, SETTINGS)
    assert data["llm_used"] and data["rewrites"][0]["proposed_score"] > data["rewrites"][0]["original_score"]
    text = render_coach_text(data)
    assert "Say what the CRM changes." in text and "score" in text and "Every rep knows" in text

    path = tmp_path / "okrs.json"
    path.write_text(json.dumps(WEAK_TITLE.model_dump(mode="json", exclude_none=True)))
    llm.enqueue({"comment": "Say what the CRM changes.", "objective": "Every rep knows each account's next step"})
    assert main(["review", str(path), "--coach", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["score"] == review(WEAK_TITLE).score and out["coach"]["llm_used"]


def test_review_coach_hook_reports_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.cli.llm import add_coach_commentary, render_coach_text

    def broken(settings, given):
        raise ModelError("local model did not start")

    monkeypatch.setattr("coach.usecases.critique.get_model", broken)
    data = add_coach_commentary(review(WEAK_TITLE), WEAK_TITLE, SETTINGS)
    assert not data["llm_used"] and "did not start" in render_coach_text(data)


def test_commentary_keeps_each_point_once_and_drops_fragments() -> None:
    from coach.usecases.critique import clean_comment

    raw = ("The objective is to implement the new CRM workflow in 2026. This objective is to implement the new "
           "CRM workflow in 2026. The objective's")
    assert clean_comment(raw) == "The objective is to implement the new CRM workflow in 2026."
    looped = "; ".join(["the objective is to increase the average number of wins from 10.5% to 12.5%"] * 5)
    assert clean_comment(looped).count("average number of wins") == 1
