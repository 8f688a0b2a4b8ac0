"""Rewrites keyed to the rule that fired: templates for the rule and the nearest library wording, filtered so a
rewrite keeps the original's topic, invents no number, passes the sense check and scores higher. The model
only chooses among the survivors.

Numbers the user did not give are written as placeholders ("from <today's value>"); the rubric scores the form
as if the user filled them in, and the rewrite says they must.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from coach import lexicon as lx
from coach.corpus.library import Role
from coach.errors import ModelError
from coach.krparse import find_numbers, parse_kr
from coach.models import OKRSet, Report
from coach.prompts import DraftCandidateCtx, RewriteChoicePrompt, render
from coach.settings import Settings
from coach.usecases.assemble import lower_is_better, metric_phrase
from coach.usecases.common import LLMLike, item_rules, item_score, rescore, with_kr, with_title
from coach.usecases.draft import LETTERS, choice_schema
from coach.usecases.results import KROrigin, Rewrite
from coach.usecases.sense import TARGET, TODAY, SenseChecker, content_words, fill_placeholders, strip_numbers

MAX_CHOICES = 4
CHOICE_MAX_TOKENS = 24
# A library wording replaces more of the text than a template does; it must still be close in meaning. Chosen
# between the calibrated kr_objective floor and the template topic threshold (see calibrate_sense.py).
LIBRARY_TOPIC = 0.55
_GENERIC = {"customer", "team", "our", "new", "rate", "number", "time", "per", "month", "week", "quarter", "share",
            "raise", "cut", "increase", "reduce", "grow", "improve", "make", "get"}


@dataclass
class Option:
    text: str
    how: str  # "template for <rule>" or "nearest library key result (<role>)"
    rule: str
    library: bool = False


def _verb_for(metric: str, unit: str | None, up: bool | None = None) -> str:
    down = lower_is_better(metric, unit) if up is None else not up
    if down:
        return "Shorten" if unit in ("days", "hours", "weeks") or re.search(r"\btime|cycle\b", metric) else "Cut"
    return "Raise"


def _num_text(v: float, unit: str | None) -> str:
    s = f"{v:g}"
    if unit == "%":
        return s + "%"
    if unit == "x":
        return s + "x"
    if unit == "USD":
        return "$" + (f"{v / 1000:g}k" if v >= 1000 else s)
    if unit in ("days", "hours", "weeks", "points"):
        return f"{s} {unit}"
    return s


def kr_templates(text: str, rules: list[str]) -> list[Option]:
    """Deterministic rewrites of one key result for the rules it broke; the user's numbers are kept."""
    p = parse_kr(text)
    out: list[Option] = []
    metric = (p.metric or "").strip()
    if "kr.baseline" in rules and metric and p.target is not None and p.baseline is None:
        verb = _verb_for(metric, p.unit, up=None if p.direction not in ("increase", "decrease")
                         else p.direction == "increase")
        out.append(Option(f"{verb} {metric} from {TODAY} to {_num_text(float(p.target), p.unit)}",
                          "template for kr.baseline: your metric and target, with today's value to put in",
                          "kr.baseline"))
    if "kr.stretch" in rules and metric and p.target is not None:
        verb = _verb_for(metric, p.unit)
        out.append(Option(f"{verb} {metric} from {_num_text(float(p.target), p.unit)} to {TARGET}",
                          "template for kr.stretch: the level you hold becomes the start, with a target to put in",
                          "kr.stretch"))
    if "kr.measurable" in rules:
        words = text.strip().rstrip(".").split()
        first = words[0].lower() if words else ""
        if first in lx.ALL_VERBS and len(words) >= 2:
            phrase = " ".join(words[1:])
            phrase = re.sub(r"^(?:the|our)\s+", "", phrase, flags=re.IGNORECASE)
            up = None if first in lx.AMBIGUOUS_VERBS else first in lx.INCREASE_VERBS
            if first not in lx.DELIVERABLE_VERBS and first not in lx.ACTIVITY_VERBS and content_words(phrase):
                verb = _verb_for(phrase.lower(), None, up=up)
                out.append(Option(f"{verb} {metric_phrase(phrase)} from {TODAY} to {TARGET}",
                                  "template for kr.measurable: what you named, as a number to move",
                                  "kr.measurable"))
    if "kr.concise" in rules:
        first = re.split(r",\s+|\s+and\s+|;\s+", text.strip())[0]
        q = parse_kr(first)
        if first != text and q.metric and q.target is not None:
            out.append(Option(first, "template for kr.concise: the first measure only", "kr.concise"))
    return out


def objective_templates(title: str, rules: list[str]) -> list[Option]:
    out: list[Option] = []
    if "objective.qualitative" in rules:
        t = re.sub(r"\s*\b(?:by|to|from|of|at|over|under|above)\s+[$€£]?\d[\d,.]*\s*(?:%|k|m|x|percent)?"
                   r"(?:\s+to\s+[$€£]?\d[\d,.]*\s*(?:%|k|m|x)?)?", "", title)
        t = re.sub(r"\s*[$€£]?\d[\d,.]*\s*(?:%|k|m|x|percent)?", "", t).strip(" ,.-")
        if t != title and len(t.split()) >= 4:
            out.append(Option(t, "template for objective.qualitative: the objective without its numbers",
                              "objective.qualitative"))
    if "objective.concise" in rules:
        first = re.split(r"(?<=[.!?;])\s+|,\s+(?:and|so|while)\s+|\s+and\s+also\s+", title.strip())[0].rstrip(".;")
        if first != title and len(first.split()) >= 4:
            out.append(Option(first, "template for objective.concise: the first idea only", "objective.concise"))
    return out


def placeholders_for_numbers(text: str) -> str | None:
    """A library key result with its start and target swapped for placeholders (its numbers are not yours)."""
    p = parse_kr(text)
    nums = find_numbers(text)
    if p.baseline is None or p.target is None or len(nums) < 2:
        return None
    b = next((n for n in nums if abs(n.value - float(p.baseline)) < 1e-9), None)
    t = next((n for n in reversed(nums) if abs(n.value - float(p.target)) < 1e-9), None)
    if b is None or t is None or b is t or len(nums) != 2:
        return None
    return text[: b.start] + TODAY + text[b.end: t.start] + TARGET + text[t.end:]


def library_options(text: str, roles: list[Role], role: Role | None, *, objective: bool,
                    rule: str, settings: Settings | None = None, k: int = 6) -> list[Option]:
    """The nearest library wordings (the user's role first), numbers swapped for placeholders.

    Library vectors come from the examples index (built once); only the user's text is embedded here.
    """
    from coach.corpus.index import get_index
    from coach.usecases.sense import vectors

    if settings is None:
        return []
    idx = get_index(settings)
    if idx.backend != "vector":
        return []
    objs, _, krs = idx.library_vectors()
    items, vecs = objs if objective else krs
    if vecs is None or not items:
        return []
    names = {r.slug: r.role for r in roles}
    sims = vecs @ vectors([strip_numbers(text)])[0]
    if role is not None:  # the user's own role first, on a near tie
        sims = sims + np.array([0.03 if slug == role.slug else 0.0 for slug, _ in items], dtype=np.float32)
    order = sims.argsort()[::-1][:k]
    what = "objective" if objective else "key result"
    return [Option(items[i][1], f"nearest library {what} ({names.get(items[i][0], items[i][0])})", rule,
                   library=True) for i in order]


def invents_numbers(original: str, proposed: str) -> bool:
    """True when the proposal holds a number the original does not (placeholders are not numbers)."""
    have = {round(n.value, 6) for n in find_numbers(original)}
    return any(round(n.value, 6) not in have for n in find_numbers(proposed.replace(TODAY, "").replace(TARGET, "")))


def keeps_topic(checker: SenseChecker, original: str, opt: Option) -> tuple[bool, float | None]:
    same, sim = checker.same_topic(original, opt.text)
    if not opt.library:
        return same, sim
    a = content_words(strip_numbers(original)) - _GENERIC
    b = content_words(strip_numbers(opt.text)) - _GENERIC
    ok = bool(a & b) and (sim is None or sim >= LIBRARY_TOPIC)
    return ok, sim


def judge_option(okrs: OKRSet, before: Report, oi: int, ki: int | None, opt: Option, settings: Settings,
                 checker: SenseChecker) -> tuple[Rewrite | None, str]:
    """The rewrite if it keeps the topic, invents no number, makes sense and scores higher; else why not."""
    obj = okrs.objectives[oi]
    original = obj.title if ki is None else obj.key_results[ki].text
    if " ".join(opt.text.split()) == " ".join(original.split()):
        return None, "same as the original"
    if invents_numbers(original, opt.text):
        return None, "invents a number"
    same, sim = keeps_topic(checker, original, opt)
    if not same:
        return None, "changes the topic"
    if ki is None:
        problems, _ = checker.objective_problems(opt.text)
    else:
        # Relatedness to the objective is the original's business; a rewrite must keep the original's topic
        # (checked above), not fix what the user chose to measure.
        problems, _ = checker.kr_problems(opt.text, obj.title, relate=False)
    if problems:
        return None, f"fails the sense check: {problems[0]}"
    filled = fill_placeholders(opt.text)
    changed = with_title(okrs, oi, filled) if ki is None else with_kr(okrs, oi, ki, filled)
    after = rescore(changed, settings)
    old, new = item_score(before, oi, ki), item_score(after, oi, ki)
    if new <= old or after.score < before.score:
        return None, "does not score higher"
    old_rules, new_rules = item_rules(before, oi, ki), item_rules(after, oi, ki)
    confirm = []
    if TODAY in opt.text:
        confirm.append("put in today's value where it says <today's value> (scored as if you had)")
    if TARGET in opt.text:
        confirm.append("put in the level you aim for where it says <target> (scored as if you had)")
    origin = None if ki is None else KROrigin(
        text=opt.text, verb="code", metric="role_library" if opt.library else "user",
        numbers="user" if not (TODAY in opt.text or TARGET in opt.text) else "user_and_model"
        if find_numbers(opt.text) else "model", unit="code", notes=[opt.how])
    return Rewrite(
        target="objective" if ki is None else "key_result", objective_index=oi, kr_index=ki, original=original,
        proposed=opt.text, original_score=old, proposed_score=new, set_score_before=before.score,
        set_score_after=after.score, fixed_rules=[r for r in old_rules if r not in new_rules],
        remaining_rules=new_rules, to_confirm=confirm, origin=origin, rule=opt.rule, how=opt.how,
        topic_similarity=sim,
    ), "kept"


def rewrite_options(okrs: OKRSet, report: Report, oi: int, ki: int | None, *, roles: list[Role],
                    role: Role | None, settings: Settings | None = None) -> list[Option]:
    obj = okrs.objectives[oi]
    rules = item_rules(report, oi, ki)
    text = obj.title if ki is None else obj.key_results[ki].text
    opts = objective_templates(text, rules) if ki is None else kr_templates(text, rules)
    if rules:
        opts += library_options(text, roles, role, objective=ki is None, rule=rules[0], settings=settings)
    return opts


def candidates(okrs: OKRSet, report: Report, oi: int, ki: int | None, *, settings: Settings,
               checker: SenseChecker, roles: list[Role], role: Role | None) -> tuple[list[Rewrite], dict[str, int]]:
    """Every option that survives, best first (score, then template before library), and why others fell."""
    kept: list[Rewrite] = []
    why: dict[str, int] = {}
    seen: set[str] = set()
    options = rewrite_options(okrs, report, oi, ki, roles=roles, role=role, settings=settings)
    if checker.vector and options:  # one embedding batch for every comparison below
        from coach.usecases.sense import vectors

        obj = okrs.objectives[oi]
        original = obj.title if ki is None else obj.key_results[ki].text
        vectors([strip_numbers(original), obj.title] + [strip_numbers(o.text) for o in options])
    for opt in options:
        if opt.text in seen:
            continue
        seen.add(opt.text)
        rw, reason = judge_option(okrs, report, oi, ki, opt, settings, checker)
        if rw is None:
            why[reason.split(":")[0]] = why.get(reason.split(":")[0], 0) + 1
        else:
            kept.append(rw)
    kept.sort(key=lambda r: (-r.proposed_score, r.origin is not None and r.origin.metric == "role_library",
                             -(r.topic_similarity or 0.0)))
    return kept, why


def choose(model: LLMLike, okrs: OKRSet, oi: int, ki: int | None, options: list[Rewrite], *, settings: Settings,
           deadline: float | None) -> Rewrite:
    """The model picks one of the surviving rewrites (raises ModelError when it fails)."""
    if len(options) == 1:
        return options[0]
    top = options[:MAX_CHOICES]
    obj = okrs.objectives[oi]
    first = top[0]
    prompt = RewriteChoicePrompt(
        kind="objective" if ki is None else "key_result", text=first.original, objective=obj.title,
        rule=first.rule or "", message=", ".join(first.fixed_rules) or (first.rule or ""),
        candidates=[DraftCandidateCtx(letter=LETTERS[i], objective=r.proposed, key_results=[])
                    for i, r in enumerate(top)])
    outs = model.generate(messages=render("rewrite_choice", prompt, settings=settings), schema=choice_schema(len(top)),
                          n=1, temperature=0.3, max_tokens=CHOICE_MAX_TOKENS, deadline=deadline)
    if not outs:
        raise ModelError("the model returned no answer")
    return top[LETTERS.index(outs[0].choice)]
