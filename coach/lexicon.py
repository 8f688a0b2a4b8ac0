"""Word lists the key-result parser relies on (rule-specific lists live in rubrics/*.yaml)."""

from __future__ import annotations

INCREASE_VERBS = frozenset(
    "increase increases raise grow lift boost expand double triple accelerate maximize maximise sign close "
    "win generate reach achieve hit get add acquire hire book land convert onboard attract secure earn "
    "exceed surpass attain capture source recruit gain upsell renew retain drive climb scale".split()
)
DECREASE_VERBS = frozenset(
    "reduce cut lower decrease drop shorten shrink minimize minimise eliminate halve slash trim decline "
    "lessen compress contain limit curb".split()
)
AMBIGUOUS_VERBS = frozenset("improve change move go shift bring take optimize optimise".split())
MAINTAIN_VERBS = frozenset("keep maintain stay sustain remain preserve uphold".split())
# "Keep sending 400 emails": the helper sets the direction, the gerund names the activity.
MAINTAIN_HELPERS = frozenset({"keep", "continue"})
DELIVERABLE_VERBS = frozenset(
    "launch create implement build design redesign develop ship release roll migrate refactor define set "
    "setup install introduce deploy document draft finish renegotiate establish organize organise configure "
    "integrate connect produce prepare update upgrade replace rebuild rewrite automate map audit plan "
    "finalize finalise pilot standardize standardise write".split()
)
ACTIVITY_VERBS = frozenset(
    "make send email call hold run host attend conduct schedule visit meet post publish record interview "
    "review contact train demo present share complete do perform deliver follow".split()
)
ALL_VERBS = INCREASE_VERBS | DECREASE_VERBS | AMBIGUOUS_VERBS | MAINTAIN_VERBS | DELIVERABLE_VERBS | ACTIVITY_VERBS
# Metrics where a lower number is the better one (used when the verb does not say which way).
LOWER_IS_BETTER = frozenset(
    "time times cost costs spend churn attrition turnover defects defect incidents incident errors error "
    "tickets backlog overrun latency cycle outstanding days hours minutes escalations complaints bugs "
    "downtime waste delay delays lag".split()
)
FILLER_WORDS = frozenset("our my the a an all of on more than at least".split())


def one_slip(a: str, b: str) -> bool:
    """b is a with one slip: a letter swapped with the next, changed, left out or added ('acheive', 'reduse')."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(long_) - len(short) == 1 and any(long_[:k] + long_[k + 1:] == short for k in range(len(long_)))


def misspelt(word: str, verbs: frozenset[str]) -> str | None:
    """The one verb of `verbs` a word of five letters or more is a slip away from, else None (several: None)."""
    if len(word) < 5 or not word.isalpha():
        return None
    found = {v for v in verbs if v[0] == word[0] and abs(len(v) - len(word)) <= 1 and one_slip(word, v)}
    return found.pop() if len(found) == 1 else None
