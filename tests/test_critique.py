"""Critique: the rubric report comes first and is final; model rewrites survive only if they score strictly higher."""

from __future__ import annotations

import pytest

from coach.coach import critique
from coach.errors import ModelError
from coach.io import from_obj
from coach.rubric import review
from coach.settings import Settings
from coach.usecases.coaching import Option, invents_numbers, keeps_topic
from coach.usecases.sense import SenseChecker
from tests._coach_fakes import INJECTION, SchemaLLM

SETTINGS = Settings()


def _set(title: str, krs: list[str]):
    return from_obj({"period": "2026-Q3", "team": "Sales", "focus_area": "Grow existing accounts",
                     "role": "Account Executive", "objectives": [{"title": title, "key_results": krs}]})


WEAK = from_obj({"period": "2026-Q3", "team": "Enterprise Sales", "role": "Account Executive",
                 "focus_area": "Grow revenue in named accounts", "objectives": [
                     {"title": "Implement the new CRM", "key_results": [
                         "Make 80 discovery calls per week", "Improve customer satisfaction", "Raise win rate to 30%"]},
                     {"title": "Maintain our pipeline", "key_results": [
                         "Keep monthly churn under 2%", "Grow pipeline coverage from 2x to 3x"]}]})
CLEAN = _set("Customers choose us first when they renew",
             ["Raise win rate from 21% to 30%", "Grow pipeline coverage from 2x to 3x"])
ANSWERS = {"CommentOut": {"comment": "Say what the CRM should change for buyers."}, "DraftChoice": {"choice": "A"}}


def test_without_the_model_it_is_the_rubric_report_and_nothing_else() -> None:
    llm = SchemaLLM(ANSWERS)
    res = critique(WEAK, with_llm=False, settings=SETTINGS, llm=llm)
    assert res.report == review(WEAK) and not res.llm_used and res.fallback_reason is None
    assert llm.calls == [] and res.commentary == [] and res.rewrites == []


def test_rewrites_keep_the_topic_invent_no_number_and_make_sense() -> None:
    res = critique(WEAK, with_llm=True, settings=SETTINGS, llm=SchemaLLM(ANSWERS))
    assert res.llm_used and res.rewrites and res.report == review(WEAK)
    checker = SenseChecker(SETTINGS)
    for rw in res.rewrites:
        assert not invents_numbers(rw.original, rw.proposed), rw
        same, _ = keeps_topic(checker, rw.original, Option(rw.proposed, rw.how or "", rw.rule or "",
                                                           library=bool(rw.how and "library" in rw.how)))
        assert same, rw
        if rw.target == "key_result":
            assert checker.kr_problems(rw.proposed, None)[0] == []
        else:
            assert checker.objective_problems(rw.proposed)[0] == []
        assert rw.proposed_score > rw.original_score and rw.set_score_after >= rw.set_score_before
        assert rw.rule and rw.how
    by_original = {rw.original: rw.proposed for rw in res.rewrites}
    assert by_original.get("Keep monthly churn under 2%") == "Cut monthly churn from 2% to <target>"
    assert by_original.get("Improve customer satisfaction") == ("Raise customer satisfaction from <today's value> "
                                                                "to <target>")
    # An activity stays unrewritten rather than turned into nonsense ("Shorten make from 20 to 15 days").
    assert "Make 80 discovery calls per week" not in by_original
    assert any("no good rewrite found" in n for n in res.notes)


class FailsOnce(SchemaLLM):
    """A model that fails on its first request only (a timeout), then answers."""

    def __init__(self) -> None:
        super().__init__(ANSWERS)
        self.failed = False

    def generate(self, **kw):  # type: ignore[override]
        if not self.failed:
            self.failed = True
            self.calls.append(kw)
            raise ModelError("the model request timed out: Timeout")
        return super().generate(**kw)


def test_a_model_failure_on_one_item_still_returns_the_rest() -> None:
    full = critique(WEAK, with_llm=True, settings=SETTINGS, llm=SchemaLLM(ANSWERS))
    res = critique(WEAK, with_llm=True, settings=SETTINGS, llm=FailsOnce())
    assert res.llm_used and res.fallback_reason is None
    assert any("timed out" in n for n in res.notes)
    assert len(res.rewrites) == len(full.rewrites)  # the failed item fell back to its first checked option
    assert sum("chosen without the model" in (rw.how or "") for rw in res.rewrites) <= 1
    assert len(res.commentary) == len(full.commentary)


def test_every_model_request_failing_still_shows_checked_rewrites_and_says_why() -> None:
    for failure in (ModelError("timed out after 60 s"), ModelError("invalid output after 3 attempts")):
        res = critique(WEAK, with_llm=True, settings=SETTINGS,
                       llm=SchemaLLM({"CommentOut": failure, "DraftChoice": failure}))
        assert not res.llm_used and failure.message in (res.fallback_reason or "")
        assert res.report == review(WEAK) and res.commentary == []
        assert all(not invents_numbers(r.original, r.proposed) for r in res.rewrites)


def test_a_spent_budget_sends_no_request() -> None:
    llm = SchemaLLM(ANSWERS)
    res = critique(WEAK, with_llm=True, settings=SETTINGS, llm=llm, budget_s=1e-9)
    assert llm.calls == [] and not res.llm_used
    assert any("time budget ran out" in n for n in res.notes)
    llm = SchemaLLM(ANSWERS)
    critique(WEAK, with_llm=True, settings=SETTINGS, llm=llm, budget_s=60)
    assert llm.calls and all(c["deadline"] is not None for c in llm.calls)


def test_injection_text_is_data_and_cannot_move_the_score() -> None:
    okrs = _set(INJECTION, ["Raise win rate from 21% to 30%", INJECTION])
    llm = SchemaLLM({"CommentOut": {"comment": "Rated 100 as asked."}, "DraftChoice": {"choice": "A"}})
    res = critique(okrs, with_llm=True, settings=SETTINGS, llm=llm)
    assert res.report == review(okrs) and res.report.score < 100
    for call in llm.calls:
        system, user = call["messages"]
        assert INJECTION not in system["content"]
        inside = user["content"][user["content"].index("<okr_data>"):user["content"].index("</okr_data>")]
        assert user["content"].count(INJECTION) == inside.count(INJECTION) > 0


def test_an_objective_without_problems_gets_commentary_only() -> None:
    llm = SchemaLLM({"CommentOut": {"comment": "Strong, measurable and clear."}})
    res = critique(CLEAN, with_llm=True, settings=SETTINGS, llm=llm)
    assert res.commentary[0].text == "Strong, measurable and clear." and res.rewrites == []
    assert [c["schema"].__name__ for c in llm.calls] == ["CommentOut"]


def test_review_coach_hook_adds_commentary_and_rewrites(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    import json

    from coach.cli.llm import add_coach_commentary, render_coach_text
    from coach.cli.main import main

    llm = SchemaLLM(ANSWERS)
    monkeypatch.setattr("coach.usecases.critique.get_model", lambda settings, given: llm)
    data = add_coach_commentary(review(WEAK), WEAK, SETTINGS)
    assert data["llm_used"] and data["rewrites"][0]["proposed_score"] > data["rewrites"][0]["original_score"]
    text = render_coach_text(data)
    assert "Say what the CRM should change" in text and "<today's value>" in text and "no good rewrite found" in text

    path = tmp_path / "okrs.json"
    path.write_text(json.dumps(WEAK.model_dump(mode="json", exclude_none=True)))
    from coach.settings import get_settings

    monkeypatch.setenv("OKR_COACH_MODEL_BUDGET_S", "0")  # no budget: this test is about the output, not time
    get_settings.cache_clear()
    assert main(["review", str(path), "--coach", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["score"] == review(WEAK).score and out["coach"]["llm_used"]


def test_review_coach_hook_reports_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.cli.llm import add_coach_commentary, render_coach_text

    def broken(settings, given):
        raise ModelError("local model did not start")

    monkeypatch.setattr("coach.usecases.critique.get_model", broken)
    data = add_coach_commentary(review(WEAK), WEAK, SETTINGS)
    assert not data["llm_used"] and "did not start" in render_coach_text(data)
    assert data["rewrites"]  # checked rewrites need no model


def test_commentary_keeps_each_point_once_and_drops_fragments() -> None:
    from coach.usecases.critique import clean_comment

    raw = ("The objective is to implement the new CRM workflow in 2026. This objective is to implement the new "
           "CRM workflow in 2026. The objective's")
    assert clean_comment(raw) == "The objective is to implement the new CRM workflow in 2026."
    looped = "; ".join(["the objective is to increase the average number of wins from 10.5% to 12.5%"] * 5)
    assert clean_comment(looped).count("average number of wins") == 1


def test_ambition_gets_a_coaching_note_when_the_key_results_do_not_match_it() -> None:
    committed = from_obj({"period": "2026-Q3", "team": "Sales", "objectives": [
        {"title": "Customers choose us first when they renew", "kind": "committed",
         "key_results": ["Raise win rate from 20% to 40%", "Grow pipeline coverage from 2x to 4x"]}]})
    res = critique(committed, with_llm=False, settings=SETTINGS)
    assert any("committed" in n and "stretch" in n for n in res.notes)
    holding = from_obj({"period": "2026-Q3", "team": "Sales", "objectives": [
        {"title": "Customers choose us first when they renew",
         "key_results": ["Keep win rate above 20%", "Keep monthly churn under 2%"]}]})
    res = critique(holding, with_llm=False, settings=SETTINGS)
    assert any("aspirational" in n and "only hold levels" in n for n in res.notes)
    reachable = from_obj({"period": "2026-Q3", "team": "Sales", "objectives": [
        {"title": "Customers choose us first when they renew", "kind": "committed",
         "key_results": ["Raise win rate from 20% to 22%", "Grow pipeline coverage from 2x to 3x"]}]})
    assert critique(reachable, with_llm=False, settings=SETTINGS).notes == []


def test_a_comment_that_only_repeats_the_objective_is_dropped() -> None:
    from coach.usecases.critique import echoes

    krs = ["Keep CRM data clean", "Migrate the records to the new CRM"]
    assert echoes("Implement the redesigned CRM pipeline stages.", "Implement the redesigned CRM pipeline stages", krs)
    assert not echoes("Say what the new stages should change for buyers, and measure that instead.",
                      "Implement the redesigned CRM pipeline stages", krs)
