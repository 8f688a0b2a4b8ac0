"""The rubric engine: declarative rules (rubrics/*.yaml), check kinds, scoring, progress."""

from coach.rubric.engine import review
from coach.rubric.loader import Profile, Rule, load_profile, load_rules, rubric_version

__all__ = ["review", "load_rules", "load_profile", "Rule", "Profile", "rubric_version"]
