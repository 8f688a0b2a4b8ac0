"""Sentences: the frame of a key result or objective (imperative, done state, subject and verb, noun phrase),
its verb and that verb's class, and what its object is about."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from coach import lexicon as lx
from coach.rubric.words import (
    AGENT_ENDINGS, AUX, CONJ, DETERMINERS, MASS_S, NEGATIVE_BAR, NUMBER_WORDS, PREPS, PRONOUNS, S_FUNCTION_WORDS,
    TIME_WORDS, Language, clean, clean_tokens, flags, has_phrase, is_number, lemma, looks_plural, tokens,
)

# Readings


@dataclass(frozen=True)
class Reading:
    """The frame, the verb and the object of one sentence. Whether it compares and what its object is about are
    worked out only when a check asks (most key results with a number never need them)."""

    frame: str  # imperative | past | declarative | done | noun_phrase | empty
    verb: str | None  # the word as written (lower case)
    verb_lemma: str | None
    verb_class: str | None  # change | result | hold | state | action
    object_words: tuple[str, ...]
    sentence: tuple[str, ...] = ()  # every token, for the comparison
    traits_of: tuple[str, ...] | None = None  # the phrase whose head decides state/people; None: neither
    lang: Language | None = field(default=None, compare=False, repr=False)

    @cached_property
    def comparative(self) -> bool:
        return bool(self.sentence) and self.lang is not None and has_comparison(self.sentence, self.lang)

    @cached_property
    def _traits(self) -> tuple[bool, bool]:
        if self.traits_of is None or self.lang is None:
            return False, False
        return _object_traits(self.traits_of, self.lang)

    @property
    def state_object(self) -> bool:
        """The object's head is a quality or state, not a thing."""
        return self._traits[0]

    @property
    def people_object(self) -> bool:
        """The object is people, or described by how it should be for them."""
        return self._traits[1]


def verb_class(lem: str, lang: Language) -> str:
    if "-" in lem and lem.replace("-", "") in lang.result_verbs | lang.change_verbs:
        lem = lem.replace("-", "")  # "up-sell", "re-grow"
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


def has_comparison(toks: list[str], lang: Language) -> bool:
    """A comparison: "more", "fewer", an -er/-est form ("faster"), or "as fast as"."""
    for i, w in enumerate(toks):
        if w in lang.comparison_words:
            if w in ("least", "most") and i and toks[i - 1] == "at":
                continue  # "at least one": a bar, not a comparison
            return True
        f = flags(w)
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        # "customer" and "smoother" are nouns too: a comparative is not followed by the noun it would modify
        free = nxt is None or nxt in PREPS or nxt in CONJ or nxt == "than"
        if "C" in f and "A" in f and (("N" not in f and "V" not in f) or free or i == 0
                                      or (i == 1 and toks[0] in ("a", "an"))):  # "A smoother first-run experience"
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
        if chunk and ((w in PREPS or w in CONJ or w in lang.state_clause_words)
                      or (("G" in fw or "D" in fw) and "N" not in fw and "A" not in fw)):
            rest_at = i  # "a report characterizing performance": the head is "report"
            break
        if w not in DETERMINERS and not is_number(w):
            chunk.append(w)
    if not chunk:
        return False, False
    head = chunk[-1]
    fh = flags(head)
    indefinite = any(w in ("a", "an") for w in obj[:rest_at])
    state = (head.endswith(lang.state_noun_endings) and len(head) > 5 and "V" not in fh and not indefinite) or (
        head in lang.quality_nouns and _plain_modifiers(chunk[:-1], lang) and (
            not indefinite or any(_describing(w) for w in chunk[:-1]))) or any(
        "C" in flags(w) and "N" not in flags(w) for w in chunk)
    # A clause that says how it should be for people may follow the head or a phrase after it ("a space for new
    # members where everyone feels welcome"); the first clause opener within a few words counts.
    clause_at = next((i for i in range(rest_at, min(len(obj), rest_at + 6)) if obj[i] in lang.state_clause_words),
                     None)
    people = any(
        "A" in flags(w) and "N" not in flags(w) and w.endswith(lang.quality_adjective_endings) for w in chunk) or (
        clause_at is not None and _clause_about_people(obj[clause_at + 1:], lang)) or about_people(tuple(obj), lang,
                                                                                                     True)
    return state, people


def _describing(word: str) -> bool:
    """An adjective that says how something is: only an adjective ('seamless'), or one with a comparative
    ('great' -> 'greater'); 'portal' is tagged an adjective too but has no degrees."""
    f = flags(word)
    if "A" not in f or "V" in f or "G" in f:
        return False
    return "N" not in f or any("C" in flags(word + end) for end in ("er", "r"))


def _plain_modifiers(mods: list[str], lang: Language) -> bool:
    """'strong relationships', 'customer trust': the quality itself; 'the Playground experience', 'the onboarding
    experience' name a thing to build, a product's part called an experience; 'a great onboarding experience' says
    how it should be."""
    if any(_describing(w) for w in mods):
        return True
    return all(w in lang.people_nouns or w.endswith("'s") or w.rstrip("s") in lang.people_nouns for w in mods)


_BAR_PREPS = frozenset({"to", "under", "below", "above", "over", "within"})  # "Bring query time under 10s"
_AFTER_A_METRIC = frozenset({"to", "of", "per", "for", "from", "in"})
_OBJECT_OPENERS = frozenset("a an the all every each our my your their its some no more fewer less".split())


MODALS = frozenset("will shall must should would can could to aim want need plan going".split())


def _clause_about_people(clause: list[str] | tuple[str, ...], lang: Language) -> bool:
    """'... where the community is heard', '... customers rave about': the clause says how it is for people."""
    return any(w in lang.people_nouns or w in PRONOUNS or lemma(w) in lang.experience_verbs
               or (w.endswith("ies") and w[:-3] + "y" in lang.people_nouns) for w in clause[:8])


def _skip_lead_in(toks: list[str], lang: Language) -> list[str]:
    """'We will launch', 'To launch', 'Our goal is to launch' -> 'launch'; 'We have a strong base' stays."""
    i = 0
    while i < len(toks) - 1 and toks[i] in lang.lead_ins:
        if toks[i] in PRONOUNS and toks[i + 1] not in MODALS:
            break  # "We have ...": the pronoun is the subject of a statement
        i += 1
    return toks[i:]


_LEAD_CLAUSE = re.compile(r"^(?:for|each|every|by|in|within|twice|once|during|over|after|before|starting|from|"
                          r"as|when|until|given)\b[^,]{0,60},\s+", re.I)
NOMINAL_BEFORE = DETERMINERS | PREPS | frozenset({"who", "which", "that", "whose"})


_GOAL_PREAMBLE = re.compile(r"^(?:our|the|my|this|a)\s+(?:main\s+|key\s+|big\s+)?(?:goal|aim|objective|mission|"
                            r"plan|focus|priority|intent|ambition)\s+(?:is|will be|for [^,]{1,30} is)\s+(?:to\s+)?",
                            re.I)


def _strip_lead_clause(text: str) -> str:
    """"For every sprint, the team ..." -> "the team ..."; "Our goal is to grow ..." -> "grow ..."."""
    g = _GOAL_PREAMBLE.match(text)
    if g and len(text) - g.end() > 3:
        text = text[g.end():]
    m = _LEAD_CLAUSE.match(text) if "," in text else None  # a lead clause ends with a comma
    if not m or len(text) - m.end() <= 8:
        return text
    frame = tokens(text[:m.end()])
    if len(frame) > 6 or any("Z" in flags(w) and "N" not in flags(w) for w in frame):
        return text  # a clause with its own verb ("Every buyer who reaches out gets ..."), not a frame
    return text[m.end():]


_FREQUENCY_ADVERBS = frozenset({"never", "always", "still", "also", "often", "seldom", "ever", "now"})
_LEVEL_PREPS = frozenset({"above", "below", "under", "over", "at", "within"})
_CHANGE_PREPS = frozenset({"to", "by", "from"})
# Linking verbs: what follows says how the subject is ("feels welcoming", "stays above 95%").
LINKING_VERBS = frozenset("feel look seem become remain stay sound appear".split())
_LINKING_Z = frozenset(v + "s" for v in LINKING_VERBS)


def _finite_at(toks: list[str], j: int, people: frozenset[str] = frozenset(), lang: Language | None = None) -> bool:
    """Is toks[j] the finite verb of a clause whose subject came before it?"""
    w = toks[j]
    prev = toks[j - 1]
    if ((prev.endswith("ly") and "R" in flags(prev)) or prev in _FREQUENCY_ADVERBS) and j >= 2:
        prev = toks[j - 2]  # "Customers rarely notice ...", "Stock never drops ...": look past the adverb
    if prev in NOMINAL_BEFORE or prev in CONJ or is_number(prev) or prev in MODALS or (
            prev.endswith("ly") and "R" in flags(prev)):
        return False
    f = flags(w)
    nxt = toks[j + 1] if j + 1 < len(toks) else None
    if "N" in f and nxt in DETERMINERS and j + 2 < len(toks) and toks[j + 2] in TIME_WORDS:
        return False  # "12 tech talks this quarter": a time phrase follows a plural noun, not an object a verb
    if w in _LINKING_Z and nxt is not None and ("A" in flags(nxt) or "G" in flags(nxt) or nxt in _LEVEL_PREPS):
        return True  # "Community feels welcoming", "Renewal rate stays above 95%": a linking verb and its state
    if lang is not None and "Z" in f and (j == 1 or (j == 2 and toks[1] in _FREQUENCY_ADVERBS)) \
            and verb_class(lemma(w), lang) == "change" \
            and verb_class(prev, lang) != "change" and nxt in _LEVEL_PREPS | _CHANGE_PREPS:
        return True  # "Churn falls to 3%", "Traffic rises by 10%": a subject, then the change it makes
    if nxt == "per":
        return False  # "Secondary spend per head", "Cost per hire": a rate's noun, not a verb
    if w in ("down", "up") and nxt in _CHANGE_PREPS:
        return False  # "Admissions down by a third": the direction of a change, not the verb "to down"
    if w in ("goes", "does"):
        return nxt is not None  # ("goes" is no plural noun here) "Quote turnaround goes from 2 days to ..."
    if "Z" in f:
        if nxt in AUX:
            return False  # "All supplier invoices are approved": a plural noun before its helper verb
        fn_ = flags(nxt) if nxt else ""
        if fn_ and "N" not in fn_ and "A" not in fn_ and ("D" in fn_ or "G" in fn_) and "V" not in fn_:
            return False  # "All corporate cards moved to ...", "All teams deploying ...": the noun, then its verb
        if "N" not in f:
            return nxt is not None and nxt != "to"  # "ticket templates to ...": a plural the table lacks as a noun
        if j == 1 and not flags(toks[0]) and toks[0].isalpha() \
                and nxt is not None and (nxt in DETERMINERS or ("N" in flags(nxt) and looks_plural(nxt))):
            return True  # "Chatbot answers questions correctly": a noun the table lacks, then its verb
        if toks[0] in DETERMINERS and j <= 4:
            return True  # "Every enterprise deal benefits from ...", "Our outreach starts conversations"
        if j == 1 and nxt in PREPS and "V" not in flags(toks[0]) and "A" not in flags(toks[0]) and not (
                people and toks[0] in people and not looks_plural(toks[0])):  # ("Customer contacts about ...")
            return True  # "Sales walks into every renewal": a one-word subject, then its verb
        if j == 1 and "G" in flags(toks[0]) and nxt is not None:
            return True  # "Marketing hands sales the leads": a gerund subject, then its verb
        return nxt is not None and ((nxt in DETERMINERS and nxt != "that") or is_number(nxt)
                                    or nxt in ("up", "down", "more", "less", "fewer", "back", "out")
                                    or ("R" in flags(nxt) and "A" not in flags(nxt) and nxt not in PREPS))
    subject_like = prev in PRONOUNS or prev == "people" or (prev in people and prev + "s" not in people) or (
        # ("Staff like ..."; a singular count noun before a base form is a compound: "Customer support Q3")
        prev.endswith("s") and not prev.endswith("ss") and prev not in MASS_S and prev not in S_FUNCTION_WORDS)
    if nxt in _LINKING_Z:
        return False  # "Agency spend remains below ...": the verb is the linking one after this word
    if "V" in f and "N" not in f and "A" not in f:
        # only a verb ("know", "collaborate") after a word that is not a determiner or preposition, unless the two
        # open a list of imperatives ("Design, implement and run ...")
        return not ("V" in flags(prev) and prev not in people and prev not in PRONOUNS
                    and not (prev.endswith("s") and not prev.endswith("ss")))
    fn = flags(nxt) if nxt else ""
    if "V" in f and subject_like and nxt is not None and nxt not in CONJ and (
            nxt in DETERMINERS or nxt in PRONOUNS or nxt in PREPS or not fn or "N" not in fn or "A" in fn
            or "R" in fn):
        return True  # "Deals move through ...", "New users experience the core value ...": a plural subject, its verb
    return False


@lru_cache(maxsize=8192)
def _read(text: str, lang: Language) -> Reading:
    whole, whole_toks = clean_tokens(text)  # kept by text: the other readings of this text need them too
    cleaned = _strip_lead_clause(whole)
    toks = _skip_lead_in(list(whole_toks) if cleaned is whole else tokens(cleaned), lang)
    while len(toks) > 1 and toks[0].endswith("ly") and "R" in flags(toks[0]) and "A" not in flags(toks[0]):
        toks = toks[1:]  # "Successfully launch ...": the adverb says how, the verb after it what
    if "," in cleaned and _LISTED_FIRST.match(cleaned):
        toks = _verbs_listed(toks)
    if all(map(is_number, toks)):  # no word but numbers (stops at the first word, usually the first token)
        return Reading("empty", None, None, None, ())
    sentence = tuple(toks)
    first = toks[0]
    f0 = flags(first)
    nxt = toks[1] if len(toks) > 1 else ""
    # A base-form verb first is an imperative ("Write the guide") unless a finite verb follows, which makes
    # the first word part of the subject ("Support requests get resolved", "Churn goes down"), or the next
    # word is a metric it qualifies ("Record growth").
    if first in lang.state_verbs and len(toks) > 1 and first not in ("love", "value", "trust"):
        return _imperative(first, toks, 1, sentence, lang, "imperative")
    if "V" in f0 and "C" not in f0 and first not in DETERMINERS and first not in NEGATIVE_BAR \
            and first not in lang.people_nouns:  # "People who rely on ... use every flow": a subject
        ambiguous = "N" in f0 or "A" in f0
        # "Time to first response under 1 hour", "Rate of returns below 2%": a metric named first, not a verb
        metric_first = first in lang.measure_nouns and nxt in _AFTER_A_METRIC
        if ambiguous and not metric_first and (nxt in _OBJECT_OPENERS or (nxt and is_number(nxt))) \
                and not looks_plural(first) and not _name_and_number_subject(toks):
            # "Ship all planned features within Q3", "Track every renewal": a verb and its object; a plural noun
            # first ("Deals all close ...") is a subject
            return _imperative(first, toks, 1, sentence, lang, "imperative")
        after_nxt = toks[2] if len(toks) > 2 else ""
        # "Feature adopted by 40% of users", "Design approved by legal": a noun, then its participle
        noun_first = "N" in f0 and first not in lang.observation_verbs
        participle = noun_first and nxt and "D" in flags(nxt) and "V" not in flags(nxt) and (
            not after_nxt or after_nxt in PREPS or after_nxt in CONJ or is_number(after_nxt))
        k = 1
        while noun_first and not participle and k < min(len(toks) - 1, 4) and (
                "N" in flags(toks[k]) or (not flags(toks[k]) and toks[k].replace("-", "").isalpha())) \
                and toks[k] not in DETERMINERS:
            # "Support calls answered in 20 seconds", "Green Flag awards kept at all 9 parks": a subject of a
            # few nouns, then its participle
            after = flags(toks[k + 1])
            participle = ("D" in after and "V" not in after and "N" not in after and (
                k + 2 >= len(toks) or toks[k + 2] in PREPS or is_number(toks[k + 2]))) \
                or _change_after(toks, k + 1, lang)
            k += 1
        subject = ambiguous and (participle or _ends_in_change(toks, lang) or _name_and_number_subject(toks)
                                 or _quality_in(toks, lang)) or ambiguous and any(
            (_finite_at(toks, j, lang.people_nouns, lang) and (j >= 2 or "N" not in flags(toks[j]) or "Z" in flags(toks[j])))
            or toks[j] in AUX or toks[j] in lang.capability_modals
            for j in range(1, min(len(toks), 6)) if toks[j - 1] not in NOMINAL_BEFORE)
        metric = ambiguous and verb_class(first, lang) == "action" and (
            metric_first or _compound_names_metric(toks, lang) or _bare_metric_name(toks, lang)
            or _metric_then_bar(toks, lang, text) or _named_then_bar(toks, lang, text))
        if not subject and not metric and not _name_measure_value(toks, lang):
            return _imperative(first, toks, 1, sentence, lang, "imperative")
    if "G" in f0 and "V" not in f0 and not _bare_metric_name(toks, lang) and not _metric_then_bar(toks, lang, text) \
            and not _named_then_bar(toks, lang, text) and not _compound_names_metric(toks, lang) and not any(
            toks[j] in AUX or _finite_at(toks, j, lang.people_nouns, lang) for j in range(1, min(len(toks), 7))):
        # "Hiring 2 developers", "Attending 2 events": the activity itself (not "Shipping feels routine")
        return _imperative(first, toks, 1, sentence, lang, "imperative")
    if "D" in f0 and "V" not in f0 and "A" not in f0 and not _metric_then_bar(toks, lang, text) and not (
            len(toks) > 2 and (looks_plural(toks[1]) or toks[1] in lang.people_nouns)
            and (toks[2] in AUX or toks[2] in ("have", "get", "show", "rate", "stay", "remain", "use"))):
        # (not "Trained customers have 10% higher retention": a participle describing the subject, then its verb)
        # "Delivered a strategy ...", "Shipped the beta" (not "Missed appointments below 5%": a metric and its bar)
        return _imperative(first, toks, 1, sentence, lang, "past")
    if first in lang.delivery_nouns and "V" not in f0 and (nxt in DETERMINERS or (nxt and is_number(nxt))
                                                            or nxt in ("at", "out")):
        return _imperative(first, toks, 1, sentence, lang, "imperative")  # "Rollout at least 20 new ...", "Setup the ..."
    # An unknown word, then a determiner or a number: a verb the table does not know ("Onboard 20 ...").
    if not f0 and first.isalpha() and first not in DETERMINERS and first not in NEGATIVE_BAR \
            and not first.endswith(_NOUN_ENDINGS) \
            and (nxt in DETERMINERS or (nxt and is_number(nxt))) and text.lstrip()[:1].isalpha() \
            and not _acronym_first(text, first):  # ("CSAT ≥ 92%": a metric's short name, not a verb)
        return _imperative(first, toks, 1, sentence, lang, "imperative")
    # The subject comes first: find its verb.
    relative = False  # inside "who/which/that ... <its verb>": the main verb comes after that clause's verb
    for j in range(1, len(toks)):
        w = toks[j]
        f = flags(w)
        if toks[j - 1] in ("who", "which", "that") and "V" in f:
            relative = True
            continue
        if relative and "V" in f and toks[j - 1] not in NOMINAL_BEFORE and toks[j - 1] not in CONJ \
                and not is_number(toks[j - 1]) and (j + 1 < len(toks) and (toks[j + 1] in DETERMINERS
                                                                            or toks[j + 1] in PRONOUNS)):
            lem = lemma(w)  # "People who rely on a screen reader use every core flow"
            cls = "state" if lem in lang.experience_verbs or w in _LINKING_Z else verb_class(lem, lang)
            return Reading("declarative", w, lem, cls, tuple(toks[j + 1:]), sentence, None, lang)
        if w in lang.capability_modals:
            return Reading("done", w, w, "action", tuple(toks[j + 1:]), sentence, None, lang)
        if j in (2, 3) and _name_and_number_subject(toks) and is_number(toks[1]) and (
                ("Z" in flags(w) and "N" not in flags(w) and (j == 2 or _noun_like(toks[2])))
                or (j == 3 and looks_plural(toks[2]))):
            # "Tier 2 resolves 70% of escalations", "Tier 2 nurses handle 40% of ..."
            lem = lemma(w)
            return Reading("declarative", w, lem, verb_class(lem, lang), tuple(toks[j + 1:]), sentence, None, lang)
        if w in AUX and j + 1 < len(toks):
            k = j + 1
            while k < len(toks) and (toks[k] in ("been", "being", "not", "now", "all", "already")
                                     or ("R" in flags(toks[k]) and toks[k].endswith("ly"))):
                k += 1
            nxt_w = toks[k] if k < len(toks) else ""
            fn = flags(nxt_w)
            after = toks[k + 1] if k + 1 < len(toks) else ""
            if "G" in fn and ("N" not in fn or (w in ("is", "are", "am", "was", "were") and after in DETERMINERS)):
                # "The team is modeling a set of data": an activity under way
                return Reading("done", nxt_w, lemma(nxt_w), "action", tuple(toks[k + 1:]), sentence, None, lang)
            if w in ("has", "have", "had") and nxt_w in lang.comparison_words:
                # "We have fewer questions from new members": more or less of something held, a change
                return Reading("declarative", w, lemma(w), "state", tuple(toks[k:]), sentence, None, lang)
            if any(x in lang.done_states for x in toks[k:k + 3]) or ("D" in fn and "C" not in fn) or (
                    w in ("has", "have", "had") and "D" not in fn):
                # "The guide is published", "Every alert has a runbook", "We have delivered a report"
                lem = lemma(nxt_w) if "D" in fn else w
                return Reading("done", nxt_w or w, lem, verb_class(lem, lang) if "D" in fn else "action",
                               tuple(toks[k + 1:]), sentence, None, lang)
            return Reading("declarative", w, lemma(w), "state", tuple(toks[j + 1:]), sentence, None, lang)
        if w in lang.done_states and toks[j - 1] not in DETERMINERS:
            return Reading("done", w, w, "action", tuple(toks[j + 1:]), sentence, None, lang)
        if "D" in f and "V" not in f and "N" not in f and j <= 10 and toks[j - 1] not in NOMINAL_BEFORE \
                and toks[j - 1] not in lang.comparison_words \
                and not (is_number(toks[j - 1]) and j + 1 < len(toks) and _noun_like(toks[j + 1], only=True)) \
                and not (toks[j - 1].endswith("ly") and "R" in flags(toks[j - 1])) \
                and not (j + 1 < len(toks) and toks[j + 1] not in CONJ and _finite_at(toks, j + 1, lang.people_nouns, lang)):
            # ("Volunteer hours logged grow to 12,000": the participle describes the subject; its verb follows)
            # "Announcements published and shared", "Engine featured at 3 conferences"
            lem = lemma(w)
            if j + 1 < len(toks) and "G" in flags(toks[j + 1]) and (
                    "N" not in flags(toks[j + 1]) or (j + 2 < len(toks) and toks[j + 2] in DETERMINERS)):
                # "5 new groups started running events": a verb in the past with its -ing complement, not a
                # participle describing work done
                return Reading("declarative", w, lem, verb_class(lem, lang), tuple(toks[j + 1:]), sentence, None,
                               lang)
            return Reading("done", w, lem, verb_class(lem, lang), tuple(toks[j + 1:]), sentence, None, lang)
        if _finite_at(toks, j, lang.people_nouns, lang):
            lem = lemma(w)
            cls = "state" if lem in lang.experience_verbs or w in _LINKING_Z else verb_class(lem, lang)
            return Reading("declarative", w, lem, cls, tuple(toks[j + 1:]), sentence, None, lang)
    low = " ".join(toks)
    for state in lang.done_states:
        if " " in state and has_phrase(f" {low} ", f" {state}"):  # "... in place", "... up and running"
            return Reading("done", state, state, "action", (), sentence, None, lang)
    return Reading("noun_phrase", None, None, None, sentence, sentence, sentence, lang)


_LISTED_FIRST = re.compile(r"^\W*[A-Za-z-]+\s*,\s*[A-Za-z-]+")  # "Design, build ...": a list starts


def _verbs_listed(toks: list[str]) -> list[str]:
    """'Design, implement, maintain and enhance a platform': the first verb, then 'and', the last verb and its
    object (the verbs between share that object)."""
    k = 1
    while k < len(toks) and "V" in flags(toks[k]) and toks[k] not in DETERMINERS and toks[k] not in ("and", "&"):
        k += 1
    if k == 1 or k + 1 >= len(toks) or toks[k] not in ("and", "&") or "V" not in flags(toks[k + 1]):
        return toks
    return [toks[0], *toks[k:]]


def _acronym_first(text: str, first: str) -> bool:
    """The text starts with the word in capitals ("CSAT", "NPS"): a short name, not a verb."""
    head = text.lstrip(" *_`#>-")[:len(first)]
    return len(first) >= 2 and head.isupper() and head.lower() == first


_ZERO_WORDS = frozenset({"zero", "none", "nil", "nothing"})


def _capitalised(text: str, word: str) -> bool:
    m = re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text, re.I)
    return m is not None and text[m.start()].isupper()


def _metric_then_bar(toks: list[str], lang: Language, text: str = "") -> bool:
    """'Fire deaths: zero', 'Plan cancellations <3% per month', 'Missed appointments below 5%', 'Trial signups
    2x': a few nouns (the first could be a verb or a participle), then straight away a number or a bar. A verb
    the lexicon knows as a task or a change ('Publish posts 3 times a week', 'Cut churn below 2%') stays a verb."""
    first = lemma(toks[0])
    if first in lx.ALL_VERBS or first in lang.observation_verbs or len(toks) < 3:
        return False
    f1 = flags(toks[1])
    if toks[2] == "per" and ("N" in f1 or not f1):
        return True  # "Missed collections per household": a rate named (its bar may be left out)
    k = 1
    while k < len(toks) and k <= 4:
        w = toks[k]
        if toks[k + 1:k + 2] == ["per"] and w.isalpha() and w not in DETERMINERS and w not in PREPS:
            return True  # "Average basket spend per visit": a rate named (the word before "per" is its noun)
        if is_number(w) or w in _ZERO_WORDS:
            # ("Hiring 2 developers": the number right after the first word is its object's count; "Sunset
            # Python 2 support": a number after a name is part of the name)
            return k > 1 and not _capitalised(text, toks[k - 1])
        if w in _BAR_WORDS or ("C" in flags(w) and toks[k + 1:k + 2] == ["than"]) or w in ("down", "up"):
            # (one word before "down"/"up" is a metric too: "Churn down to 3%")
            return (k > 1 or w in ("down", "up")) and any(is_number(x) or x in _ZERO_WORDS or x in NUMBER_WORDS
                                                          or x in _FRACTION_WORDS for x in toks[k + 1:k + 5])
        f = flags(w)
        if w in DETERMINERS or w in PREPS or w in CONJ or (f and "N" not in f):
            return False
        k += 1
    return False


# A stated level for what the words before it name: ": 0", ": 95%", "< 30", ">= 4.5", "down to 7 days", "up by a
# third", "at least 4/5", "above 0.2".
_COLON_VALUE = re.compile(r":\s*(?:[<>≤≥~]=?\s*)?(?:[$£€]?\d|(?:zero|none|nil|no)\b)", re.I)
_SYMBOL_BAR = re.compile(r"(?:^|\s)(?:[<>≤≥]=?|=<|=>)\s*[$£€]?\d")
_LEVEL_PAIRS = frozenset({("down", "to"), ("up", "to"), ("down", "by"), ("up", "by"), ("at", "least"), ("at", "most")})
_FRACTION_WORDS = frozenset({"half", "third", "quarter", "fifth", "tenth"})


def _names_a_measure(word: str, lang: Language) -> bool:
    """A noun that names a measure or a state: 'satisfaction', 'rating', 'cancellations', 'wait time'."""
    base = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    return (word in lang.measure_nouns or base in lang.measure_nouns
            or (base.endswith(("tion", "ment", "ing")) and (not flags(word) or "N" in flags(word)))
            or base.endswith(lang.state_noun_endings))


_CLAUSE_OPENERS = frozenset({"how", "what", "when", "where", "why", "whether", "if", "that", "which", "who"})


def _ends_in_change(toks: list[str], lang: Language) -> bool:
    """'Phone calls to the contact centre about blue badges halve': the sentence ends in a verb of change with no
    object, after a noun; what comes before it is its subject, so the first word is a noun, not an imperative."""
    last, before = toks[-1], toks[-2] if len(toks) > 2 else ""
    if len(toks) < 3 or not before or "V" not in flags(last) or verb_class(lemma(last), lang) != "change":
        return False
    if before in DETERMINERS or before in PREPS or before in CONJ or before in MODALS or before in PRONOUNS \
            or toks[1] in DETERMINERS or toks[1] in PRONOUNS or not _CLAUSE_OPENERS.isdisjoint(toks):
        return False
    fb = flags(before)
    return not fb or "N" in fb or "Z" in fb


_NOUN_ENDINGS = ("tion", "sion", "ment", "ness", "ity", "ance", "ence", "ship")


def _name_measure_value(toks: list[str], lang: Language) -> bool:
    """'Google rating 4.6 or above': a word the table knows only as a verb (here a name), then a measure and its
    value at once. Verbs known for work or change ("Publish", "Cut") and for measuring ("Track") stay verbs."""
    first = toks[0]
    if len(toks) < 3 or "N" in flags(first) or "A" in flags(first) or first in lx.ALL_VERBS \
            or lemma(first) in lx.ALL_VERBS or first in lang.observation_verbs \
            or verb_class(lemma(first), lang) != "action":
        return False
    return (toks[1] in lang.measure_nouns or _names_a_measure(toks[1], lang)) and is_number(toks[2])


def _name_and_number_subject(toks: list[str]) -> bool:
    """'Tier 2 resolves 70% of escalations': a name with its number, then a verb in the third person, is the
    subject of that verb (not "Hire 2 engineers")."""
    if len(toks) < 4 or not is_number(toks[1]) or toks[0] in lx.ALL_VERBS:
        return False  # ("Hold 12 tech talks this quarter": a verb known for work and its count)
    if len(toks) > 4 and looks_plural(toks[2]) and _noun_like(toks[2]) and "V" in flags(toks[3]) \
            and (is_number(toks[4]) or toks[4] in DETERMINERS):
        return True  # "Tier 2 nurses handle 40% of minor injuries": a plural subject, then its verb
    i = 3 if len(toks) > 4 and _noun_like(toks[2]) and "Z" in flags(toks[3]) else 2  # "Level 1 support resolves ..."
    nxt = toks[i + 1]
    f = flags(toks[i])
    return "Z" in f and "N" not in f and (is_number(nxt) or nxt in DETERMINERS or nxt in _OBJECT_OPENERS)


def _noun_like(word: str, only: bool = False) -> bool:
    """A word that can be a noun (or one the table does not list); with `only`, one that can only be a noun:
    '500 paid enrolments' has its participle before such a word, as an adjective ('paid'), not as the clause's
    verb."""
    f = flags(word)
    return word.isalpha() and (f in ("", "N", "NZ") if only else (not f or "N" in f)) and word not in PREPS \
        and word not in DETERMINERS and not (only and word in CONJ)


def _quality_in(toks: list[str], lang: Language) -> bool:
    """'Trust in marketing numbers', 'Confidence among new starters': a quality, then what or whom it is in; a
    noun phrase, not the verb "to trust"."""
    return len(toks) > 2 and toks[1] in ("in", "among", "across", "between") and (
        toks[0] in lang.quality_nouns or toks[0] in lang.measure_nouns) and toks[0] != "focus"


def _change_after(toks: list[str], i: int, lang: Language) -> bool:
    """'Test suite runtime cut by half', 'Tickets halved': a verb of change (its participle looks like its base
    form) after the subject's nouns, then a preposition of change or a number, or the end."""
    if i >= len(toks):
        return False
    w = toks[i]
    f = flags(w)
    if "V" not in f and "D" not in f:
        return False
    if verb_class(lemma(w), lang) != "change":
        return False
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    return not nxt or nxt in ("by", "to", "in", "from", "below", "under", "above", "over") or is_number(nxt)


def _named_then_bar(toks: list[str], lang: Language, text: str) -> bool:
    """'Average wait for a routine appointment down to 7 days', 'Dispensing errors reaching the patient: 0',
    'Play Store rating of at least 4.5 stars': a first word that is also a noun, an adjective or a gerund, a
    noun or adjective after it (no determiner, number or particle, which an object would start with), and later a
    level stated for what those words name, with no verb of its own between. A metric named first, then its bar;
    read as an imperative ("average the wait ...") it would be a task. Verbs of change read the same either way,
    and a frequency ("at least 3 times a week") counts an activity."""
    if len(toks) < 3 or "times" in toks:
        return False
    f0 = flags(toks[0])
    if not ("N" in f0 or "A" in f0 or "G" in f0) or verb_class(lemma(toks[0]), lang) != "action" \
            or toks[0] in lang.observation_verbs:
        return False  # ("Track parcels delivered in under 2 days": setting up a measurement)
    second = toks[1]
    f1 = flags(second)
    if second in DETERMINERS or second in PREPS or second in PRONOUNS or is_number(second) \
            or second in ("up", "out", "down", "off", "on", "in") or (f1 and "N" not in f1 and "A" not in f1):
        return False
    if lemma(toks[0]) in lx.ALL_VERBS and not any(_names_a_measure(w, lang) for w in toks[1:4]):
        return False  # a verb known for work ("Review contracts above $50k": which contracts) needs a measure named
        # after it to be read as a name ("Plan cancellations <3%", "Hiring manager satisfaction at least 4/5")
    end = len(toks)
    m = _COLON_VALUE.search(text) or _SYMBOL_BAR.search(text)
    if m is None:
        for j in range(2, min(len(toks) - 1, 12)):
            w, nxt = toks[j], toks[j + 1]
            after = toks[j + 2] if j + 2 < len(toks) else ""
            if ((w, nxt) in _LEVEL_PAIRS and (is_number(after) or after in NUMBER_WORDS or after in ("a", "one")
                                              or after in _FRACTION_WORDS)) \
                    or (w in ("above", "below", "under", "over") and is_number(nxt)):
                end = j
                break
        else:
            return False
    for j in range(2, min(end, len(toks))):
        f = flags(toks[j])
        if f and "V" in f and not ({"N", "A", "G", "D"} & set(f)) and toks[j - 1] != "to":
            return False  # "Plan events that reach ...": a verb of its own before the level
        if toks[j] in DETERMINERS and toks[j - 1] not in PREPS and "G" not in flags(toks[j - 1]):
            return False  # "Finish and share the video: ...": a word with an object is a verb (not "reaching the")
    return True


def _bare_metric_name(toks: list[str], lang: Language) -> bool:
    """'Average call wait time', 'Pricing page conversion': a short noun compound, no number, no determiner or
    preposition, that names a measure; the first word is a noun here, not a verb ("Launch the onboarding
    experience" names a quality, and is a delivery).
    (Verbs that set up a measurement, "Track conversion", stay imperatives.)"""
    if not 2 <= len(toks) <= 5 or toks[0] in lang.observation_verbs or toks[0] in lang.solution_verbs \
            or toks[1] in ("out", "up"):
        return False  # "Launch the ... experience", "Roll out ...": a delivery, whatever its object is called
    if any(is_number(w) or w in DETERMINERS or w in PREPS or w in CONJ for w in toks):
        return False
    last = toks[-1]
    return (last in lang.measure_nouns or toks[0] in lang.measure_nouns) and all("N" in flags(w) or not flags(w)
                                                                              for w in toks[1:])


_BAR_WORDS = frozenset({"under", "below", "above", "over", "<", ">", "≤", "≥", "<=", ">="})


def _compound_names_metric(toks: list[str], lang: Language) -> bool:
    """'Candidate experience score of 4.5 or higher': the first word starts a noun compound whose last word
    names a metric, followed by its value, so the first word is not an imperative verb."""
    last = None
    end = len(toks)
    for i, w in enumerate(toks[1:6], 1):
        f = flags(w)
        if w in DETERMINERS or w in PREPS or w in CONJ or is_number(w) or (f and "N" not in f):
            end = i
            break
        last = w
    after = toks[end] if end < len(toks) else None
    if (after in _BAR_WORDS or (after is not None and "C" in flags(after) and toks[end + 1:end + 2] == ["than"])) \
            and any(is_number(x) for x in toks[end + 1:end + 4]) and (
            lemma(toks[0]) not in lx.ALL_VERBS or any(_names_a_measure(w, lang) for w in toks[1:end])):
        return True  # "Burn multiple below 1.5", "Backlog older than 7 days": a metric, a bar, a number (not "Review
        # contracts above $50k": a verb known for work, and which contracts)
    if last is None or not any(is_number(w) for w in toks):
        return False
    if after is not None and not (after in PREPS or is_number(after) or after in ("or", "at", "above", "below")):
        return False
    return last in lang.measure_nouns or (last.endswith(lang.state_noun_endings) and len(last) > 5
                                          and "V" not in flags(last))


def clause_reading(toks: list[str], lang: Language) -> Reading:
    """A clause that starts with its verb ('cut drop-off to 12%', after 'and'), read as an imperative."""
    return _imperative(toks[0], toks, 1, tuple(toks), lang, "imperative")


def _as_as(obj: list[str] | tuple[str, ...]) -> bool:
    """'as fast as the desktop one': parity with something else, a bar ('as soon as possible' is none)."""
    for i, w in enumerate(obj[:-2]):
        if w == "as" and obj[i + 2] == "as" and "A" in flags(obj[i + 1]) and obj[i + 3:i + 4] != ("possible",):
            return True
    return False


def _imperative(word: str, toks: list[str], i: int, sentence: tuple[str, ...], lang: Language, frame: str) -> Reading:
    lem = word if "V" in flags(word) else lemma(word)
    if not flags(word):
        lem = _misspelt_verb(word, lang) or lem  # "Acheive 96% attendance", "Reduse churn": the verb meant
    obj = toks[i:]
    while obj and (obj[0] in ("and", "&", "/") or obj[0] in ("out", "up", "on", "back")):
        obj = obj[1:]
        if obj and "V" in flags(obj[0]) and obj[0] not in DETERMINERS:  # "Record and publish 5 episodes"
            obj = obj[1:]
    cls = verb_class(lem, lang)
    if cls == "action" and lem in ("make", "get") and (has_comparison(obj[:4], lang) or _as_as(tuple(obj[:10]))):
        cls = "change"  # "Make onboarding smoother", "Make complex pages as fast as simple ones": a change wished
        # for (with parity as its bar), not a thing made
    if cls == "action" and lem in ("bring", "drive", "push", "take", "go", "move", "get") and (
            "down" in obj[1:] or "up" in obj[1:] or any(w in _BAR_PREPS and i + 1 < len(obj) and is_number(obj[i + 1])
                                                          for i, w in enumerate(obj))):
        cls = "change"  # "Bring production errors down to 0", "Bring satisfaction to 4.6"

    obj_t = tuple(obj)
    return Reading(frame, word, lem, cls, obj_t, sentence, obj_t, lang)


@lru_cache(maxsize=1024)
def _misspelt_verb(word: str, lang: Language) -> str | None:
    """A change, result or hold verb one slip away from a word the table lacks ('acheive', 'reduse', 'incrase',
    'maintian'); None when there is none or more than one. Words under five letters are left alone: too many real
    words are one letter from a verb."""
    return lx.misspelt(word, lang.change_verbs | lang.result_verbs | lang.hold_verbs)


def read(text: str, lang: Language) -> Reading:
    return _read(text, lang)


# ---------------------------------------------------------------------------------------------------------------


def about_people(obj: tuple[str, ...], lang: Language, complement: bool = False) -> bool:
    """People are the object's head, or the head of an 'of' phrase ('the growth of our reps'); a beneficiary
    ('training for the sales team') or a modifier ('team processes') does not count. With `complement`, the
    people must be followed by what they should do or be ('Help our reps close faster', 'reps who ...')."""
    for i, w in enumerate(obj):
        if w in PREPS and w != "of" or w in lang.state_clause_words:
            return False
        if w in lang.people_nouns or w in PRONOUNS or (w.endswith("ies") and w[:-3] + "y" in lang.people_nouns) or (
                complement and w.endswith(AGENT_ENDINGS) and len(w) > 5):
            nxt = obj[i + 1] if i + 1 < len(obj) else None
            fn = flags(nxt) if nxt else ""
            if complement:
                if nxt is not None and (nxt == "to" or nxt in lang.state_clause_words or "V" in fn or "Z" in fn):
                    return True
                continue
            if nxt is None or nxt in PREPS or nxt in CONJ or nxt in lang.state_clause_words or (fn and "N" not in fn):
                return True  # the head, not a modifier ("partner portal", "team processes")
    return False
