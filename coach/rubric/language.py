"""Read a key result or an objective by its grammar: what the sentence does, not which words it holds.

A key result is one of three things (RUBRIC.md, "Reading the rules on real text"):
- a *result*: a quantity that should move or be reached ("Raise win rate from 21% to 30%", "500 paying users");
- a *task* or deliverable: an action, a counted output, or a state that is true once work is done
  ("Write the guide", "Publish 5 case studies", "The guide is published", "Audit logs for every query");
- *vague*: a wished-for change or quality with no bar ("Improve satisfaction", "Churn goes down").

The reading comes from the form of the sentence: its first verb and that verb's form (imperative, past
participle, finite, modal), the object after it (a quality or state, people, or a thing), comparatives,
numbers and thresholds. Parts of speech come from coach/data/english.tsv (every English word form); the
few closed classes whose meaning matters (verbs of change, of winning a result, of holding a level) are data in
rubrics/language/english.yaml. Any other verb reads as an action, so task verbs need no list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from coach.errors import RubricError

# ---------------------------------------------------------------------------------------------------------------
# The part-of-speech table


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """word -> 'FLAGS' or 'FLAGS\\tlemma' (flags: V base verb, D past/participle, G -ing, Z -s verb, N noun,
    A adjective, C comparative/superlative, R adverb). Words absent are nouns or names."""
    text = (resources.files("coach") / "data" / "english.tsv").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and line[0] != "#":
            word, _, rest = line.partition("\t")
            out[word] = rest
    return out


_PREFIXES = ("re", "pre", "co", "de", "un", "mis", "over", "out", "up", "cross", "sub")


@lru_cache(maxsize=16384)
def _entry(word: str) -> str:
    """The table's entry for a word, or for its American spelling (-ise -> -ize), or for a prefixed verb
    ("relaunch", "co-create"): the prefix keeps the part of speech."""
    table = _table()
    entry = table.get(word)
    if entry is not None:
        return entry
    if "is" in word:
        us = word.replace("isation", "ization").replace("ise", "ize").replace("ising", "izing")
        if us != word and us in table:
            return table[us]
    if word == "be":
        return "V"
    if word.endswith(("ized", "ised", "ated", "ified")) and len(word) > 7:
        return "D"  # "operationalized", "productized": participles the table does not list
    if len(word) > 6 and re.search(r"(?:ize|(?:al|it|ar|or|iv|ic|at|en)ise)$", word):
        return "V"  # "systematize", "formalise": verbs by their ending
    for pre in _PREFIXES:
        if word.startswith(pre) and len(word) > len(pre) + 3:
            rest = word[len(pre):].lstrip("-")
            sub = table.get(rest)
            if sub and ("V" in sub.partition("\t")[0] or "D" in sub.partition("\t")[0]):
                f, _, lem = sub.partition("\t")
                return f + ("\t" + pre + lem if lem else "")
    return ""


@lru_cache(maxsize=1)
def _split_table() -> tuple[dict[str, str], dict[str, str]]:
    flag_of: dict[str, str] = {}
    lemma_of: dict[str, str] = {}
    for word, entry in _table().items():
        f, _, lem = entry.partition("\t")
        flag_of[word] = f
        if lem:
            lemma_of[word] = lem
    return flag_of, lemma_of


_FLAGS: dict[str, str] = {}  # filled on first use: flags() runs for every word of every text


def flags(word: str) -> str:
    """The word's parts of speech as flag letters ("" for a noun or name the table does not list)."""
    if not _FLAGS:
        _FLAGS.update(_split_table()[0])
    f = _FLAGS.get(word)
    if f is None:
        f = _FLAGS[word] = _entry(word).partition("\t")[0] if len(_FLAGS) < 200_000 else ""
    return f


def lemma(word: str) -> str:
    lem = _split_table()[1].get(word)
    if lem is not None:
        return lem
    return (_entry(word).partition("\t")[2] or word) if word not in _split_table()[0] else word


# ---------------------------------------------------------------------------------------------------------------
# The closed classes


class Language(BaseModel):
    """rubrics/language/english.yaml, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    change_verbs: frozenset[str]
    result_verbs: frozenset[str]
    hold_verbs: frozenset[str]
    status_quo_verbs: frozenset[str]
    solution_verbs: frozenset[str]
    artefact_nouns: frozenset[str]
    observation_verbs: frozenset[str]
    state_verbs: frozenset[str]
    experience_verbs: frozenset[str]
    capability_modals: frozenset[str]
    lead_ins: frozenset[str]
    threshold_words: frozenset[str]
    comparison_words: frozenset[str]
    measure_nouns: frozenset[str]
    quality_nouns: frozenset[str]
    state_noun_endings: tuple[str, ...]
    quality_adjective_endings: tuple[str, ...]
    delivery_nouns: frozenset[str]
    done_states: frozenset[str]
    people_nouns: frozenset[str]
    state_clause_words: frozenset[str]


@lru_cache(maxsize=4)
def load_language(directory: Path) -> Language:
    path = directory / "language" / "english.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise RubricError(f"cannot read the language file: {exc}", location=str(path)) from exc
    for key, val in (data or {}).items():
        if isinstance(val, list) and any(isinstance(x, bool) or x is None for x in val):
            raise RubricError(f"{key} holds true/false/null: YAML reads no/yes/on/off/null as such; quote them",
                              location=str(path))
    try:
        return Language.model_validate({k: [str(x).lower() for x in v] if isinstance(v, list) else v
                                        for k, v in (data or {}).items()})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise RubricError(f"invalid language file: {'.'.join(map(str, err['loc']))}: {err['msg']}",
                          location=str(path)) from exc


# ---------------------------------------------------------------------------------------------------------------
# Tokens

_MARKS = re.compile(r"[`*_~\"“”]|\[[ xX]?\]")
_LABEL = re.compile(r"^\s*(?:\[[^\]]{1,12}\]\s*|[-•>+]\s*|\(?[0-9]{1,2}[.)]\s+|[A-Za-z]{1,3}\s?[0-9]{1,2}(?:\.[0-9])?\s*[:.)-]\s*|"
                    r"[A-Za-z][A-Za-z ]{0,20}:\s+)+")
_PAREN = re.compile(r"\([^()]*\)")
_TOKEN = re.compile(r"[A-Za-z]{1,3}\d+[A-Za-z\d]*\b|[A-Za-z][A-Za-z'’\-]*|[$€£]?\d[\d,.]*(?:%|[kKmMbB]n?\b)?|[&/+]")
_DETERMINERS = frozenset("a an the this that these those our my your their its his her each every all some any no "
                         "one two three four five six seven eight nine ten new".split())
_PRONOUNS = frozenset("we i you they he she it us them everyone everybody everything something anything nothing "
                      "someone anyone".split())
_AUX = frozenset("is are was were be been being am has have had get gets got".split())
_CONJ = frozenset({"and", "&", "/", "+", "or"})
_PREPS = frozenset("of for in on at to by with from into across within per via over under about through above below "
                   "than until after before around among between beyond without towards toward onto".split())
_TIME_WORDS = frozenset("day days week weeks month months quarter quarters year years sprint sprints half".split())
_AGENT_ENDINGS = ("ers", "ors", "ists", "ians", "ants", "ents", "ees")  # dispatchers, auditors, clinicians
_S_FUNCTION_WORDS = frozenset("as is was has does its this thus us his hers ours yours theirs plus always versus "
                              "across less towards afterwards whereas".split())
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
                          "fifty hundred thousand million dozen".split())
_MASS_S = frozenset("sales analytics operations logistics news ops devops economics".split())


def clean(text: str) -> str:
    """The sentence without Markdown marks, list labels ("KR1:", "Stretch:") and asides in brackets."""
    t = _MARKS.sub("", text)
    m = _LABEL.match(t)
    if m and len(t) - m.end() > 8:
        t = t[m.end():]
    t = _PAREN.sub(" ", t)
    return " ".join(t.split())


def tokens(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _TOKEN.findall(text)]


@lru_cache(maxsize=8192)
def _clean_tokens(text: str) -> tuple[str, tuple[str, ...]]:
    """clean(text) and its tokens, worked out once per text for every reading of it."""
    c = clean(text)
    return c, tuple(tokens(c))


def _is_number(tok: str) -> bool:
    return tok[0].isdigit() or tok[0] in "$€£"


# ---------------------------------------------------------------------------------------------------------------
# Readings


@dataclass(frozen=True, slots=True)
class Reading:
    frame: str  # imperative | past | declarative | done | noun_phrase | empty
    verb: str | None  # the word as written (lower case)
    verb_lemma: str | None
    verb_class: str | None  # change | result | hold | state | action
    comparative: bool
    state_object: bool  # the object's head is a quality or state, not a thing
    people_object: bool  # the object is people, or described by how it should be for them
    object_words: tuple[str, ...]


def _verb_class(lem: str, lang: Language) -> str:
    if lem in lang.hold_verbs:
        return "hold"
    if lem in lang.change_verbs or _made_from_adjective(lem):
        return "change"
    if lem in lang.result_verbs:
        return "result"
    if lem in lang.state_verbs:
        return "state"
    return "action"


def _made_from_adjective(verb: str) -> bool:
    """deepen, widen, shorten, strengthen: verbs that mean 'make more <adjective>'."""
    if len(verb) < 6 or not verb.endswith("en"):
        return False
    stem = verb[:-2]
    for s in (stem, stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem):
        f = flags(s)
        if "A" in f or (s.endswith("th") and "N" in f):  # strength -> strengthen, length -> lengthen
            return True
    return False


def _can_be_verb(word: str) -> bool:
    return "V" in flags(word)


def _comparative(toks: list[str], lang: Language) -> bool:
    """A comparison: "more", "fewer", an -er/-est form ("faster"), or "as fast as"."""
    for i, w in enumerate(toks):
        if w in lang.comparison_words:
            return True
        f = flags(w)
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        # "customer" and "smoother" are nouns too: a comparative is not followed by the noun it would modify
        free = nxt is None or nxt in _PREPS or nxt in _CONJ or nxt == "than"
        if "C" in f and "A" in f and (("N" not in f and "V" not in f) or free or i == 0):
            return True
        if free and not f and len(w) > 5 and w.endswith("er") and any(
                "A" in flags(stem) for stem in (w[:-2], w[:-1], w[:-3] + "y", w[:-3])):
            return True  # a comparative the table lacks ("smoother", "snappier")
        if w == "as" and i + 2 < len(toks) and toks[i + 2] == "as" and "A" in flags(toks[i + 1]):
            return True
    return False


def _object_traits(obj: list[str] | tuple[str, ...], lang: Language) -> tuple[bool, bool]:
    """(state, for_people) of the object noun phrase.

    state: its head names a quality or state ("awareness of our mission", "stronger relationships");
    for_people: it is about people or says how something should be for them ("our reps", "a memorable first
    week", "a team customers rave about").
    """
    chunk: list[str] = []
    rest_at = len(obj)
    for i, w in enumerate(obj):
        fw = flags(w)
        if chunk and ((w in _PREPS or w in _CONJ or w in lang.state_clause_words)
                      or (("G" in fw or "D" in fw) and "N" not in fw and "A" not in fw)):
            rest_at = i  # "a report characterizing performance": the head is "report"
            break
        if w not in _DETERMINERS and not _is_number(w):
            chunk.append(w)
    if not chunk:
        return False, False
    head = chunk[-1]
    fh = flags(head)
    indefinite = any(w in ("a", "an") for w in obj[:rest_at])
    state = (head.endswith(lang.state_noun_endings) and len(head) > 5 and "V" not in fh and not indefinite) or (
        False) or any(
        "C" in flags(w) and "N" not in flags(w) for w in chunk)
    people = any(
        "A" in flags(w) and "N" not in flags(w) and w.endswith(lang.quality_adjective_endings) for w in chunk) or (
        rest_at < len(obj) and obj[rest_at] in lang.state_clause_words
        and _clause_about_people(obj[rest_at + 1:], lang)) or _about_people(tuple(obj), lang, True)
    return state, people


_MODALS = frozenset("will shall must should would can could to aim want need plan going".split())


def _clause_about_people(clause: list[str] | tuple[str, ...], lang: Language) -> bool:
    """'... where the community is heard', '... customers rave about': the clause says how it is for people."""
    return any(w in lang.people_nouns or w in _PRONOUNS or w in lang.experience_verbs or lemma(w) in lang.experience_verbs
               or (w.endswith("ies") and w[:-3] + "y" in lang.people_nouns) for w in clause[:8])


def _skip_lead_in(toks: list[str], lang: Language) -> list[str]:
    """'We will launch', 'To launch', 'Our goal is to launch' -> 'launch'; 'We have a strong base' stays."""
    i = 0
    while i < len(toks) - 1 and toks[i] in lang.lead_ins:
        if toks[i] in _PRONOUNS and toks[i + 1] not in _MODALS:
            break  # "We have ...": the pronoun is the subject of a statement
        i += 1
    return toks[i:]


def _subject_then_verb(toks: list[str], start: int) -> int | None:
    """The index of a finite verb that follows a subject within the first words ("Support requests get ...")."""
    for j in range(start, min(len(toks), start + 5)):
        w = toks[j]
        if w in _AUX or w in ("can", "could", "will"):
            return j
        f = flags(w)
        if f and "V" not in f and ("Z" in f or "D" in f) and "N" not in f and "A" not in f:
            return j
    return None


_LEAD_CLAUSE = re.compile(r"^(?:for|each|every|by|in|within|twice|once|during|over|after|before|starting|from|"
                          r"as|when|until|given)\b[^,]{0,60},\s+", re.I)
_NOMINAL_BEFORE = _DETERMINERS | _PREPS | frozenset({"who", "which", "that", "whose"})


_GOAL_PREAMBLE = re.compile(r"^(?:our|the|my|this|a)\s+(?:main\s+|key\s+|big\s+)?(?:goal|aim|objective|mission|"
                            r"plan|focus|priority|intent|ambition)\s+(?:is|will be|for [^,]{1,30} is)\s+(?:to\s+)?", re.I)


def _strip_lead_clause(text: str) -> str:
    """"For every sprint, the team ..." -> "the team ..."; "Our goal is to grow ..." -> "grow ..."."""
    g = _GOAL_PREAMBLE.match(text)
    if g and len(text) - g.end() > 3:
        text = text[g.end():]
    m = _LEAD_CLAUSE.match(text)
    if not m or len(text) - m.end() <= 8:
        return text
    frame = tokens(text[:m.end()])
    if len(frame) > 6 or any("Z" in flags(w) and "N" not in flags(w) for w in frame):
        return text  # a clause with its own verb ("Every buyer who reaches out gets ..."), not a frame
    return text[m.end():]


def _finite_at(toks: list[str], j: int, people: frozenset[str] = frozenset()) -> bool:
    """Is toks[j] the finite verb of a clause whose subject came before it?"""
    w = toks[j]
    prev = toks[j - 1]
    if prev.endswith("ly") and "R" in flags(prev) and j >= 2:
        prev = toks[j - 2]  # "Customers rarely notice ...": look past the adverb to the subject
    if prev in _NOMINAL_BEFORE or prev in _CONJ or _is_number(prev) or prev in _MODALS or (
            prev.endswith("ly") and "R" in flags(prev)):
        return False
    f = flags(w)
    nxt = toks[j + 1] if j + 1 < len(toks) else None
    if "N" in f and nxt in _DETERMINERS and j + 2 < len(toks) and toks[j + 2] in _TIME_WORDS:
        return False  # "12 tech talks this quarter": a time phrase follows a plural noun, not an object a verb
    if "Z" in f:
        if "N" not in f:
            return nxt is not None and nxt != "to"  # "ticket templates to ...": a plural the table lacks as a noun
        if toks[0] in _DETERMINERS and j <= 4:
            return True  # "Every enterprise deal benefits from ...", "Our outreach starts conversations"
        if j == 1 and nxt in _PREPS and "V" not in flags(toks[0]):
            return True  # "Sales walks into every renewal": a one-word subject, then its verb
        if j == 1 and "G" in flags(toks[0]) and nxt is not None:
            return True  # "Marketing hands sales the leads": a gerund subject, then its verb
        return nxt is not None and ((nxt in _DETERMINERS and nxt != "that") or _is_number(nxt)
                                    or nxt in ("up", "down", "more", "less", "fewer", "back", "out")
                                    or ("R" in flags(nxt) and "A" not in flags(nxt)))
    subject_like = prev in _PRONOUNS or prev == "people" or (
        prev.endswith("s") and not prev.endswith("ss") and prev not in _MASS_S and prev not in _S_FUNCTION_WORDS)
    if "V" in f and "N" not in f and "A" not in f:
        # only a verb ("know", "collaborate") after a word that is not a determiner or preposition, unless the two
        # open a list of imperatives ("Design, implement and run ...")
        return not ("V" in flags(prev) and prev not in people and prev not in _PRONOUNS
                    and not (prev.endswith("s") and not prev.endswith("ss")))
    fn = flags(nxt) if nxt else ""
    if "V" in f and subject_like and nxt is not None and nxt not in _CONJ and (
            nxt in _DETERMINERS or nxt in _PRONOUNS or nxt in _PREPS or not fn or "N" not in fn or "A" in fn
            or "R" in fn):
        return True  # "Deals move through ...", "New users experience the core value ...": a plural subject, its verb
    return False


@lru_cache(maxsize=8192)
def _read(text: str, lang: Language) -> Reading:
    toks = _skip_lead_in(tokens(_strip_lead_clause(clean(text))), lang)
    while len(toks) > 1 and toks[0].endswith("ly") and "R" in flags(toks[0]):
        toks = toks[1:]  # "Successfully launch ...": the adverb says how, the verb after it what
    words = [w for w in toks if not _is_number(w)]
    if not words:
        return Reading("empty", None, None, None, False, False, False, ())
    comparative = _comparative(toks, lang)
    first = toks[0]
    f0 = flags(first)
    nxt = toks[1] if len(toks) > 1 else ""
    # A base-form verb first is an imperative ("Write the guide") unless a finite verb follows, which makes
    # the first word part of the subject ("Support requests get resolved", "Churn goes down"), or the next
    # word is a metric it qualifies ("Record growth").
    if first in lang.state_verbs and len(toks) > 1 and first not in ("love", "value", "trust"):
        return _imperative(first, toks, 1, comparative, lang, "imperative")
    if "V" in f0 and "C" not in f0 and first not in _DETERMINERS and first not in _NEGATIVE_BAR:
        ambiguous = "N" in f0 or "A" in f0
        subject = ambiguous and any(
            (_finite_at(toks, j, lang.people_nouns) and (j >= 2 or "N" not in flags(toks[j]) or "Z" in flags(toks[j])))
            or toks[j] in _AUX or toks[j] in lang.capability_modals
            for j in range(1, min(len(toks), 6)) if toks[j - 1] not in _NOMINAL_BEFORE)
        metric = ambiguous and _verb_class(first, lang) == "action" and _compound_names_metric(toks, lang)
        if not subject and not metric:
            return _imperative(first, toks, 1, comparative, lang, "imperative")
    if "G" in f0 and "V" not in f0 and not any(
            toks[j] in _AUX or _finite_at(toks, j, lang.people_nouns) for j in range(1, min(len(toks), 7))):
        # "Hiring 2 developers", "Attending 2 events": the activity itself (not "Shipping feels routine")
        return _imperative(first, toks, 1, comparative, lang, "imperative")
    if "D" in f0 and "V" not in f0 and "A" not in f0:  # "Delivered a strategy ...", "Shipped the beta"
        return _imperative(first, toks, 1, comparative, lang, "past")
    # An unknown word, then a determiner or a number: a verb the table does not know ("Onboard 20 ...").
    if not f0 and first.isalpha() and (nxt in _DETERMINERS or (nxt and _is_number(nxt))) and text.lstrip()[:1].isalpha():
        return _imperative(first, toks, 1, comparative, lang, "imperative")
    # The subject comes first: find its verb.
    for j in range(1, len(toks)):
        w = toks[j]
        f = flags(w)
        if w in lang.capability_modals:
            return Reading("done", w, w, "action", comparative, False, False, tuple(toks[j + 1:]))
        if w in _AUX and j + 1 < len(toks):
            k = j + 1
            while k < len(toks) and (toks[k] in ("been", "being", "not", "now", "all", "already")
                                     or ("R" in flags(toks[k]) and toks[k].endswith("ly"))):
                k += 1
            nxt_w = toks[k] if k < len(toks) else ""
            fn = flags(nxt_w)
            after = toks[k + 1] if k + 1 < len(toks) else ""
            if "G" in fn and ("N" not in fn or (w in ("is", "are", "am", "was", "were") and after in _DETERMINERS)):
                # "The team is modeling a set of data": an activity under way
                return Reading("done", nxt_w, lemma(nxt_w), "action", comparative, False, False, tuple(toks[k + 1:]))
            if any(x in lang.done_states for x in toks[k:k + 3]) or ("D" in fn and "C" not in fn) or (w in ("has", "have", "had") and "D" not in fn):
                # "The guide is published", "Every alert has a runbook", "We have delivered a report"
                lem = lemma(nxt_w) if "D" in fn else w
                return Reading("done", nxt_w or w, lem, _verb_class(lem, lang) if "D" in fn else "action",
                               comparative, False, False, tuple(toks[k + 1:]))
            return Reading("declarative", w, lemma(w), "state", comparative, False, False, tuple(toks[j + 1:]))
        if w in lang.done_states and toks[j - 1] not in _DETERMINERS:
            return Reading("done", w, w, "action", comparative, False, False, tuple(toks[j + 1:]))
        if "D" in f and "V" not in f and "N" not in f and j <= 10 and toks[j - 1] not in _NOMINAL_BEFORE \
                and not (toks[j - 1].endswith("ly") and "R" in flags(toks[j - 1])):
            # "Announcements published and shared", "Engine featured at 3 conferences"
            lem = lemma(w)
            return Reading("done", w, lem, _verb_class(lem, lang), comparative, False, False, tuple(toks[j + 1:]))
        if _finite_at(toks, j, lang.people_nouns):
            lem = lemma(w)
            cls = "state" if lem in lang.experience_verbs else _verb_class(lem, lang)
            return Reading("declarative", w, lem, cls, comparative, False, False, tuple(toks[j + 1:]))
    low = " ".join(toks)
    for state in lang.done_states:
        if " " in state and f" {state}" in f" {low}":  # "... in place", "... up and running"
            return Reading("done", state, state, "action", comparative, False, False, ())
    return Reading("noun_phrase", None, None, None, comparative, *_object_traits(toks, lang), tuple(toks))


def _compound_names_metric(toks: list[str], lang: Language) -> bool:
    """'Candidate experience score of 4.5 or higher': the first word starts a noun compound whose last word
    names a metric, followed by its value, so the first word is not an imperative verb."""
    last = None
    end = len(toks)
    for i, w in enumerate(toks[1:4], 1):
        f = flags(w)
        if w in _DETERMINERS or w in _PREPS or w in _CONJ or _is_number(w) or (f and "N" not in f):
            end = i
            break
        last = w
    if last is None or not any(_is_number(w) for w in toks):
        return False
    after = toks[end] if end < len(toks) else None
    if after is not None and not (after in _PREPS or _is_number(after) or after in ("or", "at", "above", "below")):
        return False
    return last in lang.measure_nouns or (last.endswith(lang.state_noun_endings) and len(last) > 5
                                          and "V" not in flags(last))


def _np_reads_as_metric(toks: list[str], lang: Language) -> bool:
    """'Record growth', 'Support satisfaction': a noun compound that names a quantity, not an imperative."""
    return any(w in lang.measure_nouns for w in toks[1:4]) and not any(
        _is_number(w) or w in _DETERMINERS for w in toks[1:3])


def _imperative(word: str, toks: list[str], i: int, comparative: bool, lang: Language, frame: str) -> Reading:
    lem = word if "V" in flags(word) else lemma(word)
    obj = toks[i:]
    while obj and (obj[0] in ("and", "&", "/") or obj[0] in ("out", "up", "on")):
        obj = obj[1:]
        if obj and "V" in flags(obj[0]) and obj[0] not in _DETERMINERS:  # "Record and publish 5 episodes"
            obj = obj[1:]
    cls = _verb_class(lem, lang)
    if cls == "action" and lem in ("make", "get") and _comparative(obj[:4], lang):
        cls = "change"  # "Make onboarding smoother": a change wished for, not a thing made
    if cls == "action" and lem in ("bring", "drive", "push", "take", "go", "move", "get") and (
            "down" in obj[1:] or "up" in obj[1:] or any(w == "to" and i + 1 < len(obj) and _is_number(obj[i + 1])
                                                          for i, w in enumerate(obj))):
        cls = "change"  # "Bring production errors down to 0", "Bring satisfaction to 4.6"

    return Reading(frame, word, lem, cls, comparative, *_object_traits(obj, lang), tuple(obj))


def read(text: str, lang: Language) -> Reading:
    return _read(text, lang)


# ---------------------------------------------------------------------------------------------------------------
# Key results


_BENCHMARK = re.compile(r"\b(?:above|below|beat|beats|match|matches|exceed|exceeds|at|under|over)\W+(?:the\W+)?"
                        r"(?:[a-z]+\W+){0,2}(?:average|benchmark|median|target|sla|slo)\b")
_NEGATIVE_BAR = frozenset({"no", "zero", "none", "never", "nobody"})
_AS_AS = re.compile(r"\bas\s+\w+\s+as\b")  # "as fast as simple text": parity is a bar


def has_threshold_words(toks: list[str] | tuple[str, ...], lang: Language) -> bool:
    return any(w in lang.threshold_words for w in toks)


@lru_cache(maxsize=8192)
def kr_kind(text: str, quantified: bool, lang: Language) -> tuple[str, str]:
    """('result' | 'task' | 'vague', evidence) for one key result; `quantified` = the parser found a target."""
    r = read(text, lang)
    cleaned, ttoks = _clean_tokens(text)
    toks = list(ttoks)
    low = cleaned.lower()
    negative_bar = any(w in _NEGATIVE_BAR for w in toks)
    bar = quantified or has_threshold_words(toks, lang) or any(w in _NUMBER_WORDS for w in toks) or bool(_BENCHMARK.search(low)) or bool(_AS_AS.search(low))
    ev = r.verb or cleaned[:60]
    if r.frame == "empty":
        return ("result" if quantified else "vague"), ev
    if any(" " in s and f" {s}" in f" {low}" for s in lang.done_states):
        return "task", ev  # "... in place", "... up and running"
    if r.frame == "imperative" and len(r.object_words) > 1 and r.object_words[0] == "to" and r.verb_class != "change" \
            and "V" in flags(r.object_words[1]):
        return kr_kind(" ".join(r.object_words[1:]), quantified, lang)  # "Start to make X easier": read "make X easier"
    if r.frame == "imperative" and r.verb_lemma == "ensure" or (r.verb_lemma == "make" and r.object_words[:1] == ("sure",)):
        rest = [w for w in r.object_words if w not in ("sure", "that")]
        if rest:  # "Ensure that bugs get filed automatically": the clause after it is what to read
            return kr_kind(" ".join(rest), quantified, lang)
    if r.frame in ("imperative", "past"):
        cls = r.verb_class
        if r.verb_lemma in lang.observation_verbs:
            return "task", ev  # "Measure the diversity of ...", "Track churn weekly": setting up a measurement
        obj = r.object_words
        if r.verb_lemma in ("have", "get") and len(obj) > 1 and (any(
                "V" in flags(w) and "N" not in flags(w) and "A" not in flags(w) for w in obj[1:4]) or (
                obj[0] not in _DETERMINERS and not _is_number(obj[0]) and obj[0] not in lang.comparison_words
                and "C" not in flags(obj[0]) and "V" in flags(obj[1]))):
            return "task", ev  # "Have the layout match the spec": work to make something so
        if r.verb_lemma == "have" and quantified and (_percent_in(toks) or _names_measure_or_people(r.object_words, lang)):
            cls = "result"  # "Have 15 repeat customers": a result held, not a meeting had
        if cls == "action" and quantified and (_percent_in(toks) or "all" in toks) and "within" in toks:
            cls = "result"  # "Resolve 95% of tickets within a day": a service level, not a count of work done
        if r.verb_lemma in ("get", "have") and any("D" in flags(w) and "V" not in flags(w) and "A" not in flags(w)
                                                   for w in r.object_words[1:5]):
            return "task", ev  # "Get the budget approved", "Have 2 changes merged": work done and signed off
        if cls == "hold" and r.object_words and "G" in flags(r.object_words[0]) and _verb_class(
                lemma(r.object_words[0]), lang) == "action":
            return "task", ev  # "Keep sending 400 emails a week": the gerund names the activity
        if cls == "result" and not bar and _names_one_thing(r.object_words):
            return "task", ev  # "Close the funding round", "Secure the Acme grant": a milestone, done or not
        if cls in ("hold", "change", "result", "state"):
            return ("result" if bar else "vague"), ev
        # An action is a task whatever it counts, unless it only asks for a quality ("Create awareness") or for
        # more of something with no bar ("Write more tests").
        obj = r.object_words
        if not quantified and r.frame == "imperative" and obj and (
                r.state_object or obj[0] in lang.comparison_words
                or obj[-1] in lang.comparison_words or ("C" in flags(obj[-1]) and "A" in flags(obj[-1]))):
            return "vague", ev  # "Write more tests", "Understand each account better": more or better, no bar
        return "task", ev
    if r.frame == "done":
        # A state that is true once work is done ("The guide is published", "Every alert has a runbook") is a
        # deliverable; a measured share of people or things in a state, or a zero bar, is a result.
        if negative_bar:
            return "result", ev
        if quantified and (_percent_in(toks) or _names_measure_or_people(toks, lang) or "within" in toks):
            return "result", ev  # "Every case answered within 48 hours": a service level
        return "task", ev
    if r.frame == "declarative":
        if quantified or negative_bar or (bar and not r.comparative):
            return "result", ev
        if r.verb_class == "action" and not r.comparative and not ({"up", "down"} & set(r.object_words[:3])):
            return "task", ev  # "Each member of the team performs a data project": work done, nothing measured
        return "vague", ev
    # A noun phrase: a measured quantity, a metric with no target, or a thing to deliver.
    if not quantified and _head(r.object_words, lang) in lang.artefact_nouns:
        return "task", ev  # "A style guide for all public letters": a thing to make, whatever it covers
    if quantified or bar:
        return "result", ev
    if r.object_words and r.object_words[0] in _PREPS:
        return "vague", ev  # "For new customers": a fragment that names no deliverable and no measure
    if r.comparative or r.state_object or any(w in lang.measure_nouns for w in r.object_words):
        return "vague", ev
    return "task", ev


def _names_one_thing(obj: tuple[str, ...]) -> bool:
    """'the funding round', 'the Acme grant': one definite thing, not an amount."""
    return bool(obj) and obj[0] in ("the", "our") and not any(_is_number(w) or "C" in flags(w) for w in obj)


@lru_cache(maxsize=8192)
def holds_level(text: str, quantified: bool, lang: Language) -> str | None:
    """The hold verb when the key result only keeps a bar it already meets ("Maintain above-average diversity",
    "Continue to triage all bugs within a week", "... and keep the A+ rating"); None otherwise."""
    cleaned, toks = _clean_tokens(text)
    if not any(w in lang.hold_verbs or lemma(w) in lang.hold_verbs for w in toks):
        return None  # most key results hold nothing: no hold verb, nothing more to read
    low = " ".join(toks)
    bar = quantified or has_threshold_words(toks, lang) or bool(_BENCHMARK.search(low)) or bool(
        re.search(r"\b[a-d][+]|\b(?:above|below|under|over|at least|at most)\b", cleaned.lower()))
    if not bar:
        return None
    r = read(text, lang)
    if r.frame in ("imperative", "past") and r.verb_class == "hold" and not (
            r.object_words and "G" in flags(r.object_words[0])
            and _verb_class(lemma(r.object_words[0]), lang) == "action" and r.verb_lemma != "continue"):
        return r.verb
    for i, w in enumerate(toks[1:], 1):  # "... to maintain X above ...", "... and keep X at ..."
        if lemma(w) in lang.hold_verbs and lemma(w) != "continue" and toks[i - 1] in ("to", "and", "&", "while"):
            return w
    return None


def _percent_in(toks: list[str]) -> bool:
    return any(w.endswith("%") for w in toks)


def _names_measure_or_people(toks: list[str] | tuple[str, ...], lang: Language) -> bool:
    return any(w in lang.measure_nouns or w in lang.people_nouns or w.rstrip("s") in lang.people_nouns
               for w in toks)


def _number_before_verb(toks: list[str], verb: str | None) -> bool:
    if verb is None or verb not in toks:
        return False
    return any(_is_number(w) for w in toks[: toks.index(verb)])


# ---------------------------------------------------------------------------------------------------------------
# Objectives


@lru_cache(maxsize=4096)
def objective_kind(text: str, lang: Language, extra_hold_verbs: frozenset[str] = frozenset()) -> tuple[str, str]:
    """('outcome' | 'deliverable' | 'hold' | 'topic', evidence) for one objective title."""
    r = read(text, lang)
    cleaned = clean(text)
    if r.frame in ("imperative", "past") and not r.object_words:
        return "topic", cleaned  # one word ("Team", "Hiring"): a label, not a goal
    if r.frame == "imperative" and r.verb_class == "action" and len(r.object_words) == 1 and len(tokens(cleaned)) == 2 and (
            r.object_words[0] in lang.measure_nouns or r.object_words[0] in lang.quality_nouns
            or r.object_words[0].endswith(lang.state_noun_endings)):
        return "topic", cleaned  # "Code health", "Product excellence": a noun and its quality, not an instruction
    if r.frame in ("imperative", "past"):
        ev = " ".join(cleaned.split()[:3]) if r.verb else cleaned
        if r.verb_class == "hold" or (r.frame == "imperative" and r.verb_lemma in lang.status_quo_verbs | extra_hold_verbs):
            return "hold", r.verb or ev
        toks = tokens(cleaned)
        if _percent_in(toks) and "within" in toks:
            return "outcome", ev  # "Answer 95% of tickets within 2 hours": a service level (a number, not a task)
        obj = r.object_words
        if r.verb_lemma in lang.solution_verbs or _means_clause(obj, lang):
            return "deliverable", _evidence_from(cleaned, r.verb)  # "Use templates to ...", "... by launching X"
        head = _head(obj, lang)
        if r.verb_class == "action" and head in lang.artefact_nouns and not r.comparative \
                and not any("C" in flags(w) for w in obj[:4]):
            return "deliverable", _evidence_from(cleaned, r.verb)  # "Establish a comprehensive tracking system"
        if r.verb_class == "action" and (head in lang.people_nouns or (
                head.endswith("ies") and head[:-3] + "y" in lang.people_nouns)) and any(
                "A" in flags(w) and "N" not in flags(w) for w in obj[:obj.index(head)] if head in obj):
            return "outcome", ev  # "Build a small, devoted community": a group of people as it should be
        about_people = _about_people(r.object_words, lang, complement=True) or _describes_quality(r.object_words, lang)
        # "Make the stream great", "Have a healthy balance sheet", "Establish the brand as the go-to resource":
        # a verb with a complement that says how something should be.
        causative = (r.verb_lemma in ("make", "have", "get") and any("A" in flags(w) and "N" not in flags(w)
                                                                      for w in obj)) or (
            r.verb_lemma == "make" and not (obj and _is_number(obj[0]))) or _positioned_as(obj)
        if r.verb_class == "action" and not (r.state_object or r.people_object or r.comparative or about_people
                                             or causative):
            return "deliverable", _evidence_from(cleaned, r.verb)
        return "outcome", ev
    if r.frame == "noun_phrase":
        toks = list(r.object_words)
        if len([w for w in toks if not _is_number(w)]) <= 2 and not any(w in lang.delivery_nouns for w in toks):
            return "topic", cleaned  # "Happy customers", "Financial health": a label, not a goal
        if any(w in lang.delivery_nouns for w in toks):
            hit = next(w for w in toks if w in lang.delivery_nouns)
            return "deliverable", hit
        if _describes_state(toks, lang):
            return "outcome", cleaned
        return "topic", cleaned
    if r.frame in ("done", "declarative") and r.verb_lemma in ("have", "has", "develop", "deliver", "build", "create") \
            and _head(r.object_words, lang) in lang.artefact_nouns:
        return "deliverable", cleaned  # "We have developed a playbook", "The initiative has a validated design"
    return "outcome", cleaned


def _head(obj: tuple[str, ...], lang: Language) -> str:
    """The last noun of the object's first phrase ("a comprehensive change tracking system" -> "system")."""
    head = ""
    for i, w in enumerate(obj):
        f = flags(w)
        nxt = obj[i + 1] if i + 1 < len(obj) else ""
        if head and (w in _PREPS or w in _CONJ or w in lang.state_clause_words or w == "to"
                     or (("G" in f or "D" in f) and "N" not in f and "A" not in f and nxt not in lang.artefact_nouns)):
            break  # "a report characterizing ...": the head came before; "a change tracking system" is one noun
        if w not in _DETERMINERS and not _is_number(w):
            head = w
    return head


def _means_clause(obj: tuple[str, ...], lang: Language) -> bool:
    """'... by launching two programmes': the objective names the work that should bring it about (a change or
    a result as the means, 'by converting more leads', is still an outcome)."""
    for i, w in enumerate(obj[:-1]):
        if w != "by":
            continue
        g = obj[i + 2] if obj[i + 1].endswith("ly") and i + 2 < len(obj) else obj[i + 1]
        if g.endswith("ing") and _verb_class(lemma(g), lang) == "action":
            return True
    return False


def _positioned_as(obj: tuple[str, ...]) -> bool:
    """'Establish the brand as the go-to resource': the object is placed in a role, a state to reach."""
    if obj.count("as") != 1:
        return False
    i = obj.index("as")
    return 0 < i < len(obj) - 1 and obj[i + 1] in _DETERMINERS


def _describes_quality(obj: tuple[str, ...], lang: Language) -> bool:
    """The object says how something should be: a quality noun ('culture', 'experience'), a quality adjective
    ('productive', 'seamless') or a participle used as one ('a devoted community', 'a unified vision')."""
    seen_prep = False
    for i, w in enumerate(obj):
        f = flags(w)
        nxt = obj[i + 1] if i + 1 < len(obj) else None
        seen_prep = seen_prep or (w in _PREPS and w != "of")
        if w in lang.quality_nouns and not seen_prep and (
                nxt is None or nxt in _PREPS or nxt in _CONJ or nxt in lang.state_clause_words):
            return True  # the head of a phrase ("a great culture"), not a modifier ("a health scoring tool")
        if "A" in f and "N" not in f and w.endswith(lang.quality_adjective_endings):
            return True
        if (w.startswith(("high-", "well-", "self-")) or (i > 0 and obj[i - 1] in ("highly", "well", "truly"))) \
                and nxt is not None and nxt not in _PREPS:
            return True  # "a high-performing team", "a well-run process", "a truly devoted community"
        if i > 0 and obj[i - 1] == "high" and w.endswith("ing"):
            return True  # "a high performing team"
    return False


def _about_people(obj: tuple[str, ...], lang: Language, complement: bool = False) -> bool:
    """People are the object's head, or the head of an 'of' phrase ('the growth of our reps'); a beneficiary
    ('training for the sales team') or a modifier ('team processes') does not count. With `complement`, the
    people must be followed by what they should do or be ('Help our reps close faster', 'reps who ...')."""
    for i, w in enumerate(obj):
        if w in _PREPS and w != "of" or w in lang.state_clause_words:
            return False
        if w in lang.people_nouns or w in _PRONOUNS or (w.endswith("ies") and w[:-3] + "y" in lang.people_nouns) or (
                complement and w.endswith(_AGENT_ENDINGS) and len(w) > 5):
            nxt = obj[i + 1] if i + 1 < len(obj) else None
            fn = flags(nxt) if nxt else ""
            if complement:
                if nxt is not None and (nxt == "to" or nxt in lang.state_clause_words or "V" in fn or "Z" in fn):
                    return True
                continue
            if nxt is None or nxt in _PREPS or nxt in _CONJ or nxt in lang.state_clause_words or (fn and "N" not in fn):
                return True  # the head, not a modifier ("partner portal", "team processes")
    return False


def _describes_state(toks: list[str], lang: Language) -> bool:
    """A noun phrase that says how something should be ("Happy customers", "Reliable deploys")."""
    for w in toks:
        f = flags(w)
        if ("A" in f and "N" not in f and w not in _DETERMINERS) or "C" in f or ("D" in f and "V" not in f):
            return True
        if w in lang.done_states:
            return True
    return False


def _evidence_from(text: str, verb: str | None) -> str:
    if not verb:
        return text
    low = text.lower()
    i = low.find(verb)
    if i < 0:
        return verb
    return " ".join(text[i:].split()[:2])


def language_for(rules_dir: Path) -> Language:
    return load_language(rules_dir)


__all__ = ["Language", "Reading", "flags", "lemma", "read", "kr_kind", "objective_kind", "load_language", "clean",
           "tokens"]


def _debug(text: str, lang: Language) -> dict[str, Any]:  # pragma: no cover - for `python -m` exploration only
    r = read(text, lang)
    return {"reading": r, "kr": kr_kind(text, False, lang), "objective": objective_kind(text, lang)}
