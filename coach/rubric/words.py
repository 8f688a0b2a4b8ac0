"""Words: the parts of speech of English word forms, the closed word classes of rubrics/language/, tokens.

The part-of-speech table (coach/data/english.tsv) is built from LemmInflect's tables by
scripts/build_lexicon.py; the word classes whose meaning matters to the rubric are data in
rubrics/language/english.yaml, validated here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

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
    head, dash, last = word.rpartition("-")
    if dash and head and last.endswith("ed") and "D" in table.get(last, "").partition("\t")[0]:
        return "D"  # "auto-closed", "restore-tested": a compound participle, a participle like its last part
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


def lemma_table() -> dict[str, str]:
    """Inflected form -> lemma, for every form the table lists with a different lemma."""
    return _split_table()[1]


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

    # One instance per rubric folder (load_language is cached); the readings are cached by (text, language),
    # so the language hashes by identity instead of hashing its twenty word sets on every lookup (object's own
    # hash, a C slot: no Python call for each cached reading looked up).
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

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
    input_verbs: frozenset[str] = frozenset()
    output_nouns: frozenset[str] = frozenset()
    position_nouns: frozenset[str] = frozenset()


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
_MARK_START = re.compile(r"[`*_~\"“”\[]")  # the first character of every mark _MARKS removes: one fast scan
_LABEL = re.compile(r"^\s*(?:\[[^\]]{1,12}\]\s*|[-•>+]\s*|\(?[0-9]{1,2}[.)]\s+|"
                    r"[A-Za-z]{1,3}\s?[0-9]{1,2}(?:\.[0-9])?\s*[:.)-]\s*|"
                    r"[A-Za-z][A-Za-z ]{0,20}:\s+)+")
_PAREN = re.compile(r"\([^()]*\)")
# The lookahead names every character a token starts with, so other positions (spaces) fail at once instead of
# trying each alternative; {1,3}+ takes the letters without giving any back (fewer letters would only put a letter
# where the digit must be).
_TOKEN = re.compile(r"(?=[A-Za-z$€£\d&/+])(?:"
                    r"[A-Za-z]{1,3}+\d+[A-Za-z\d]*\b"  # identifiers: Q1, P99, v2
                    r"|[A-Za-z][A-Za-z'’\-]*|[$€£]?\d[\d,.]*(?:%|[kKmMbB]n?\b)?|[&/+])")
DETERMINERS = frozenset("a an the this that these those our my your their its his her each every all some any no "
                         "one two three four five six seven eight nine ten new".split())
PRONOUNS = frozenset("we i you they he she it us them everyone everybody everything something anything nothing "
                      "someone anyone".split())
AUX = frozenset("is are was were be been being am has have had get gets got".split())
CONJ = frozenset({"and", "&", "/", "+", "or"})
PREPS = frozenset("of for in on at to by with from into across within per via over under about through above below "
                   "than until after before around among between beyond without towards toward onto".split())
TIME_WORDS = frozenset("day days week weeks month months quarter quarters year years sprint sprints half".split())
AGENT_ENDINGS = ("ers", "ors", "ists", "ians", "ants", "ents", "ees")  # dispatchers, auditors, clinicians
S_FUNCTION_WORDS = frozenset("as is was has does its this thus us his hers ours yours theirs plus always versus "
                              "across less towards afterwards whereas".split())
NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
                          "fifty hundred thousand million dozen".split())
MASS_S = frozenset("sales analytics operations logistics news ops devops economics".split())


def clean(text: str) -> str:
    """The sentence without Markdown marks, list labels ("KR1:", "Stretch:") and asides in brackets."""
    t = _MARKS.sub("", text) if _MARK_START.search(text) else text  # most texts hold no mark
    m = _LABEL.match(t)
    if m and len(t) - m.end() > 8 and not _verb_before_colon(t, m.end()):
        t = t[m.end():]
    t = _PAREN.sub(" ", t) if "(" in t else t
    return " ".join(t.split())


def _verb_before_colon(t: str, end: int) -> bool:
    """'Hire: 2 senior engineers': the word before the colon is the verb and what follows its object (a number or
    a number word), not a label ('Stretch: Reduce ...', 'KR1: Ship ...')."""
    head = t[:end].strip().rstrip(":").strip()
    if " " in head or not head.isalpha():
        return False
    rest = t[end:].split(maxsplit=1)
    nxt = rest[0].lower() if rest else ""
    return "V" in flags(head.lower()) and head.lower() not in _LABEL_VERBS and (nxt[:1].isdigit() or nxt in NUMBER_WORDS)


# Words that are verbs too but mark a key result in a list ("Stretch: 5 new logos", "Target: 40 demos").
_LABEL_VERBS = frozenset("stretch note focus target update bonus optional aim goal".split())


def tokens(text: str) -> list[str]:
    found = _TOKEN.findall(text)
    if text.isascii():
        return list(map(str.lower, found))  # no typographic apostrophe to replace: one C call for all tokens
    return [w.lower().replace("’", "'") for w in found]


@lru_cache(maxsize=8192)
def clean_tokens(text: str) -> tuple[str, tuple[str, ...]]:
    """clean(text) and its tokens, worked out once per text for every reading of it."""
    c = clean(text)
    return c, tuple(tokens(c))


def looks_plural(word: str) -> bool:
    """'customers', 'deals' (not 'process', 'status', 'analysis')."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def has_phrase(text: str, phrase: str) -> bool:
    """The phrase is in the text and ends a word there ("in post" in "... in post by May", not "in post-support")."""
    i = text.find(phrase)
    while i >= 0:
        after = text[i + len(phrase):i + len(phrase) + 1]
        if not (after.isalnum() or after == "-"):
            return True
        i = text.find(phrase, i + 1)
    return False


def is_number(tok: str) -> bool:
    return tok[0].isdigit() or tok[0] in "$€£"


# ---------------------------------------------------------------------------------------------------------------
NEGATIVE_BAR = frozenset({"no", "zero", "none", "never", "nobody"})
