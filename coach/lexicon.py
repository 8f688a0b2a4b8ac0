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
