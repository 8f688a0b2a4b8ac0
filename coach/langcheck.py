"""Does a set read as English? The rubric's word lists are English only; other languages get a note instead.

A cheap, dependency-free guess, tuned to be conservative: text is called "not English" only when it is
mostly in another script, or when common function words of other languages clearly outnumber English ones.
Short or ambiguous text (numbers, acronyms, a few words) is left to the rubric as before.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ASCII_WORD = re.compile(r"[a-z]+")  # the same words in lower-case ASCII text, found faster

# Short grammatical words that carry no topic: frequent in any sentence of their language, rare in others.
_ENGLISH = frozenset("""
the to of and in for from by with on at our we is are be it its this that than more less per each every
all into over under up down their your new least most by within across without while as so not no
""".split())
_OTHER = frozenset("""
de del la las los el y en para con por una uno al lo se que nuestro nuestra nuestros más menos desde hasta
le les des et pour du une au aux nous notre nos sur dans avec plus moins est sont entre chez
und der die das mit für von zu auf den dem ein eine ist sind wir unser unsere bis über bei nicht mehr
een het van voor naar ons onze bij met zijn
da do dos das com um uma nosso nossa mais ao às pelo pela entre
il di che della delle dei gli con nel nella sono più nostro nostra
och att för med som av är vi vår till från
""".split()) - _ENGLISH

MIN_LETTERS = 40  # below this, Latin-script text says too little to judge by its common words
MIN_SCRIPT_LETTERS = 8  # a script is clear from fewer letters (CJK writes a word in one or two)


@lru_cache(maxsize=4096)
def _stats(text: str) -> tuple[bool, int, int, int, int]:
    """One text's share of the evidence: (ASCII only, letters, Latin letters, English words, other words).
    Kept by text: a service sees the same key results again and again."""
    ascii_only = text.isascii()
    if ascii_only:
        # Lower-casing ASCII text changes no word boundary: the words of the lower-cased text are the lower-cased
        # words (one pass instead of one call per word), and they are exactly its letters.
        words = _ASCII_WORD.findall(text.lower())
        n_letters = latin = sum(map(len, words))
    else:
        letters = [c for c in text if c.isalpha()]
        n_letters = len(letters)
        latin = sum(1 for c in letters if ("a" <= c.lower() <= "z") or "\u00c0" <= c <= "\u024f")
        words = [w.lower() for w in _WORD.findall(text)]
    # Counted by set membership in C (True counts 1), not by a generator step per word.
    return ascii_only, n_letters, latin, sum(map(_ENGLISH.__contains__, words)), sum(map(_OTHER.__contains__, words))


def unsupported_language(texts: list[str]) -> str | None:
    """A note when the texts do not read as English, else None."""
    stats = [_stats(t) for t in texts if t]
    n_letters = sum(s[1] for s in stats)
    if all(s[0] for s in stats):  # every letter is Latin (most sets)
        if n_letters < MIN_LETTERS:
            return None
    else:
        if n_letters < MIN_SCRIPT_LETTERS:
            return None
        if sum(s[2] for s in stats) / n_letters < 0.5:
            return _note("it is mostly written in a non-Latin script")
        if n_letters < MIN_LETTERS:
            return None
    english = sum(s[3] for s in stats)
    other = sum(s[4] for s in stats)
    if other >= 4 and other > 3 * max(english, 1):
        return _note("its common words are not English ones")
    return None


def _note(why: str) -> str:
    return (f"unsupported language: the rubric reads English only, and this text does not look English ({why}). "
            "Only the checks that do not read words were applied (counts, lengths, numbers in objectives, "
            "owner, period and alignment); wording rules were skipped rather than guessed.")
