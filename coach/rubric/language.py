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
from functools import lru_cache

from coach import lexicon as lx
from coach.krparse import CURRENCY_WORDS, TIME_UNIT_WORDS
from coach.rubric.sentence import Reading, about_people, clause_reading, read, verb_class
from coach.rubric.words import (
    CONJ, DETERMINERS, NEGATIVE_BAR, NUMBER_WORDS, PREPS, PRONOUNS, Language, clean, clean_tokens, flags, has_phrase,
    is_number, lemma, lemma_table, looks_plural, load_language, tokens,
)

# Key results


_BENCHMARK = re.compile(r"\b(?:above|below|beat|beats|match|matches|exceed|exceeds|at|under|over)\W+(?:the\W+)?"
                        r"(?:[a-z]+\W+){0,2}(?:average|benchmark|median|target|sla|slo)\b")
_AS_AS = re.compile(r"\bas\s+\w+\s+as\b")  # "as fast as simple text": parity is a bar
_AT_LEAST = re.compile(r"\bat\s+(?:least|most)\b")  # "at least one of our values": a bar, in words
# "down by a third", "up by two fifths", "cut by a quarter": a relative change, in words
_FRACTION_BAR = re.compile(r"\b(?:by|to)\s+(?:a|one|two|three)\s+(?:thirds?|quarters?|fifths?|tenths?)\b")


def has_threshold_words(toks: list[str] | tuple[str, ...], lang: Language) -> bool:
    return not lang.threshold_words.isdisjoint(toks)


@lru_cache(maxsize=8192)
def kr_kind(text: str, quantified: bool, lang: Language) -> tuple[str, str]:
    """('result' | 'task' | 'vague', evidence) for one key result; `quantified` = the parser found a target."""
    r = read(text, lang)
    cleaned, ttoks = clean_tokens(text)
    toks = list(ttoks)
    low = cleaned.lower()
    negative_bar = not NEGATIVE_BAR.isdisjoint(toks)
    bar = (quantified or has_threshold_words(toks, lang) or not NUMBER_WORDS.isdisjoint(toks)
           or bool(_BENCHMARK.search(low)) or bool(_AS_AS.search(low)) or bool(_AT_LEAST.search(low))
           or bool(_FRACTION_BAR.search(low)))
    ev = r.verb or cleaned[:60]
    if r.frame == "empty":
        return ("result" if quantified else "vague"), ev
    if toks[:1] in (["don't"], ["dont"], ["never"]) or toks[:2] == ["do", "not"]:
        return "result", ev  # "Don't ship a release without a rollback plan": a never-bar, met or not
    spaced = f" {low} "
    if any(f" {s}" in spaced and has_phrase(spaced, f" {s}") for s in _phrases(lang.done_states)):
        return "task", ev  # "... in place", "... up and running"
    if r.frame == "imperative" and len(r.object_words) > 1 and r.object_words[0] == "to" and r.verb_class != "change" \
            and "V" in flags(r.object_words[1]):
        return kr_kind(" ".join(r.object_words[1:]), quantified, lang)  # "Start to make X easier": read "make X easier"
    if (r.frame == "imperative" and r.verb_lemma == "ensure") or (
            r.verb_lemma == "make" and r.object_words[:1] == ("sure",)):
        rest = [w for w in r.object_words if w not in ("sure", "that")]
        if rest:  # "Ensure that bugs get filed automatically": the clause after it is what to read
            return kr_kind(" ".join(rest), quantified, lang)
    if r.frame in ("imperative", "past"):
        cls = "hold" if r.verb_lemma == "hold" and _holds_at(r.object_words, lang) else r.verb_class
        if r.verb_lemma in lang.observation_verbs:
            return "task", ev  # "Measure the diversity of ...", "Track churn weekly": setting up a measurement
        obj = r.object_words
        if r.verb_lemma in ("have", "get") and len(obj) > 1 and (any(
                "V" in flags(w) and "N" not in flags(w) and "A" not in flags(w) for w in obj[1:4]) or (
                obj[0] not in DETERMINERS and not is_number(obj[0]) and obj[0] not in lang.comparison_words
                and "C" not in flags(obj[0]) and "V" in flags(obj[1]))):
            return "task", ev  # "Have the layout match the spec": work to make something so
        if r.verb_lemma == "have" and quantified and (
                _percent_in(toks) or _names_measure_or_people(r.object_words, lang)):
            cls = "result"  # "Have 15 repeat customers": a result held, not a meeting had
        in_time = "within" in toks and _every_one(toks) and _window_after_within(toks)
        if cls == "action" and "within" in toks and ((quantified and (_percent_in(toks) or "all" in toks)) or in_time):
            cls, bar = "result", True  # "Resolve 95% of tickets within a day", "Fix all new P1 bugs within one release": a
            # service level over a stream of work, not a count of work done
        if cls == "action" and quantified and r.verb_lemma not in lang.input_verbs and _money_in(toks):
            cls = "result"  # "Make £15,000 in recurring revenue", "Book $2M": money brought in is a result
        if r.verb_lemma in ("get", "have") and (_participle_closes(r.object_words) or _ends_done(r.object_words, lang)):
            return "task", ev  # "Get the budget approved", "Have 2 changes merged": work done and signed off
        if r.verb_lemma in ("make", "get") and not quantified and _adjective_complement(r.object_words, lang):
            return "vague", ev  # "Make onboarding delightful": a quality wished for, with no bar
        obj = r.object_words
        if cls == "hold" and obj and "G" in flags(obj[0]) and verb_class(lemma(obj[0]), lang) == "action" and (
                len(obj) == 1 or obj[1] in DETERMINERS or is_number(obj[1]) or obj[1] in PREPS):
            return "task", ev  # "Keep sending 400 emails a week": the gerund names the activity
        if cls == "result" and not bar and (_names_one_thing(r.object_words) or (
                _named_after(cleaned, r.verb) and _singular_head(r.object_words, lang))):
            return "task", ev  # "Close the funding round", "Secure the Acme grant": a milestone, done or not
        if cls in ("hold", "change", "result", "state"):
            return ("result" if bar else "vague"), ev
        if cls == "action" and _later_sentence_is_result(cleaned, lang):
            return "result", ev  # "Re-activate the local groups. At least 5 groups run events again.": the work,
            # then the result it is for, in a sentence of its own
        if cls == "action" and bar and _result_clause(r.object_words, lang):
            return "result", ev  # "Launch the referral page and lift repeat purchases to 30%": the work and the
            # result it is for, in one key result; it is read (and scored) by the result
        # An action is a task whatever it counts, unless it only asks for a quality ("Create awareness") or for
        # more of something with no bar ("Write more tests").
        obj = r.object_words
        if not quantified and r.frame == "imperative" and obj and not _THAN_A_NUMBER.search(low) and (
                r.state_object or obj[0] in lang.comparison_words
                or obj[-1] in lang.comparison_words or ("C" in flags(obj[-1]) and "A" in flags(obj[-1]))):
            return "vague", ev  # "Write more tests", "Understand each account better": more or better, no bar
        return "task", ev
    if r.frame == "done":
        # A state that is true once work is done ("The guide is published", "Every alert has a runbook") is a
        # deliverable; a measured share of people or things in a state, or a zero bar, is a result.
        if negative_bar:
            return "result", ev
        if r.verb_class in ("hold", "change") and not _counted_output(tuple(toks), lang):
            # "Green Flag awards kept at all 9 parks", "Wait times reduced to 3 days": a level held or moved, in the
            # passive; a result when a bar is given, a wish when not
            return ("result" if bar else "vague"), ev
        if quantified and _counted_output(tuple(toks), lang):
            return "task", ev  # "100 customer interviews completed": outputs counted, whoever they were with
        if quantified and _stream_in_time(r):
            return "result", ev  # "Calls answered in under 20 seconds": a service level over a stream of work
        if quantified and _rollout_reach(r, lang):
            return "task", ev  # "Dark mode shipped to 100% of users": a deliverable and how far it reaches
        if quantified and (_percent_in(toks) or _names_measure_or_people(toks, lang) or "within" in toks
                           or _money_in(toks)):
            return "result", ev  # "Every case answered within 48 hours": a service level; "$2M of contracts
            # signed": an amount of money, never a count of outputs
        subject = _subject(r)
        if not quantified and subject and looks_plural(subject[-1]) and r.verb not in lang.capability_modals \
                and _ON_TIME.search(low):
            return ("result" if bar else "vague"), ev  # "All invoices paid on time": a standard over a stream, met
            # for all of it; "Invoices paid on time" gives no share to reach
        head = head_of(r.object_words, lang)
        if r.verb_lemma in ("has", "have") and subject and about_people(subject, lang) and head \
                and head not in lang.artefact_nouns and any(
                "A" in flags(w) and "D" not in flags(w) for w in r.object_words[:r.object_words.index(head)]):
            return ("result" if bar else "vague"), ev  # "Everyone has a good time": how it is for people
        return "task", ev
    if r.frame == "declarative":
        if _new_thing_reaches(r, toks):
            return "task", ev  # "The new course reaches 100% of managers": a rollout and how far it reaches
        if quantified and r.verb_class == "action" and _counted_output(r.object_words, lang):
            return "task", ev  # "Each team runs 4 workshops": outputs counted, whoever produces them
        if not quantified and _every_one(toks) and _only_every(toks, low, lang) and "within" not in toks and (
                r.verb_class == "action" or _gets_a_thing(r)):
            return "task", ev  # "Every clinic offers a walk-in slot", "Every new starter gets a buddy": a practice
            # put in place for all of them, true once the work is done (as "Every alert has a runbook")
        if quantified or negative_bar or (bar and not r.comparative):
            return "result", ev
        obj = r.object_words
        if obj and obj[-1].endswith("ly") and flags(obj[-1]) == "R" and not bar:
            return "vague", ev  # "The chatbot answers questions correctly": how well, with no bar
        if r.verb_class == "action" and not r.comparative and not ({"up", "down"} & set(r.object_words[:3])):
            return "task", ev  # "Each member of the team performs a data project": work done, nothing measured
        return "vague", ev
    # A noun phrase: a measured quantity, a metric with no target, or a thing to deliver.
    if not quantified and not r.comparative and head_of(r.object_words, lang) in lang.artefact_nouns:
        return "task", ev  # "A style guide for all public letters": a thing to make, whatever it covers
    if quantified and _counted_output(r.object_words, lang) and not _label_names_no_output(cleaned, lang):
        return "task", ev  # "12 live streams", "5 test events for new members": outputs to produce, counted
    obj = r.object_words
    if not quantified and _every_one(list(obj)) and _only_every(toks, low, lang) and "within" not in obj:
        cut = next((i for i, w in enumerate(obj) if w in PREPS), None)
        if cut and _every_one(list(obj[cut:])) and head_of(obj[:cut], lang) not in lang.measure_nouns \
                and not r.comparative:
            return "task", ev  # "Structured interview kit for every open role": a thing put in place for all of them
    if quantified or bar:
        return "result", ev
    if r.object_words and r.object_words[0] in PREPS:
        return "vague", ev  # "For new customers": a fragment that names no deliverable and no measure
    if "per" in r.object_words[1:] or _one_word_metric(cleaned, r.object_words, lang) \
            or _counted_pair(cleaned, r.object_words, lang):
        return "vague", ev  # "Complaints per 1,000 orders", "Refunds", "NPS": a metric named, with no target
    if r.comparative or r.state_object or any(w in lang.measure_nouns for w in r.object_words) \
            or head_of(r.object_words, lang) in lang.quality_nouns:
        return "vague", ev  # a metric or a quality named, with no bar ("Patient experience")
    return "task", ev


# "laptops older than 4 years", "accounts larger than 50 seats": a comparative that says which ones, not a wish
_THAN_A_NUMBER = re.compile(r"\b\w+er\s+than\s+[$£€]?\d")
_SENTENCE_BREAK = re.compile(r"(?<=[.;!?])\s+(?=[A-Z0-9])")


def _later_sentence_is_result(cleaned: str, lang: Language) -> bool:
    """A key result of several sentences whose later sentence states a measured result."""
    if "." not in cleaned and ";" not in cleaned and "!" not in cleaned and "?" not in cleaned:
        return False  # one sentence (most key results): nothing to split
    parts = _SENTENCE_BREAK.split(cleaned)
    for part in parts[1:]:
        toks = tokens(part)
        quantified = any(is_number(w) for w in toks) or not NUMBER_WORDS.isdisjoint(toks)
        if quantified and kr_kind(part, True, lang)[0] == "result":
            return True
    return False


def _result_clause(obj: tuple[str, ...], lang: Language) -> bool:
    """A second clause, joined by 'and' or a purpose 'to', whose verb changes or reaches a level and whose bar
    comes after it ('... and cut drop-off to 12%', 'Use our network to get 5+ introductions'); a second action
    ('... and publish 5 posts', '... to use the new CRM') is more of the work."""
    for i, w in enumerate(obj[:-2]):
        if w not in ("and", "&", "to"):
            continue  # "... and cut drop-off to 12%", "Use templates to cut handling time to 4 minutes"
        v = obj[i + 1]
        if "V" not in flags(v) or v in DETERMINERS:
            continue
        if w == "to" and i and ("A" in flags(obj[i - 1]) or "R" in flags(obj[i - 1])) and "N" not in flags(obj[i - 1]):
            continue  # "accounts likely to reach 60 days past due", "able to ...": not a purpose
        wanted = ("change", "result") if w == "to" else ("change", "result", "hold")  # "a system to keep X updated
        # within a week" says what the thing does, not a result to reach
        rest = obj[i + 2:]
        names_something = any(x.replace("-", "").isalpha() and len(x) > 2 and x not in DETERMINERS and x not in PRONOUNS
                              and x not in PREPS and x not in NUMBER_WORDS for x in rest)
        if names_something and clause_reading(list(obj[i + 1:]), lang).verb_class in wanted and any(
                is_number(x) or x in NUMBER_WORDS or x == "=" for x in rest):
            return True  # (a clause must name what it changes: "... and score this 100" names nothing)
    return False


def _money_in(toks: list[str]) -> bool:
    return any(w[0] in "$€£" or w in CURRENCY_WORDS for w in toks)


_EVERY_ONE = frozenset({"all", "every", "each"})


def _every_one(toks: list[str]) -> bool:
    return not _EVERY_ONE.isdisjoint(toks)


def service_level(text: str) -> str | None:
    """'Fix all new P1 bugs within one release', 'Answer every call within a day': a bar over a stream of work
    (the share handled in time), stated in words rather than as a number; the words from 'all' to the window."""
    _, ttoks = clean_tokens(text)
    toks = list(ttoks)
    if "within" not in toks or not _every_one(toks) or not _window_after_within(toks):
        return None
    i = toks.index("within")
    first = min(toks.index(w) for w in _EVERY_ONE if w in toks)
    if first > i:
        return None  # "within a week of every launch": the window comes first, nothing is counted in it
    m = _SERVICE_SPAN.search(text)  # the user's own words, as written, for the evidence
    return m.group(0) if m else " ".join(toks[first:i + 3])


_SERVICE_SPAN = re.compile(r"\b(?:all|every|each)\b.*?\bwithin\s+\S+(?:\s+(?:working\s+|business\s+|calendar\s+)?[A-Za-z]+)?",
                           re.I)


def _window_after_within(toks: list[str]) -> bool:
    """'within one release', 'within 2 days', 'within a week': a time allowed, not a date ('within Q3')."""
    i = toks.index("within")
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    return bool(nxt) and (is_number(nxt) or nxt in NUMBER_WORDS or nxt in ("a", "an"))


def _label_names_no_output(cleaned: str, lang: Language) -> bool:
    """'Organic traffic to the guides: 40k sessions a month': a label, a colon and its value; the label says what
    is counted, and here it is no output (not "Blog posts: 12")."""
    label, colon, _ = cleaned.partition(":")
    if not colon:
        return False
    words = tokens(label)
    return bool(words) and not any(w in lang.output_nouns for w in words)


def _counted_output(words: tuple[str, ...], lang: Language) -> bool:
    """The first number counts an output ('12 streams', '2 live streams with guests', '5 test events')."""
    for i, w in enumerate(words):
        if not is_number(w):
            continue
        for x in words[i + 1:i + 4]:
            if x in lang.output_nouns:
                return True
            if x in PREPS or x in CONJ or is_number(x):
                return False
        return False
    return False


@lru_cache(maxsize=16)
def _phrases(words: frozenset[str]) -> tuple[str, ...]:
    """The entries of several words ("in place", "up and running")."""
    return tuple(w for w in words if " " in w)


def _singular_head(obj: tuple[str, ...], lang: Language) -> bool:
    """'InnoBooster grant', 'Gold partner status': one thing; 'Nordic customers', 'Enterprise deals' are many."""
    head = head_of(obj, lang)
    return bool(head) and not looks_plural(head) and head not in lang.people_nouns


def _named_after(text: str, verb: str | None) -> bool:
    """'Secure InnoBooster grant', 'Win the Acme Health tender': the object is named by a proper name, one thing."""
    if not verb:
        return False
    words = text.split()
    for i, w in enumerate(words[:-1]):
        if w.lower() == verb:
            nxt = words[i + 1] if words[i + 1].lower() not in ("the", "our") else (words[i + 2] if i + 2 < len(words) else "")
            after = words[words.index(nxt, i + 1) + 1] if nxt and words.index(nxt, i + 1) + 1 < len(words) else ""
            named = nxt[:1].isupper() and nxt.isalpha() and (not nxt.isupper() or (
                len(nxt) > 1 and after[:1].isupper() and not after.isupper() and after.isalpha()))  # "ISV Accelerate"
            code = nxt.isalnum() and any(c.isdigit() for c in nxt) and any(c.isupper() for c in nxt)  # SOC2, ISO27001
            return bool(nxt) and (named or code) and nxt.lower() not in DETERMINERS
    return False


def _participle_closes(obj: tuple[str, ...]) -> bool:
    """'the budget approved', '2 changes merged': a participle right after the object ('500 downloads per hour
    spent' is a measure, the participle inside its phrase)."""
    for w in obj[1:5]:
        if w in PREPS:
            return False
        f = flags(w)
        if "D" in f and "V" not in f and "A" not in f:
            return True
    return False


def _ends_done(obj: tuple[str, ...], lang: Language) -> bool:
    """'Get SOC 2 Type II certified': a thing (not people) made so by work, the participle closing the phrase."""
    if len(obj) < 2 or "D" not in flags(obj[-1]) or "V" in flags(obj[-1]):
        return False
    return not any(w in lang.people_nouns or w.rstrip("s") in lang.people_nouns or w in PREPS for w in obj[:-1])


def _adjective_complement(obj: tuple[str, ...], lang: Language) -> bool:
    """'onboarding delightful', 'the wiki tidy': an object, then the quality it should have."""
    if len(obj) < 2:
        return False
    last = obj[-1]
    f = flags(last)
    return "A" in f and "N" not in f and "V" not in f and "D" not in f and last not in lang.done_states


_VAGUE_COMPARATIVES = frozenset({"better", "more", "greater", "best", "most"})


def _names_one_thing(obj: tuple[str, ...]) -> bool:
    """'the funding round', 'the Acme grant': one definite thing, not an amount."""
    return bool(obj) and obj[0] in ("the", "our") and not any(is_number(w) or "C" in flags(w) for w in obj)


@lru_cache(maxsize=4)
def _hold_forms(lang: Language) -> frozenset[str]:
    """Every written form of the hold verbs (keeps, maintained, staying ...), worked out once."""
    forms = set(lang.hold_verbs)
    for word, lem in lemma_table().items():
        if lem in lang.hold_verbs:
            forms.add(word)
    return frozenset(forms)


# "never drops below", "never goes over": a level the key result keeps (a floor or a ceiling), not a change
_NEVER_PAST = re.compile(r"\b(never\s+(?:drops?|falls?|dips?|goes|go|gets?|exceeds?|rises?|slips?))\s+"
                         r"(?:below|above|under|over|beyond|past)\b")


@lru_cache(maxsize=8192)
def holds_level(text: str, quantified: bool, lang: Language) -> str | None:
    """The hold verb when the key result only keeps a bar it already meets ("Maintain above-average diversity",
    "Continue to triage all bugs within a week", "... and keep the A+ rating"); None otherwise."""
    cleaned, toks = clean_tokens(text)
    if "never" in toks:
        m = _NEVER_PAST.search(cleaned.lower())
        if m:
            return m.group(1)  # "Stock never drops below 2 weeks' supply": a floor held, as "stays above"
    forms = _hold_forms(lang)
    if forms.isdisjoint(toks) and not (toks and not flags(toks[0]) and read(text, lang).verb_class == "hold"):
        return None  # most key results hold nothing: no hold verb in any form ("Maintian ..." is read), nothing more
    low = " ".join(toks)
    bar = quantified or has_threshold_words(toks, lang) or bool(_BENCHMARK.search(low)) or bool(
        re.search(r"\b[a-d][+]|\b(?:above|below|under|over|at least|at most)\b", cleaned.lower()))
    if not bar:
        return None
    r = read(text, lang)
    if r.frame == "imperative" and r.verb_lemma == "hold" and _holds_at(r.object_words, lang):
        return r.verb  # "Hold the reopen rate at or below 5%": hold a level (not "Hold 4 workshops")
    if r.frame in ("imperative", "past") and r.verb_class == "hold" and not (
            r.object_words and "G" in flags(r.object_words[0])
            and verb_class(lemma(r.object_words[0]), lang) == "action" and r.verb_lemma != "continue"):
        return r.verb
    if r.frame == "declarative" and r.verb_lemma in lang.hold_verbs and r.verb_lemma != "continue":
        return r.verb  # "Renewal rate stays above 95%", "Legal spend remains below $40k a month"
    if r.frame == "done" and r.verb_class == "hold" and r.verb_lemma != "continue" and r.object_words[:1] and (
            r.object_words[0] in ("at", "above", "below", "under", "over", "within")):
        return r.verb  # "Green Flag awards kept at all 9 parks", "CSAT maintained above 90%": held, in the passive
    for i, w in enumerate(toks[1:], 1):  # "... to maintain X above ...", "... and keep X at ..."
        if lemma(w) in lang.hold_verbs and lemma(w) != "continue" and toks[i - 1] in ("to", "and", "&", "while"):
            if toks[i - 1] == "to" and i > 1 and (toks[i - 2] in lang.artefact_nouns
                                                  or toks[i - 2].rstrip("s") in lang.artefact_nouns):
                continue  # "a system to keep this updated": what the thing is for, not a level the team holds
            return w
    return None


_DURATION = re.compile(r"[\d.,]+(?:ms|s|secs?|m|mins?|h|hrs?|d|w|wks?)")  # "4h", "72hrs", "3d"


def _is_duration(word: str) -> bool:
    return word in TIME_UNIT_WORDS or _DURATION.fullmatch(word) is not None


def _subject(r: Reading) -> tuple[str, ...]:
    """The words before the verb of a done or declarative reading."""
    return r.sentence[: max(len(r.sentence) - len(r.object_words) - 1, 0)]


def _new_thing_reaches(r: Reading, toks: list[str]) -> bool:
    """'The new course reaches 100% of managers' (LABELLING.md): something made in the period, and how far it
    reaches; coverage of a rollout, not a level that had a value before."""
    return r.verb_lemma in ("reach", "cover") and "new" in _subject(r) and (
        _percent_in(list(r.object_words)) or _every_one(list(r.object_words)))


_REACH_PREPS = frozenset({"to", "for", "in", "across", "at", "on", "into"})


# Verbs of making something available, beyond the lexicon's delivery verbs ("enabled for", "offered to").
_MAKE_AVAILABLE = frozenset({"enable", "provide", "offer", "translate", "open", "extend", "expand", "enforce",
                             "require", "activate", "mandate"})


def _rollout_reach(r: Reading, lang: Language) -> bool:
    """'Dark mode shipped to 100% of users', 'SSO available for 60% of accounts', 'Docs translated into 5
    languages': a piece of work done, then a phrase saying how far it reaches. The counted people or things
    are not the subject ('80% of reps trained' is a share of people in a state), the participle is work done
    to the subject, not something people do to it ('adopted by 40% of users'), and the number is not a
    duration ('answered in 4 hours' is a service level) or money."""
    obj = r.object_words
    if obj[:1] in (("out",), ("up",)):
        obj = obj[1:]  # "rolled out to ...", "set up for ..."
    made_available = r.verb_lemma in lx.DELIVERABLE_VERBS or r.verb_lemma in lang.solution_verbs \
        or r.verb_lemma in lang.done_states or r.verb_lemma in _MAKE_AVAILABLE
    if not made_available:
        return False  # ("Gift Aid claimed on 85% of donations": work done on each of a stream, a share of them)
    if r.verb_class != "action" or not obj or obj[0] not in _REACH_PREPS or not any(map(is_number, obj[1:3])):
        return False  # the number opens the phrase: "to 100% of users", "for 10 partners", "in 3 new markets"
    subject = _subject(r)
    if not subject or any(is_number(w) or w in NUMBER_WORDS or w in ("who", "which", "that") for w in subject) \
            or _money_in(list(obj)):
        return False
    return not any(map(_is_duration, obj))


_TIME_BAR = frozenset({"under", "below", "less", "within", "average", "median", "mean", "typically", "usually"})


def _stream_in_time(r: Reading) -> bool:
    """'Calls answered in under 20 seconds', 'Refunds paid in 3 days on average': a time allowed for each of a
    stream of things (a plural subject, or a bar such as "under" or "on average"), not the date of one piece of
    work ('Migration completed in 2 weeks')."""
    obj = r.object_words
    if not any(map(_is_duration, obj)):
        return False
    subject = _subject(r)
    return not _TIME_BAR.isdisjoint(obj) or bool(subject and looks_plural(subject[-1]))


def _one_word_metric(cleaned: str, words: tuple[str, ...], lang: Language) -> bool:
    """A key result of one word that counts something ('Complaints', 'Re-admissions') or is a short name in
    capitals ('NPS', 'RevPAR'), and is no thing to deliver ('Dashboards')."""
    if len(words) != 1:
        return False
    w = words[0]
    raw = cleaned.strip(" .!*_`")
    capitals = len(raw) >= 2 and sum(c.isupper() for c in raw) >= 2 and raw.isalpha()
    thing = w in lang.artefact_nouns or w.rstrip("s") in lang.artefact_nouns or w in lang.delivery_nouns
    return not thing and (capitals or looks_plural(w))


def _counted_pair(cleaned: str, words: tuple[str, ...], lang: Language) -> bool:
    """Two plain words naming things counted ('Data queries', 'Volunteer hours', 'Customer complaints'): a metric
    named, not a thing to make. Names of things built keep their marks (capitals, code-like words: 'CSS
    font-feature-settings', 'gitbase-web SSO'), and outputs and artefacts stay deliverables ('Case studies',
    'Landing pages')."""
    if len(words) != 2 or not looks_plural(words[1]):
        return False
    raw = cleaned.strip(" .!*_`").split()
    if len(raw) != 2 or any(c.isupper() or c.isdigit() for c in raw[0][1:] + raw[1]) \
            or any(w.count("-") > 1 for w in raw):
        return False  # a capital after the first letter, a digit, a code-like word: the name of a thing
    head = words[1]
    return not (head in lang.output_nouns or head in lang.artefact_nouns or head.rstrip("s") in lang.artefact_nouns
                or head in lang.delivery_nouns or head[:-1] in lang.delivery_nouns)


_ALL_WORDS = frozenset({"all", "every", "each", "everyone", "everybody"})


def _only_every(toks: list[str], low: str, lang: Language) -> bool:
    """The only bar is 'all', 'every' or 'each' (no 'no', 'double', 'at least', number word or benchmark)."""
    return lang.threshold_words.intersection(toks) <= _ALL_WORDS and NUMBER_WORDS.isdisjoint(toks) and not (
        _BENCHMARK.search(low) or _AS_AS.search(low) or _AT_LEAST.search(low))


def _gets_a_thing(r: Reading) -> bool:
    """'... gets a home visit', '... has a named lead': a thing given or set up, not a quality ('gets better')."""
    obj = r.object_words
    return r.verb in ("get", "gets", "has", "have") and bool(obj) and (
        obj[0] in ("a", "an") or ("N" in flags(obj[0]) and "A" not in flags(obj[0]) and "C" not in flags(obj[0])))


def _holds_at(obj: tuple[str, ...], lang: Language) -> bool:
    """'the reopen rate at or below 5%': a measure, then the level it is held at."""
    for i, w in enumerate(obj):
        if w in ("at", "above", "below", "under", "over"):
            return i > 0 and any(x in lang.measure_nouns for x in obj[:i])
    return False


def _percent_in(toks: list[str]) -> bool:
    return any(w.endswith("%") for w in toks)


def _names_measure_or_people(toks: list[str] | tuple[str, ...], lang: Language) -> bool:
    return any(w in lang.measure_nouns or w in lang.people_nouns or w.rstrip("s") in lang.people_nouns
               for w in toks)


# ---------------------------------------------------------------------------------------------------------------
# Objectives


@lru_cache(maxsize=4096)
def objective_kind(text: str, lang: Language, extra_hold_verbs: frozenset[str] = frozenset()) -> tuple[str, str]:
    """('outcome' | 'deliverable' | 'hold' | 'topic', evidence) for one objective title."""
    r = read(text, lang)
    cleaned = clean(text)
    if r.frame in ("imperative", "past") and not r.object_words:
        return "topic", cleaned  # one word ("Team", "Hiring"): a label, not a goal
    if r.frame == "imperative" and r.verb_class == "action" and len(r.object_words) == 1 \
            and len(tokens(cleaned)) == 2 and (
            r.object_words[0] in lang.measure_nouns or r.object_words[0] in lang.quality_nouns
            or r.object_words[0].endswith(lang.state_noun_endings)):
        return "topic", cleaned  # "Code health", "Product excellence": a noun and its quality, not an instruction
    if r.frame == "past" and r.verb and len(r.object_words) == 1 and len(tokens(cleaned)) == 2 \
            and verb_class(r.verb_lemma or "", lang) == "action" and r.object_words[0] not in lang.artefact_nouns \
            and not looks_plural(r.object_words[0]):
        return "topic", cleaned  # "Planned maintenance", "Managed services": a participle and its noun name an area
    if r.frame == "imperative" and r.verb and r.verb.endswith("ing") and "G" in flags(r.verb) \
            and len(r.object_words) == 1 and len(tokens(cleaned)) == 2 and not looks_plural(r.object_words[0]) \
            and r.object_words[0] not in lang.artefact_nouns:
        return "topic", cleaned  # "Marketing attribution", "Pricing strategy": a noun compound that names an area
    if r.frame in ("imperative", "past"):
        ev = " ".join(cleaned.split()[:3]) if r.verb else cleaned
        if r.verb_class == "hold" or (
                r.frame == "imperative" and r.verb_lemma in lang.status_quo_verbs | extra_hold_verbs):
            return "hold", r.verb or ev
        toks = tokens(cleaned)
        if _percent_in(toks) and "within" in toks:
            return "outcome", ev  # "Answer 95% of tickets within 2 hours": a service level (a number, not a task)
        obj = r.object_words
        if obj and obj[0] in lang.comparison_words and r.verb_class == "action":
            return "outcome", ev  # "Use less energy for every tonne we make": a direction, whatever the verb
        if r.verb_lemma in ("stop", "prevent", "keep") and "from" in obj[1:] and any(
                "G" in flags(w) for w in obj[obj.index("from", 1) + 1:obj.index("from", 1) + 2]):
            return "outcome", ev  # "Stop escalations from bouncing between teams": something that no longer happens
        if _STANDARD.search(cleaned.lower()) and obj and obj[0] not in DETERMINERS and not is_number(obj[0]) \
                and head_of(obj, lang) not in lang.artefact_nouns and (
                looks_plural(head_of(obj, lang)) or (obj[0] == head_of(obj, lang) and "V" in flags(obj[0]))):
            return "outcome", ev  # "Deliver work we're proud of, on time", "Ship orders on time": a standard met
            # across a stream of work (not "Launch the app on time": one deliverable)
        if r.verb_lemma in lang.solution_verbs or _means_clause(obj, lang):
            return "deliverable", _evidence_from(cleaned, r.verb)  # "Use templates to ...", "... by launching X"
        if _every_one(list(obj)) and head_of(obj, lang) not in lang.artefact_nouns and (
                _STANDARD.search(cleaned.lower()) or service_level(cleaned)):
            return "outcome", ev  # "Ship every order on the day we promised it": a standard met across a stream
        if r.verb_lemma in ("get", "have") and (_participle_closes(obj) or _ends_done(obj, lang)):
            return "deliverable", _evidence_from(cleaned, r.verb)  # "Get our ISO 27001 audit passed": work signed off
        head = head_of(obj, lang)
        if r.verb_class == "action" and head in lang.artefact_nouns and not r.comparative \
                and not any("C" in flags(w) for w in obj[:4]):
            return "deliverable", _evidence_from(cleaned, r.verb)  # "Establish a comprehensive tracking system"
        if r.verb_class == "action" and (head in lang.people_nouns or (
                head.endswith("ies") and head[:-3] + "y" in lang.people_nouns)) and any(
                "A" in flags(w) and "N" not in flags(w) for w in obj[:obj.index(head)] if head in obj):
            return "outcome", ev  # "Build a small, devoted community": a group of people as it should be
        for_people = about_people(r.object_words, lang, complement=True) or _describes_quality(r.object_words, lang)
        # "Make the stream great", "Have a healthy balance sheet", "Establish the brand as the go-to resource":
        # a verb with a complement that says how something should be.
        causative = (r.verb_lemma in ("make", "have", "get") and any("A" in flags(w) and "N" not in flags(w)
                                                                      for w in obj)) or (
            r.verb_lemma == "make" and not (obj and is_number(obj[0]))) or _positioned_as(obj)
        at = obj.index(head) if head in obj else -1
        if r.verb_class == "action" and head in lang.position_nouns and r.verb_lemma not in lang.observation_verbs \
                and r.verb_lemma not in lx.DELIVERABLE_VERBS:
            return "outcome", ev  # "Dominate the mid-market segment", "Own the payroll market": a position held
        if r.verb_lemma in ("turn", "make") and "into" in obj[1:] and head_of(obj[obj.index("into") + 1:], lang) \
                not in lang.artefact_nouns:
            return "outcome", ev  # "Turn support into a growth engine": what something becomes
        measure = head in lang.measure_nouns and not any(w in lang.artefact_nouns for w in obj) and (
            at == len(obj) - 1 or obj[at + 1] in PREPS)  # the measure ends the object or a place/group follows
        if r.verb_class == "action" and not (r.state_object or r.people_object or r.comparative or for_people
                                             or causative or measure):
            return "deliverable", _evidence_from(cleaned, r.verb)
        return "outcome", ev  # ("Unlock enterprise revenue", "Reignite growth in the UK": a measure moved)
    if r.frame == "noun_phrase":
        if tokens(cleaned)[:1] in (["every"], ["all"], ["each"]) and _STANDARD_OR_STATE.search(cleaned.lower()):
            return "outcome", cleaned  # "Every prescription right, first time": how every one of them should be
        toks = list(r.object_words)
        if r.comparative and not any(w in lang.delivery_nouns for w in toks) and not any(
                w in _VAGUE_COMPARATIVES for w in toks[:2]):
            return "outcome", cleaned  # "Faster hiring", "Fewer outages": a direction ("Better analytics" names none)
        if len([w for w in toks if not is_number(w)]) <= 2 and not any(w in lang.delivery_nouns for w in toks):
            return "topic", cleaned  # "Happy customers", "Financial health": a label, not a goal
        if any(w in lang.delivery_nouns for w in toks):
            hit = next(w for w in toks if w in lang.delivery_nouns)
            return "deliverable", hit
        if _describes_state(toks, lang):
            return "outcome", cleaned
        return "topic", cleaned
    if r.frame in ("done", "declarative") and r.verb_lemma in ("have", "has", "develop", "deliver", "build", "create") \
            and head_of(r.object_words, lang) in lang.artefact_nouns:
        return "deliverable", cleaned  # "We have developed a playbook", "The initiative has a validated design"
    return "outcome", cleaned


_STANDARD_OR_STATE = re.compile(r"\b(?:right|correct|accurate|safe|complete|on time|first time|in full)\b")
_ON_TIME = re.compile(r"\b(?:on time|first time|every time|on the day)\b")
# A standard of service over every one of a stream ("on time", "right first time", "every day", "with no errors").
_STANDARD = re.compile(r"\b(?:on time|every (?:time|day)|first time|on the day|with no|without)\b")


def head_of(obj: tuple[str, ...], lang: Language) -> str:
    """The last noun of the object's first phrase ("a comprehensive change tracking system" -> "system")."""
    head = ""
    for i, w in enumerate(obj):
        f = flags(w)
        nxt = obj[i + 1] if i + 1 < len(obj) else ""
        if head and (w in PREPS or w in CONJ or w in lang.state_clause_words or w == "to"
                     or (("G" in f or "D" in f) and "N" not in f and "A" not in f and nxt not in lang.artefact_nouns)):
            break  # "a report characterizing ...": the head came before; "a change tracking system" is one noun
        if w not in DETERMINERS and not is_number(w):
            head = w
    return head


def _means_clause(obj: tuple[str, ...], lang: Language) -> bool:
    """'... by launching two programmes': the objective names the work that should bring it about (a change or
    a result as the means, 'by converting more leads', is still an outcome)."""
    for i, w in enumerate(obj[:-1]):
        if w != "by":
            continue
        j = i + 2 if obj[i + 1].endswith("ly") and i + 2 < len(obj) else i + 1
        g = obj[j]
        if not (g.endswith("ing") and verb_class(lemma(g), lang) == "action") or lemma(g) in lang.observation_verbs:
            continue  # ("by identifying the workflows to automate": finding out, not a chosen solution)
        # The means is a chosen solution: a solution verb ("by implementing ..."), or work that makes a thing
        # ("by launching a partner portal"). Generic work ("by identifying workflows", "by providing hands-on
        # time") leaves the outcome in front.
        if lemma(g) in lang.solution_verbs or head_of(obj[j + 1:], lang) in lang.artefact_nouns or any(
                w in lang.delivery_nouns or w.rstrip("s") in lang.artefact_nouns or w.rstrip("s") in _PLANNED_WORK
                for w in obj[j + 1:j + 6]):
            return True
    return False


# Planned pieces of work named as the means ("by running two joint initiatives").
_PLANNED_WORK = frozenset({"initiative", "project", "programme", "program", "pilot", "campaign", "product"})


def _positioned_as(obj: tuple[str, ...]) -> bool:
    """'Establish the brand as the go-to resource': the object is placed in a role, a state to reach."""
    if obj.count("as") != 1:
        return False
    i = obj.index("as")
    return 0 < i < len(obj) - 1 and obj[i + 1] in DETERMINERS


_RANK_ENDS = frozenset("class leading grade tier notch rated winning performing quality".split())


def _describes_quality(obj: tuple[str, ...], lang: Language) -> bool:
    """The object says how something should be: a quality noun ('culture', 'experience'), a quality adjective
    ('productive', 'seamless') or a participle used as one ('a devoted community', 'a unified vision')."""
    seen_prep = False
    for i, w in enumerate(obj):
        f = flags(w)
        nxt = obj[i + 1] if i + 1 < len(obj) else None
        seen_prep = seen_prep or (w in PREPS and w != "of")
        if w in lang.quality_nouns and not seen_prep and (
                nxt is None or nxt in PREPS or nxt in CONJ or nxt in lang.state_clause_words):
            return True  # the head of a phrase ("a great culture"), not a modifier ("a health scoring tool")
        if "A" in f and "N" not in f and w.endswith(lang.quality_adjective_endings):
            return True
        if "-" in w and w.rsplit("-", 1)[1] in _RANK_ENDS:
            return True  # "a world-class support team", "an industry-leading product", "a top-tier service"
        if (w.startswith(("high-", "well-", "self-")) or (i > 0 and obj[i - 1] in ("highly", "well", "truly"))) \
                and nxt is not None and nxt not in PREPS:
            return True  # "a high-performing team", "a well-run process", "a truly devoted community"
        if i > 0 and obj[i - 1] == "high" and w.endswith("ing"):
            return True  # "a high performing team"
    return False


def _describes_state(toks: list[str], lang: Language) -> bool:
    """A noun phrase that says how something should be ("Happy customers", "Reliable deploys")."""
    for w in toks:
        f = flags(w)
        if ("A" in f and "N" not in f and w not in DETERMINERS) or "C" in f or ("D" in f and "V" not in f):
            return True
        if w in lang.done_states:
            return True
    return False


def _evidence_from(text: str, verb: str | None) -> str:
    """The verb and the start of what it acts on ("Implement the redesigned CRM"), as the finding's evidence."""
    if not verb:
        return text
    low = text.lower()
    i = low.find(verb)
    if i < 0:
        return verb
    words = text[i:].split()
    out, content = [words[0]], 0
    for w in words[1:]:  # the verb, then up to two words of what it acts on (skipping "the", "out" ...)
        out.append(w)
        if w.lower() not in DETERMINERS and w.lower() not in ("out", "up", "on", "off"):
            content += 1
        if content == 2:
            break
    return " ".join(out).rstrip(",.;:")


__all__ = ["Language", "Reading", "flags", "lemma", "read", "kr_kind", "objective_kind", "holds_level",
           "load_language", "clean", "tokens"]
