"""Rewrite one item: candidates keyed to the rule that fired, kept only when they keep the topic, invent no number,
make sense and score strictly higher; the model only chooses which comes first."""

from __future__ import annotations

import pytest

from coach.coach import rewrite
from coach.errors import InputError, ModelError
from coach.io import from_obj
from coach.rubric import review
from coach.settings import Settings
from coach.usecases.coaching import invents_numbers, kr_templates, objective_templates
from coach.usecases.sense import fill_placeholders
from tests._coach_fakes import SchemaLLM

SETTINGS = Settings()
CHOOSE_A = {"DraftChoice": {"choice": "A"}}

OKRS = from_obj({
    "period": "2026-Q3", "team": "Sales", "focus_area": "Grow existing accounts", "role": "Account Executive",
    "objectives": [{"title": "Maintain our pipeline", "key_results": [
        "Raise win rate to 30%", "Keep monthly churn under 2%", "Grow pipeline coverage from 2x to 3x"]}],
})


def test_a_target_without_a_start_keeps_the_users_target_and_asks_for_todays_value() -> None:
    res = rewrite(okrs=OKRS, objective_index=0, kr_index=0, settings=SETTINGS, llm=SchemaLLM(CHOOSE_A), n=3)
    assert res.original == "Raise win rate to 30%"
    assert res.original_score == review(OKRS).objectives[0].key_results[0].score
    top = res.candidates[0]
    assert top.proposed == "Raise win rate from <today's value> to 30%" and top.rule == "kr.baseline"
    assert "kr.baseline" in top.fixed_rules and any("today's value" in c for c in top.to_confirm)
    for c in res.candidates:
        assert c.proposed_score > c.original_score and not invents_numbers(c.original, c.proposed)


def test_a_status_quo_key_result_starts_from_the_level_it_held() -> None:
    res = rewrite(okrs=OKRS, objective_index=0, kr_index=1, settings=SETTINGS, llm=SchemaLLM(CHOOSE_A), n=1)
    (c,) = res.candidates
    assert c.proposed == "Cut monthly churn from 2% to <target>"
    assert "kr.stretch" in c.fixed_rules


def test_nothing_beats_a_perfect_item_and_the_model_is_not_asked() -> None:
    llm = SchemaLLM(CHOOSE_A)
    res = rewrite(okrs=OKRS, objective_index=0, kr_index=2, settings=SETTINGS, llm=llm, n=1)
    assert res.original_score == 100 and res.candidates == [] and llm.calls == []


def test_model_failure_keeps_the_checked_candidates_and_says_so() -> None:
    okrs = from_obj({"period": "2026-Q3", "team": "Sales", "role": "Account Executive", "objectives": [
        {"title": "Maintain our pipeline", "key_results": ["Raise win rate to 30%", "Raise pipeline coverage to 3x"]}]})
    res = rewrite(okrs=okrs, objective_index=0, kr_index=0, settings=SETTINGS, n=4,
                  llm=SchemaLLM({"DraftChoice": ModelError("invalid output after 3 attempts")}))
    assert res.candidates and all(c.proposed_score > c.original_score for c in res.candidates)
    if len(res.candidates) > 1:
        assert not res.llm_used and "invalid output" in (res.fallback_reason or "")


@pytest.mark.parametrize("oi,ki", [(1, None), (-1, None), (0, 3), (0, -1)])
def test_out_of_range_indices_are_clear_errors(oi: int, ki: int | None) -> None:
    with pytest.raises(InputError, match="out of range"):
        rewrite(okrs=OKRS, objective_index=oi, kr_index=ki, settings=SETTINGS, llm=SchemaLLM(CHOOSE_A))


def test_templates_keep_the_users_words_and_numbers() -> None:
    assert [o.text for o in kr_templates("Improve customer satisfaction", ["kr.measurable"])] == [
        "Raise customer satisfaction from <today's value> to <target>"]
    assert [o.text for o in kr_templates("Reduce support escalations", ["kr.measurable"])] == [
        "Cut support escalations from <today's value> to <target>"]
    assert kr_templates("Make 80 discovery calls per week", ["kr.outcome"]) == []  # an activity has no template
    (o,) = objective_templates("Grow revenue in our top accounts by 25% this year", ["objective.qualitative"])
    assert o.text == "Grow revenue in our top accounts this year" and not invents_numbers("x", o.text)


@pytest.mark.parametrize(("text", "expected"), [
    ("Repair every reported streetlight fault within 3 days",
     "Raise the share of reported streetlight faults repaired within 3 days from <today's value> to 100%"),
    ("Each donation gets a thank-you letter within a week",
     "Raise the share of donations that get a thank-you letter within a week from <today's value> to 100%"),
    ("All supplier invoices are approved within 10 working days",
     "Raise the share of supplier invoices approved within 10 working days from <today's value> to 100%"),
])
def test_a_service_level_becomes_the_share_handled_in_time(text: str, expected: str) -> None:
    (o,) = kr_templates(text, ["kr.baseline"])
    assert o.text == expected
    assert not invents_numbers(text, o.text)  # "every", "each", "all": the 100% is the user's own bar
    assert invents_numbers("Repair streetlight faults within 3 days", o.text)
    assert item_rules_of(fill_placeholders(o.text)) == []  # scored as if today's share were filled in


def test_a_second_object_is_not_a_stream_of_things() -> None:
    assert kr_templates("Give every new volunteer a mentor within a week", ["kr.baseline"]) == []


def item_rules_of(text: str) -> list[str]:
    from coach.io import from_obj
    from coach.rubric import review

    rep = review(from_obj({"objectives": [{"title": "Residents trust the council to fix things", "key_results": [text]}]}))
    return [f.rule for f in rep.objectives[0].key_results[0].findings]


@pytest.mark.parametrize(("text", "rule", "expected"), [
    ("Ward nurses feel supported", "kr.measurable",
     "Raise the share of ward nurses who feel supported from <today's value> to <target>"),
    ("Every branch gets a trained first-aider", "kr.outcome",
     "Raise the share of branches with a trained first-aider from <today's value> to 100%"),
    ("All depots have a spill kit", "kr.outcome",
     "Raise the share of depots with a spill kit from <today's value> to 100%"),
])
def test_a_group_and_its_state_becomes_the_share_of_that_group(text: str, rule: str, expected: str) -> None:
    assert expected in [o.text for o in kr_templates(text, [rule])]
    assert not invents_numbers(text, expected)  # every/all is the 100%
    assert item_rules_of(fill_placeholders(expected)) == []
