"""Rewrites keyed to the rule that fired: templates for the rule and the nearest library wording, filtered so a
rewrite keeps the original's topic, invents no number, passes the sense check and scores higher. The model
only chooses among the survivors.

Numbers the user did not give are written as placeholders ("from <today's value>"); the rubric scores the form
as if the user filled them in, and the rewrite says they must.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from coach import lexicon as lx
from coach.corpus.library import Role
from coach.errors import ModelError
from coach.krparse import find_numbers, parse_kr
from coach.models import OKRSet, Report
from coach.prompts import DraftCandidateCtx, RewriteChoicePrompt, render
from coach.settings import Settings
from coach.usecases.assemble import lower_is_better
from coach.usecases.common import LLMLike, item_rules, item_score, rescore, with_kr, with_title
from coach.usecases.draft import LETTERS, choice_schema
from coach.usecases.results import KROrigin, Rewrite
from coach.rubric.language import head_of, kr_kind, objective_kind
from coach.rubric.sentence import LINKING_VERBS, about_people, read, verb_class
from coach.rubric.words import (
    AGENT_ENDINGS,
    CONJ,
    DETERMINERS,
    MASS_S,
    PREPS,
    Language,
    clean,
    flags,
    lemma,
    lemma_table,
    load_language,
    tokens,
)
from coach.usecases.sense import (
    QUANTITY_WORDS,
    TARGET,
    TODAY,
    SenseChecker,
    content_words,
    fill_placeholders,
    strip_numbers,
)

MAX_CHOICES = 4
CHOICE_MAX_TOKENS = 24
# A library wording replaces more of the text than a template does; it must still be close in meaning. The
# threshold is measured by benchmarks/calibrate_rewrite.py (written to rewrite_calibration.json); this value is
# used only when that file is missing.
TOPIC_DEFAULTS = {"library_topic": 0.73, "template_topic": 0.45}
REWRITE_CALIBRATION = Path(__file__).with_name("rewrite_calibration.json")


@lru_cache(maxsize=1)
def topic_thresholds() -> dict[str, float]:
    try:
        got = json.loads(REWRITE_CALIBRATION.read_text())["thresholds"]
        return {k: float(got[k]) for k in TOPIC_DEFAULTS}
    except (OSError, ValueError, KeyError, TypeError):
        return dict(TOPIC_DEFAULTS)
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


# -- reading the user's sentence (the rubric's grammar reader) -----------------------------------------------

@lru_cache(maxsize=1)
def _lang() -> Language:
    from coach.rubric.loader import rules_dir

    return load_language(rules_dir())


_LEAD = re.compile(r"^\s*(?:(?:we|i|the team)\s+(?:will|shall|must|should|want to|need to|aim to|plan to)\s+|to\s+)",
                   re.IGNORECASE)
# Complements that say "less of it" or "more of it" rather than a quality to count.
_LOW = {"small", "low", "short", "down", "minimal", "under control"}
_HIGH = {"high", "up", "full", "strong"}
_FASTER = {"faster", "quicker", "shorter", "speedier"}
_CHEAPER = {"cheaper", "leaner"}
_PHRASES = ("up to date", "up-to-date", "under control", "on track", "on time", "in sync", "in good shape",
            "error free", "error-free")
_MASS = {"data", "information", "inventory", "stock", "documentation", "software", "code", "equipment", "content",
         "feedback", "work", "pipeline", "cash", "spend", "revenue", "traffic", "budget", "backlog", "staff"}


def _split(text: str) -> tuple[str | None, list[str]]:
    """(verb as written or None, the words after it), lead-ins ("We will", "To") dropped, case kept."""
    t = _LEAD.sub("", " ".join(text.strip().rstrip(".!").split()))
    ws = t.split()
    if not ws:
        return None, []
    r = read(t, _lang())
    if r.frame not in ("imperative", "past") or not r.verb or ws[0].lower() != r.verb:
        return None, ws
    rest = ws[1:]
    if rest and rest[0].lower() in ("out", "up") and r.verb in ("roll", "set", "build", "speed", "step"):
        rest = rest[1:]  # "Roll out the portal": the particle belongs to the verb
    return r.verb_lemma or r.verb, rest


def _plural(np_words: list[str]) -> bool:
    """Does the noun phrase take 'are' (plural) or 'is' (singular or mass)?"""
    words_ = [w.lower().strip(",;:()") for w in np_words]
    head = ""
    for w in words_:
        if w in PREPS or w in CONJ or w in ("that", "who", "which"):
            break
        head = w
    if " and " in f" {' '.join(words_)} " and not any(w in PREPS for w in words_):
        return True
    if not head or head in _MASS or head in MASS_S or head.endswith(("ss", "us", "is")):
        return False
    return head.endswith("s") or head in ("people", "children", "men", "women")


def _mass(np_words: list[str]) -> bool:
    """A mass noun heads the phrase ('CRM data', 'the lab equipment'): 'the share of it' reads well."""
    toks = tuple(w.lower().strip(",;:()") for w in np_words)
    head = head_of(toks, _lang()) if toks else ""
    return head in _MASS or head in MASS_S


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _np(words_: list[str]) -> str:
    """The user's noun phrase as it can follow a verb: an indefinite article becomes 'the'."""
    out = list(words_)
    if out and out[0].lower() in ("a", "an"):
        out[0] = "the"
    return " ".join(out).strip(" ,;:")


def _has_digit(words_: list[str]) -> bool:
    return any(re.search(r"\d", w) for w in words_)


def _quantity_head(np_words: list[str]) -> bool:
    """The phrase names a quantity (its head is a measure word: 'customer satisfaction', 'support escalations')."""
    lang = _lang()
    toks = tuple(w.lower().strip(",;:()") for w in np_words)
    head = head_of(toks, lang) if toks else ""
    stem = head[:-1] if head.endswith("s") else head
    return bool(head) and (head in lang.measure_nouns or head in QUANTITY_WORDS or stem in QUANTITY_WORDS
                           or head in lx.LOWER_IS_BETTER or stem in lx.LOWER_IS_BETTER)


def _head(np_words: list[str]) -> str:
    toks = tuple(w.lower().strip(",;:()") for w in np_words)
    return head_of(toks, _lang()) if toks else ""


def _no_det(words_: list[str]) -> list[str]:
    return words_[1:] if words_ and words_[0].lower() in DETERMINERS else words_


def _quality_head(np_words: list[str]) -> bool:
    """'staff morale', 'developer experience', 'brand awareness': one phrase whose head is a quality people rate."""
    lang = _lang()
    toks = tuple(w.lower().strip(",;:()") for w in np_words)
    if not toks or any(w in PREPS or w in CONJ for w in toks) or len(toks) > 4 or _plural(np_words):
        return False
    head = toks[-1]
    return head in lang.quality_nouns or (head.endswith(lang.state_noun_endings) and len(head) > 5)


_TIES = {"relationship": "relationship", "relationships": "relationship", "partnership": "partnership",
         "partnerships": "partnership", "relations": "relationship", "ties": "relationship"}


def _ties_with_people(obj: list[str]) -> tuple[str, str] | None:
    """'relationships with local grocers' -> ('relationship', 'local grocers'): a tie with a group of people,
    which those people can rate ('decision makers', 'suppliers', 'parents')."""
    low = [w.lower().strip(",;:()") for w in obj]
    if "with" not in low:
        return None
    i = low.index("with")
    head = [w for w in low[:i] if w not in DETERMINERS]
    people = [w for w in obj[i + 1:] if w.lower() not in DETERMINERS]
    if len(head) != 1 or head[0] not in _TIES or not people or len(people) > 4:
        return None
    last = people[-1].lower()
    lang = _lang()
    if not (last in lang.people_nouns or (last.endswith(AGENT_ENDINGS) and len(last) > 4)
            or (last.endswith("s") and last[:-1] in lang.people_nouns)
            or (last.endswith("ies") and last[:-3] + "y" in lang.people_nouns)):
        return None
    if any(re.search(r"\d", w) or w.lower() in PREPS or w.lower() in CONJ for w in people):
        return None
    return _TIES[head[0]], " ".join(people)


def _complement(obj: list[str], hold: bool = False) -> tuple[list[str], str] | None:
    """'CRM data clean' -> (['CRM', 'data'], 'clean'): the thing and the state it should be kept in."""
    low = " ".join(obj).lower()
    for ph in _PHRASES:
        if low.endswith(" " + ph):
            n = len(ph.split())
            return obj[:-n], ph
    if len(obj) < 2:
        return None
    last = obj[-1].lower().strip(",;:")
    f = flags(last)
    comparative = "C" in f and "A" in f
    adjective = "A" in f and "D" not in f and last not in _lang().measure_nouns
    participle = hold and "D" in f and "V" not in f  # "Keep our shelves stocked"
    if not (comparative or adjective or participle):
        return None
    # "and" between two states: "Keep customers happy and loyal"
    k = len(obj) - 1
    if k >= 2 and obj[k - 1].lower() == "and" and "A" in flags(obj[k - 2].lower()):
        return obj[: k - 2], " ".join(w.lower() for w in obj[k - 2:])
    thing = obj[:k]
    prev = thing[-1].lower() if thing else ""
    if not thing or prev in PREPS or prev in DETERMINERS or "V" in flags(prev) and "N" not in flags(prev):
        return None  # "Keep up to ...", "Make the": not a thing followed by its state
    return thing, last


def kr_templates(text: str, rules: list[str]) -> list[Option]:
    """Deterministic rewrites of one key result for the rules it broke: the user's words and numbers are kept,
    a task or a wish becomes a quantity to move, and a missing number is a placeholder."""
    p = parse_kr(text)
    out: list[Option] = []
    metric = (p.metric or "").strip()
    r = read(text, _lang()) if metric else None
    if r is not None and r.frame in ("imperative", "past") and r.verb and \
            metric.lower().split()[0] == r.verb.lower():
        metric = ""  # "Discharge all eligible patients": the parser kept a verb it does not know; "Shorten Discharge
        # all ..." would be no sentence, so no metric template (the other ways of rewriting still apply)
    first = metric.split()[0] if metric else ""
    if first and text.lstrip().startswith(metric) and not first.isupper() and (
            flags(first.lower()) or first.lower() in _lang().measure_nouns | _lang().people_nouns):
        metric = metric[0].lower() + metric[1:]  # "Time to first reply ..." inside a sentence ("Salesforce" stays)
    service = _service_form(text) if "kr.baseline" in rules and "kr.outcome" not in rules else None
    if service:
        out.append(Option(service, "template for kr.baseline: a service level, as the share handled in time, with "
                                   "today's share to put in", "kr.baseline"))
    elif "kr.baseline" in rules and "kr.outcome" not in rules and metric and p.target is not None and p.baseline is None:
        verb = _verb_for(metric, p.unit, up=None if p.direction not in ("increase", "decrease")
                         else p.direction == "increase")
        out.append(Option(f"{verb} {metric} from {TODAY} to {_num_text(float(p.target), p.unit)}",
                          "template for kr.baseline: your metric and target, with today's value to put in",
                          "kr.baseline"))
    if "kr.stretch" in rules and "kr.outcome" not in rules and metric and p.target is not None:
        verb = _verb_for(metric, p.unit)
        out.append(Option(f"{verb} {metric} from {_num_text(float(p.target), p.unit)} to {TARGET}",
                          "template for kr.stretch: the level you hold becomes the start, with a target to put in",
                          "kr.stretch"))
    if "kr.concise" in rules:
        first = re.split(r",\s+|\s+and\s+|;\s+", text.strip())[0]
        q = parse_kr(first)
        if first != text and q.metric and q.target is not None:
            out.append(Option(first, "template for kr.concise: the first measure only", "kr.concise"))
    if ("kr.measurable" in rules or "kr.outcome" in rules) and p.target is None:
        rule = "kr.measurable" if "kr.measurable" in rules else "kr.outcome"
        out += [Option(t, f"template for {rule}: {how}", rule) for t, how in _result_forms(text)]
        out += [Option(t, f"template for {rule}: {how}", rule) for t, how in _share_forms(text)]
    return out


def _share_forms(text: str) -> list[tuple[str, str]]:
    """Key results said of a group, as the share of that group: 'Warehouse pickers feel supported' -> 'Raise the
    share of warehouse pickers who feel supported from <today's value> to <target>'; 'Every ward gets a named
    officer' -> 'Raise the share of wards with a named officer from <today's value> to 100%' (every is the 100%)."""
    lang = _lang()
    t = clean(text).strip().rstrip(".!")
    ws = t.split()
    low = [w.lower().strip(",;:") for w in ws]
    if len(ws) < 3 or _has_digit(ws):
        return []
    if low[0] in _EVERY:
        v = next((i for i, w in enumerate(low[2:6], 2) if w in ("gets", "get", "has", "have")), None)
        if v is None or v + 1 >= len(ws) or low[v + 1] not in ("a", "an"):
            return []
        subject = ws[1:v]
        if not subject or any(w.lower() in ("a", "an", "the") or w.lower() in PREPS for w in subject):
            return []
        things = subject if low[0] == "all" else [*subject[:-1], _plural_of(subject[-1])]
        return [(f"Raise the share of {_lower_first(things)} with {' '.join(ws[v + 1:])} from {TODAY} to 100%",
                 "a practice for every one of them, as the share that has it")]
    r = read(t, lang)
    if r.frame != "declarative" or not r.verb or r.verb not in low:
        return []
    v = low.index(r.verb)
    subject, rest = ws[:v], ws[v + 1:]
    if subject and subject[0].lower() in ("our", "the", "my"):
        subject = subject[1:]
    if not subject or not rest or not _plural(subject) or any(
            w.lower() in DETERMINERS or w.lower() in PREPS for w in subject):
        return []
    if r.verb_lemma in lang.experience_verbs or r.verb in LINKING_VERBS:
        return [(f"Raise the share of {_lower_first(subject)} who {r.verb} {' '.join(rest)} from {TODAY} to {TARGET}",
                 "how a group feels, as the share of them who say so")]
    return []


def _lower_first(words_: list[str]) -> str:
    """The user's noun phrase inside a sentence: a common first word in lower case, names and acronyms kept."""
    first = words_[0]
    if first[:1].isupper() and not first.isupper() and (flags(first.lower()) or first.lower() in _lang().people_nouns):
        first = first.lower()
    return " ".join([first, *words_[1:]])


_EVERY = ("all", "every", "each")


def _service_form(text: str) -> str | None:
    """'Fix all new P1 bugs within one release', 'Every ticket gets a first reply within 4 hours': a bar over a
    stream of work, as the share handled in time ('Raise the share of new P1 bugs fixed within one release from
    <today's value> to 100%'); all, every and each are 100%. None when the sentence has another shape."""
    ws = clean(text).strip().rstrip(".!").split()
    low = [w.lower().strip(",;:") for w in ws]
    if "within" not in low:
        return None
    w = low.index("within")
    q = next((i for i, x in enumerate(low[:w]) if x in _EVERY), None)
    if q is None or w + 1 >= len(low):
        return None
    r = read(" ".join(ws), _lang())
    if r.verb is None or r.verb not in low:
        return None
    v = low.index(r.verb)
    if r.frame in ("imperative", "past") and v < q:
        things, doing = ws[q + 1: w], _participle(r.verb_lemma or r.verb)
        rest: list[str] = []
    elif r.frame in ("declarative", "done") and q == 0 and 1 < v < w:
        things, rest = ws[1:v], ws[v + 1: w]
        if r.frame == "done" and r.verb in ("is", "are", "be", "was", "were") and rest:
            doing, rest = rest[0], rest[1:]  # "All incidents are acknowledged within ..."
        elif r.frame == "done":
            doing = ws[v]  # "All invoices sent within 2 days"
        else:
            doing = f"that {r.verb_lemma}" if r.verb_lemma else ""  # "Every ticket gets ...": "tickets that get"
    else:
        return None
    while things and things[-1].lower() in ("is", "are", "be", "get", "gets"):
        things = things[:-1]  # "All incidents are acknowledged": the helper verb is not part of the things
    if not things or not doing or any(x.lower() in ("a", "an", "the", *_EVERY) for x in things):
        return None  # "Give every new hire a buddy within a week": a second object, not one stream of things
    if low[q] != "all":
        things = [*things[:-1], _plural_of(things[-1])] if len(things) == 1 or things[-1].lower() not in PREPS \
            else things
    return " ".join(["Raise the share of", *things, doing, *rest, *ws[w:], f"from {TODAY} to 100%"])


def _plural_of(noun: str) -> str:
    low = noun.lower()
    if low.endswith("s") or not low.isalpha():
        return noun
    if low.endswith(("sh", "ch", "x", "z")):
        return noun + "es"
    if low.endswith("y") and low[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


@lru_cache(maxsize=1)
def _participles() -> dict[str, str]:
    """Lemma -> past participle from the part-of-speech table ('write' -> 'written', 'fix' -> 'fixed')."""
    out: dict[str, list[str]] = {}
    for form, lem in lemma_table().items():
        if "D" in flags(form):
            out.setdefault(lem, []).append(form)
    # two past forms ("wrote", "written"): the participle is the one in -n ("written", "shown", "done")
    return {lem: max(forms, key=lambda f: (f.endswith(("n", "ne")), len(f))) for lem, forms in out.items()}


def _participle(verb: str) -> str:
    if "D" in flags(verb):
        return verb
    got = _participles().get(verb)
    if got:
        return got
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def _result_forms(text: str) -> list[tuple[str, str]]:
    """A task or a wish without a number, turned into the quantity it should move (no number invented)."""
    lang = _lang()
    verb, obj = _split(text)
    if verb is None or not obj:
        return []
    if _has_digit(obj) and not (verb in lang.solution_verbs or verb in lx.DELIVERABLE_VERBS):
        return []  # a counted task ("Make 500 calls"): its number counts work, not a result
    span = f"from {TODAY} to {TARGET}"
    out: list[tuple[str, str]] = []
    states = verb in lang.hold_verbs or verb in ("make", "get", "have", "ensure")
    comp = _complement(obj, verb in lang.hold_verbs) if states else None
    if comp is not None:
        thing, state = comp
        np = _np(thing)
        if not np:
            return []
        if state in _FASTER:
            out.append((f"Shorten the time {np} {'take' if _plural(thing) else 'takes'} {span}",
                        "the speed you want, as the time it takes"))
        elif state in _CHEAPER:
            out.append((f"Cut the cost of {np} {span}", "cheaper, as the cost to move"))
        elif state in _LOW:
            if _quantity_head(thing):
                out.append((f"Cut {np} {span}", f"'{state}', as a level to bring down"))
        elif state in _HIGH or "C" in flags(state.split()[-1]):
            if _quantity_head(thing):
                out.append((f"Raise {np} {span}", f"'{state}', as a level to raise"))
        elif _plural(thing) or _mass(thing):
            be = "are" if _plural(thing) else "is"
            rel = "who" if about_people(tuple(w.lower() for w in thing), lang) else "that"
            out.append((f"Raise the share of {np} {rel} {be} {state} {span}",
                        f"'{state}' as the share of {np} that meets it"))
        return out
    cls = verb_class(verb, lang)
    np = _np(obj)
    tie = _ties_with_people(obj)
    if tie is not None and verb not in lx.DECREASE_VERBS and verb not in lang.hold_verbs:
        kind, people = tie  # "Improve/Build relationships with decision makers"
        return [(f"Raise the share of {people} who rate the {kind} as strong {span}",
                 f"the {kind}, as how the other side rates it")]
    if verb not in _NOT_COUNTING and (cls in ("change", "hold") or verb in lx.INCREASE_VERBS
                                      or verb in lx.DECREASE_VERBS):
        counted = _plural(obj) and (verb in lx.INCREASE_VERBS or verb in lx.DECREASE_VERBS)
        if counted and not _quantity_head(obj) and _head(obj) in lang.quality_nouns:
            np = f"the number of {_np(_no_det(obj))}"  # "Grow partnerships": how many, not how much
        if not _quantity_head(obj) and not counted:
            if _quality_head(obj) and verb not in lx.DECREASE_VERBS:
                out.append((f"Raise the {_np(_no_det(obj))} score {span}",
                            "a quality, as the score a survey gives it"))
            return out  # "Improve relationships with grocers": not a quantity, and no count the user named
        if verb in lx.DECREASE_VERBS:
            up = False
        elif verb in lx.INCREASE_VERBS:
            up = True
        else:  # "Improve the quality of our bug reports": the head says which way is better, not "bug"
            up = not lower_is_better(_head(obj) or np.lower(), None)
        out.append((f"{_verb_for(np.lower(), None, up=up)} {np} {span}", "what you named, as a number to move"))
        return out
    if verb in lang.solution_verbs or verb in lx.DELIVERABLE_VERBS:
        dest = _destination(obj, verb)
        if dest and not _has_digit(dest) and _np(dest).lower() not in ("it", "them", "this") and (
                _head(dest) in lang.artefact_nouns or _head(dest) in _TOOLS):  # a fundraiser is not adopted
            out.append((f"Raise adoption of {_np(dest)} {span}",
                        "the work, as the result it should bring: people using what you deliver"))
    return out


_NOT_COUNTING = {"get", "have", "make", "do", "take", "hit", "reach", "achieve"}  # "Get the budget approved"
_MOVE_VERBS = {"migrate", "move", "transfer", "switch", "port", "consolidate", "upgrade"}


_TOOLS = {"stages", "stage", "scanners", "scanner", "crm", "software", "runbook", "runbooks", "checklists", "apps",
          "tracker", "system", "forms", "form", "kiosk", "kiosks", "devices", "laptops", "handover", "rota"}


def _moved(obj: list[str], verb: str) -> list[str]:
    """'email to the cloud' -> 'email' for a verb that moves something; [] otherwise or when it holds a number."""
    low = [w.lower() for w in obj]
    if verb not in _MOVE_VERBS or "to" not in low[1:]:
        return []
    part = obj[: low.index("to")]
    return [] if _has_digit(part) or any(w.lower() in PREPS for w in part) else part


def _destination(obj: list[str], verb: str) -> list[str]:
    """What a delivery makes available: 'the records ... to the new CRM' -> 'the new CRM'; else the object up to
    its first preposition ('the referral programme for partners' -> 'the referral programme')."""
    low = [w.lower() for w in obj]
    if verb in _MOVE_VERBS and "to" in low[1:]:
        i = len(low) - 1 - low[::-1].index("to")
        tail = obj[i + 1:]
        if tail and tail[0].lower() in DETERMINERS and len(tail) <= 5:
            return tail
    head: list[str] = []
    for w in obj:
        if w.lower() in PREPS or w.lower() in CONJ or w.lower() in ("that", "which", "so"):
            break
        head.append(w)
    return head


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
    for rule in ("objective.outcome", "objective.inspiring"):
        if rule in rules:
            out += [Option(t, f"template for {rule}: {how}", rule) for t, how in _outcome_forms(title)]
            break
    return out


def _outcome_forms(title: str) -> list[tuple[str, str]]:
    """A task or a status-quo objective said as the state it should bring about, in the user's own words."""
    lang = _lang()
    verb, obj = _split(title)
    if verb is None or not obj:
        return []
    out: list[tuple[str, str]] = []
    if verb in lang.solution_verbs or verb in lx.DELIVERABLE_VERBS:
        # "Migrate email to the cloud": what is moved comes first; the destination is offered too, and the topic
        # check decides which of them still says what the original was about
        for dest in [d for d in (_moved(obj, verb), _destination(obj, verb)) if d]:
            if _has_digit(dest) or _np(dest).lower() in ("it", "them", "this") or (
                    _head(dest) in lang.people_nouns or _head(dest) in lang.quality_nouns):
                continue
            np = _np(dest)
            pl = _plural(dest)
            it = "them" if pl else "it"
            if _head(dest) in lang.artefact_nouns or _head(dest) in _TOOLS:  # a podcast or a fundraiser is no tool
                out.append((f"{_cap(np)} {'make' if pl else 'makes'} everyday work easier for the people who use "
                            f"{it}", "the delivery, as the difference it should make"))
            out.append((f"Everyone who relies on {np} gets what they need from {it}",
                        "the delivery, as what it should change for the people who use it"))
    elif verb in lang.hold_verbs:
        last = obj[-1].lower()
        if _has_digit(obj) or last in PREPS or (flags(last) and "N" not in flags(last)):
            return []  # "Keep the lights on": an idiom, not a thing that can grow stronger
        if _complement(obj, True) is not None:
            return []  # "Keep costs under control": a state held, not a thing that grows
        np = _np(obj)
        pl = _plural(obj)
        out.append((f"{_cap(np)} {'improve' if pl else 'improves'} every quarter",
                    "holding a level, as the improvement worth aiming for"))
    return out


# -- the grammar gate ----------------------------------------------------------------------------------------

def grammar_problems(text: str, *, objective: bool) -> list[str]:
    """Why a proposed rewrite does not read as a well-formed result (key result) or outcome (objective), or []."""
    lang = _lang()
    filled = fill_placeholders(text)
    if objective:
        kind, ev = objective_kind(filled, lang)
        return [] if kind == "outcome" else [f"it reads as a {kind} ({ev!r}), not an outcome"]
    quantified = parse_kr(filled).target is not None
    kind, ev = kr_kind(filled, quantified, lang)
    if kind != "result":
        return [f"it reads as a {kind} ({ev!r}), not a result"]
    r = read(filled, lang)
    toks = tokens(clean(filled))
    if toks and toks[0] in lx.INCREASE_VERBS | lx.DECREASE_VERBS | {"shorten", "lift", "raise", "cut"}:
        # "Raise patients safe from ...": the reader may take "patients safe" for a subject and its verb; a
        # rewrite that starts with a verb of change is read as that verb and the quantity after it
        obj: tuple[str, ...] | list[str] = toks[1:]
    elif r.frame != "imperative":
        return []
    elif r.verb_class not in ("change", "result", "hold"):
        return [f"its verb {r.verb!r} does not move a quantity"]
    else:
        obj = r.object_words
    metric: list[str] = []
    for w in obj:
        if w in ("from", "to") or re.match(r"^[$€£]?\d", w):
            break
        metric.append(w)
    if not metric:
        return ["it names nothing to move"]
    if len(metric) == 1 and (metric[0] in lx.ALL_VERBS or ("V" in flags(metric[0]) and "N" not in flags(metric[0]))):
        return [f"{metric[0]!r} is a verb, not a quantity"]
    if any(w in ("that", "who", "which", "whose") for w in metric):
        return []
    last, prev = metric[-1], metric[-2] if len(metric) > 1 else ""
    fl = flags(last)
    after_noun = bool(prev) and prev not in PREPS and prev not in DETERMINERS and prev not in CONJ and (
        "N" in flags(prev) or not flags(prev))
    if after_noun and last not in lang.measure_nouns and last not in QUANTITY_WORDS and (
            ("A" in fl and "D" not in fl and ("N" not in fl or _gradable(last)))
            or ("V" in fl and "N" not in fl and "D" not in fl)):
        return [f"a describing word after its noun ({prev} {last!r}): not a quantity"]
    return []


def _gradable(adj: str) -> bool:
    """An adjective with a comparative form ('clean' -> 'cleaner'): a noun does not have one."""
    forms = (adj + "er", adj + "r", adj[:-1] + "ier", adj + adj[-1:] + "er")
    return any("C" in flags(f) and lemma(f) == adj for f in forms)


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


_NUM_WORDS = re.compile(r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
                        r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen|"
                        r"half|double|triple|twice|quadruple|halve)\b", re.IGNORECASE)


def _number_marks(text: str) -> set[str]:
    """Every number in the text as written: digit runs (labels and years too) and number words."""
    t = text.replace(TODAY, " ").replace(TARGET, " ")
    digits = {d.replace(",", "").rstrip(".") for d in re.findall(r"\d[\d,]*(?:\.\d+)?", t)}
    return digits | {w.lower() for w in _NUM_WORDS.findall(t)}


def invents_numbers(original: str, proposed: str) -> bool:
    """True when the proposal holds a number the original does not (placeholders are not numbers): any digit run,
    year or label included, and number words ("two weeks", "double")."""
    have = {round(n.value, 6) for n in find_numbers(original)}
    marks = _number_marks(original)
    if _ALL_OF.search(original):
        have.add(100.0)  # "Answer every call within a day" is 100% of calls in time, said in words
        marks.add("100")
    if any(round(n.value, 6) not in have for n in find_numbers(proposed.replace(TODAY, "").replace(TARGET, ""))):
        return True
    return bool(_number_marks(proposed) - marks)


_ALL_OF = re.compile(r"\b(?:all|every|each)\b", re.IGNORECASE)


# Rules whose fix moves numbers out on purpose: an objective's number belongs in a key result, a second measure in
# its own key result, and a task's count ("Make 500 calls") is not the result that replaces it.
_DROPS_ALLOWED = {"objective.qualitative", "kr.concise", "kr.outcome"}


def drops_numbers(original: str, proposed: str, rule: str | None = None) -> bool:
    """True when the proposal leaves out a number the user gave (a library wording with placeholders where the
    user's target was), unless the rule being fixed is about moving that number out."""
    if rule in _DROPS_ALLOWED:
        return False
    kept = {round(n.value, 6) for n in find_numbers(proposed)}
    return any(round(n.value, 6) not in kept for n in find_numbers(original))


def anchor_words(text: str) -> set[str]:
    """The original's subject matter: its nouns (the task verb, adjectives and generic words left out), stemmed."""
    verb, rest = _split(text)
    ws = re.findall(r"[A-Za-z][A-Za-z'\-]*", " ".join(rest) if verb is not None else text)
    out: set[str] = set()
    for w in ws:
        lw = w.lower()
        f = flags(lw)
        if lw in _GENERIC or len(lw) < 3 or lw in DETERMINERS or lw in PREPS or lw in CONJ:
            continue
        if f and "N" not in f and "G" not in f and not w.isupper():
            continue  # verbs, adjectives, adverbs: not what the text is about
        out |= content_words(lw)
    return out - _GENERIC


def keeps_topic(checker: SenseChecker, original: str, opt: Option) -> tuple[bool, float | None]:
    """Same subject matter: the rewrite names what the original is about (its nouns) and is close in meaning.

    A template keeps the user's noun phrase by construction; it must name one of the original's nouns and pass the
    calibrated template floor. A library wording must name two of the original's nouns (all of them when it has
    fewer: one shared word such as 'pipeline' is not a topic) and be at least as close as the calibrated library
    threshold (benchmarks/calibrate_rewrite.py).
    """
    anchor = anchor_words(original)
    shared = anchor & content_words(strip_numbers(opt.text))
    sim = None
    if checker.vector:
        from coach.usecases.sense import similarity

        sim = round(similarity(strip_numbers(original), strip_numbers(opt.text)), 3)
    t = topic_thresholds()
    if not opt.library:
        return (bool(shared) or not anchor) and (sim is None or sim >= t["template_topic"]), sim
    need = min(2, len(anchor))
    return bool(anchor) and len(shared) >= need and (sim is None or sim >= t["library_topic"]), sim


def _with_user_words(checker: SenseChecker, original: str) -> SenseChecker:
    _, rest = _split(original)
    if not rest:
        return checker
    from copy import copy

    mine = copy(checker)
    mine.extra_metrics = [*checker.extra_metrics, strip_numbers(" ".join(rest))]
    mine.user_words = checker.user_words | content_words(strip_numbers(" ".join(rest)))
    return mine


def judge_option(okrs: OKRSet, before: Report, oi: int, ki: int | None, opt: Option, settings: Settings,
                 checker: SenseChecker) -> tuple[Rewrite | None, str]:
    """The rewrite if it keeps the topic, invents no number, makes sense and scores higher; else why not."""
    obj = okrs.objectives[oi]
    original = obj.title if ki is None else obj.key_results[ki].text
    if " ".join(opt.text.split()) == " ".join(original.split()):
        return None, "same as the original"
    if invents_numbers(original, opt.text):
        return None, "invents a number"
    if drops_numbers(original, opt.text, opt.rule):
        return None, "drops a number you gave"
    same, sim = keeps_topic(checker, original, opt)
    if not same:
        return None, "changes the topic"
    if ki is None:
        problems, _ = checker.objective_problems(opt.text)
    else:
        # Relatedness to the objective is the original's business; a rewrite must keep the original's topic
        # (checked above), not fix what the user chose to measure.
        # A template measures what the user named: the user's own words count as a metric they track.
        own = checker if opt.library else _with_user_words(checker, original)
        problems, _ = own.kr_problems(opt.text, obj.title, relate=False)
        verb, _ = _split(original)
        if not opt.library and verb in lx.INCREASE_VERBS | lx.DECREASE_VERBS:
            # the user's verb said which way their own metric should move ("Grow volunteer hours")
            problems = [p for p in problems if "the wrong way" not in p]
    if problems:
        return None, f"fails the sense check: {problems[0]}"
    bad = grammar_problems(opt.text, objective=ki is None)
    if bad:
        return None, f"does not read as {'an outcome' if ki is None else 'a result'}: {bad[0]}"
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


def warm_up(model: LLMLike, settings: Settings) -> None:
    """Read the choice prompt's fixed part into the embedded server's cache while the options are checked.

    The first answer of a freshly started llama.cpp server pays a one-time cost (about a second) on top of
    reading the prompt; done here, in the thread that started the model, it overlaps the rubric and embedding
    work instead of eating the first request's budget. Any failure only loses the speed-up.
    """
    prefill = getattr(model, "prefill", None)
    if prefill is None:
        return
    dummy = RewriteChoicePrompt(kind="key_result", text="-", objective="-", rule="-", message="-", candidates=[])
    try:
        prefill(render("rewrite_choice", dummy, settings=settings)[:1])
    except Exception:  # noqa: BLE001 - a speed-up only
        pass


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
