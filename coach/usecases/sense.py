"""A sense check that runs before the rubric ranks anything: deterministic, no model, no network.

The rubric checks form ("has a baseline", "no numbers in the objective"); it cannot tell "Purple monkeys dance
across the quarterly moon" from an objective, or "Grow banana from 3 to 4" from a key result. This module
does, with three kinds of evidence:

- shape: an objective is a sentence about a desired state, not a title, an acronym, a company name, a
  rubric message or a line of our own prompts;
- meaning: the shipped MiniLM embeddings place the objective near objectives people write, the key result's
  metric near metrics people track, and each key result near its own objective (thresholds calibrated by
  `benchmarks/calibrate_sense.py` on the role library's good and weak examples and on generated nonsense);
- numbers: shares within 0-100%, uptime near its ceiling, durations in a plausible range, a change that
  moves in the metric's good direction by a sane factor.

A draft or rewrite that fails is dropped by the callers: "no good rewrite found" beats a bad one.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from coach.settings import Settings

# Placeholders drafts and rewrites write where the user must put a number in.
TODAY = "<today's value>"
TARGET = "<target>"
CALIBRATION_FILE = Path(__file__).with_name("sense_calibration.json")


def _calibration() -> dict[str, float]:
    """Thresholds written by benchmarks/calibrate_sense.py (cosine similarities of MiniLM vectors)."""
    try:
        data = json.loads(CALIBRATION_FILE.read_text())
        return {k: float(v) for k, v in data["thresholds"].items()}
    except (OSError, ValueError, KeyError):
        return dict(DEFAULT_THRESHOLDS)


# Used only if the calibration file is missing; the file holds the measured values.
DEFAULT_THRESHOLDS = {"objective_meaning": 0.35, "metric_meaning": 0.45, "kr_objective": 0.15, "topic": 0.45,
                      "role_accept": 0.70, "role_margin": 0.02, "role_margin_weight": 0.5}


class SenseReport(BaseModel):
    """What the sense check found for one objective with its key results."""

    ok: bool
    problems: list[str] = Field(default_factory=list)
    objective_meaning: float | None = Field(default=None, description="Cosine to the nearest library objective.")
    relatedness: list[float | None] = Field(default_factory=list,
                                            description="Per key result: cosine to its objective.")
    backend: str = "vector"


_STOP = {"a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "by", "with", "from", "per", "at", "our",
         "we", "us", "their", "its", "is", "are", "be", "that", "as", "into", "than", "each", "every", "all"}
_COMPANY = re.compile(r"\b(?:Inc|INC|Corp|Corporation|Ltd|LTD|LLC|GmbH|PLC|Plc|Co|Company|Group|Holdings)\.?$")
_MARKUP = re.compile(r"[{}<>\[\]|\\`#*_=]|https?://")
# Words that name a measurable quantity whatever the domain: a metric made of none of these and of no word a
# library metric uses is not a metric ("banana", "make").
QUANTITY_WORDS = {
    "rate", "share", "ratio", "number", "count", "percent", "percentage", "time", "days", "hours", "weeks",
    "minutes", "cost", "costs", "spend", "revenue", "margin", "score", "index", "level", "volume", "value",
    "size", "length", "speed", "accuracy", "coverage", "retention", "churn", "growth", "uptime", "availability",
    "attendance", "satisfaction", "nps", "csat", "errors", "defects", "incidents", "complaints", "backlog",
    "throughput", "utilization", "utilisation", "conversion", "adoption", "usage", "users", "customers",
    "accounts", "deals", "tickets", "requests", "cases", "visits", "sessions", "hires", "leads", "meetings",
    "pipeline", "bookings", "sales", "income", "profit", "savings", "budget", "forecast", "yield", "output",
    "frequency", "duration", "delay", "latency", "turnover", "attrition", "engagement", "readmissions",
    "enrollment", "enrolment", "grades", "pass", "completion", "response", "resolution", "lead", "cycle",
}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'\-]*", text.lower())


def content_words(text: str) -> set[str]:
    """Words that carry a topic (stems by dropping a plural s): for 'same topic' tests."""
    return {w.rstrip("s") for w in words(text) if w not in _STOP and len(w) > 2}


def fill_placeholders(text: str, unit: str | None = None) -> str:
    """The text with TODAY/TARGET swapped for stand-in numbers the parser reads, to check and score its form.

    Only the form is judged this way (a start value exists, a target exists); the caller says the user must
    fill them in.
    """
    if TODAY not in text and TARGET not in text:
        return text
    # Read the unit the other number carries so the stand-in matches it ("from <today's value> to 30%").
    m = re.search(r"(\d+(?:\.\d+)?)\s*(%|x\b|days|hours|weeks)?", text.replace(TODAY, "").replace(TARGET, ""))
    u = (m.group(2) if m and m.group(2) else unit) or ""
    other = float(m.group(1)) if m else None
    suffix = u if u in ("%", "x") else ""
    low = text.lower()
    down = bool(re.match(r"\s*(cut|reduce|shorten|lower|decrease)\b", low))
    if TODAY in text and TARGET in text:
        a, b = (60, 40) if down else (40, 60)
        return text.replace(TODAY, f"{a}{suffix}").replace(TARGET, f"{b}{suffix}")
    if TODAY in text:
        base = (other * 1.25 if down else other * 0.8) if other else 50
        return text.replace(TODAY, f"{base:g}{suffix}")
    tgt = (other * 0.8 if down else other * 1.25) if other else 50
    return text.replace(TARGET, f"{tgt:g}{suffix}")


@dataclass
class _Refs:
    """Library vectors the checks compare against (loaded once per index build)."""

    objectives: np.ndarray | None
    metrics: np.ndarray | None
    metric_words: set[str]
    rubric_texts: list[set[str]]
    prompt_texts: list[set[str]]
    backend: str
    known: set[str] = field(default_factory=set)  # library objectives, normalised
    metric_names: set[str] = field(default_factory=set)  # library metric names and measured phrases, normalised


_refs_lock = threading.Lock()
_refs_cache: dict[str, _Refs] = {}


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _rubric_texts() -> list[set[str]]:
    """Word sets of every rule message, suggestion and guidance line: an objective must not be one of them."""
    from coach.rubric import load_rules

    out: list[set[str]] = []
    for r in load_rules():
        for t in (r.message, r.suggestion, r.guidance):
            if t:
                ws = content_words(re.sub(r"\{[^}]*\}", " ", t))
                if len(ws) >= 3:
                    out.append(ws)
    return out


def _prompt_texts(settings: Settings) -> list[set[str]]:
    out: list[set[str]] = []
    for p in sorted(Path(settings.prompts_dir).glob("*.j2")):
        for line in re.sub(r"\{[%{#].*?[%}#]\}", " ", p.read_text(encoding="utf-8")).splitlines():
            ws = content_words(line)
            if len(ws) >= 4:
                out.append(ws)
    return out


def _metric_words(roles: list) -> set[str]:
    from coach.krparse import parse_kr

    ws: set[str] = set(QUANTITY_WORDS)
    for r in roles:
        for m in r.metrics:
            ws |= content_words(m.name)
        for ex in r.good:
            for kr in ex.key_results:
                p = parse_kr(kr)
                if p.metric:
                    ws |= content_words(p.metric)
    return ws


def _metric_names(roles: list) -> set[str]:
    from coach.krparse import parse_kr

    out = {_norm(m.name) for r in roles for m in r.metrics}
    out |= {_norm(p.metric) for r in roles for e in r.good for k in e.key_results if (p := parse_kr(k)).metric}
    return out


def refs(settings: Settings) -> _Refs:
    from coach.corpus.index import get_index

    idx = get_index(settings)
    key = f"{idx.path}:{idx.meta('corpus_hash')}"
    with _refs_lock:
        got = _refs_cache.get(key)
        if got is None:
            objectives, metrics = idx.sense_vectors()
            got = _refs_cache[key] = _Refs(
                objectives=objectives, metrics=metrics, metric_words=_metric_words(idx.roles),
                rubric_texts=_rubric_texts(), prompt_texts=_prompt_texts(settings),
                backend=idx.backend, known={_norm(e.objective) for r in idx.roles for e in r.good},
                metric_names=_metric_names(idx.roles))
        return got


_seen: dict[str, np.ndarray] = {}
_seen_lock = threading.Lock()


def vectors(texts: list[str]) -> np.ndarray:
    """Unit vectors of the texts (cached per text: drafts check the same library sentences again and again)."""
    from coach.corpus.embeddings import DIM, get_embedder

    with _seen_lock:
        missing = [t for t in dict.fromkeys(texts) if t not in _seen]
    if missing:
        got = get_embedder().embed(missing)
        with _seen_lock:
            if len(_seen) > 20000:
                _seen.clear()
            _seen.update(zip(missing, got))
    with _seen_lock:
        return np.vstack([_seen[t] for t in texts]) if texts else np.zeros((0, DIM), dtype=np.float32)


def similarity(a: str, b: str) -> float:
    va, vb = vectors([a, b])
    return float(va @ vb)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def objective_shape_problems(text: str) -> list[str]:
    """Shape only (no embeddings): why the text is not a sentence about a desired state, or []."""
    t = " ".join(text.split())
    ws = re.findall(r"[A-Za-z][A-Za-z'’\-]*", t)
    if _MARKUP.search(t):
        return ["the objective holds markup or placeholders, not a sentence"]
    if len(ws) < 4:
        return ["the objective is a label of a few words, not a sentence about a desired state"]
    letters = [c for c in t if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        return ["the objective is written in capitals or acronyms"]
    long_words = [w for w in ws if len(w) > 3]
    if len(long_words) >= 3 and sum(w[:1].isupper() for w in long_words) / len(long_words) >= 0.75:
        return ["the objective is a title (every word capitalised), not a sentence"]
    if _COMPANY.search(t.rstrip(".")):
        return ["the objective is a company or team name, not a desired state"]
    if t.rstrip().endswith("?"):
        return ["the objective is a question, not a desired state"]
    return []


@dataclass
class SenseChecker:
    """Checks objectives and key results for a role's (and the user's) vocabulary."""

    settings: Settings
    extra_metrics: list[str] = field(default_factory=list)  # metrics the user named
    measure_paired: bool = False  # also measure (not gate) relatedness of library pairs: benchmarks

    def __post_init__(self) -> None:
        self.t = _calibration()
        try:
            self.r: _Refs | None = refs(self.settings)
        except Exception:  # noqa: BLE001 - no index (no corpus): shape and number checks only
            self.r = None
        self.vector = self.r is not None and self.r.backend == "vector" and self.r.objectives is not None
        self.user_words: set[str] = set()
        for m in self.extra_metrics:
            self.user_words |= content_words(m)

    # -- objectives -------------------------------------------------------------------------------------
    def objective_problems(self, text: str) -> tuple[list[str], float | None]:
        out = objective_shape_problems(text)
        if out:
            return out, None
        cw = content_words(text)
        if self.r is not None:
            for ws in self.r.rubric_texts:
                if _jaccard(cw, ws) >= 0.5:
                    return ["the objective repeats a rubric message"], None
            for ws in self.r.prompt_texts:
                if _jaccard(cw, ws) >= 0.5:
                    return ["the objective repeats a line of the prompt"], None
        meaning = None
        if self.r is not None and _norm(text) in self.r.known:
            return out, 1.0  # a library objective: it is its own nearest neighbour
        if self.vector and self.r is not None:
            sims = self.r.objectives @ vectors([text])[0]  # type: ignore[operator]
            meaning = float(sims.max())
            if meaning < self.t["objective_meaning"]:
                out.append(f"the objective does not read like an objective people set (closest library "
                           f"objective at {meaning:.2f}, needs {self.t['objective_meaning']:.2f})")
        return out, meaning

    # -- key results -----------------------------------------------------------------------------------
    def metric_problems(self, metric: str | None) -> list[str]:
        if not metric or not content_words(metric):
            return ["the key result names nothing to measure"]
        cw = content_words(metric)
        if self.user_words and cw <= self.user_words:
            return []  # the user's own metric
        if self.r is not None and _norm(metric) in self.r.metric_names:
            return []  # a metric the library tracks
        known = (self.r.metric_words if self.r is not None else set(QUANTITY_WORDS)) | self.user_words
        in_vocab = bool({w.rstrip("s") for w in known} & cw)
        if self.vector and self.r is not None and self.r.metrics is not None:
            sim = float((self.r.metrics @ vectors([metric])[0]).max())
            user_sim = max((similarity(metric, m) for m in self.extra_metrics), default=0.0)
            if max(sim, user_sim) >= self.t["metric_meaning"] or (in_vocab and sim >= self.t["metric_meaning"] - 0.15):
                return []
            return [f"{metric!r} is not a quantity this role or you track"]
        return [] if in_vocab else [f"{metric!r} is not a quantity this role or you track"]

    def kr_problems(self, kr: str, objective: str | None, *, relate: bool = True) -> tuple[list[str], float | None]:
        from coach.krparse import parse_kr

        filled = fill_placeholders(kr)
        p = parse_kr(filled)
        out = self.metric_problems(p.metric)
        out += number_problems(filled, p)
        rel = None
        if objective and self.vector and relate:
            rel = similarity(objective, strip_numbers(kr))
            if rel < self.t["kr_objective"]:
                out.append(f"the key result does not measure its objective (relatedness {rel:.2f}, needs "
                           f"{self.t['kr_objective']:.2f})")
        return out, rel

    def check(self, objective: str, key_results: list[str], *, paired: set[int] = frozenset()) -> SenseReport:
        """`paired`: key results that came with this objective from the library, or that measure a metric the
        user named. Their relatedness is measured and reported but does not drop them: a curated pair or the
        user's own metric outranks a similarity score."""
        problems, meaning = self.objective_problems(objective)
        rels: list[float | None] = []
        for i, kr in enumerate(key_results):
            ps, rel = self.kr_problems(kr, objective, relate=self.measure_paired or i not in paired)
            if i in paired:
                ps = [p for p in ps if not p.startswith("the key result does not measure its objective")]
            problems += [f"key result {i + 1}: {p}" for p in ps]
            rels.append(None if rel is None else round(rel, 3))
        return SenseReport(ok=not problems, problems=problems, objective_meaning=None if meaning is None
                           else round(meaning, 3), relatedness=rels,
                           backend="vector" if self.vector else "words")

    def same_topic(self, original: str, proposed: str) -> tuple[bool, float | None]:
        """A rewrite keeps the original's topic: close in meaning, and sharing a content word."""
        a, b = content_words(strip_numbers(original)), content_words(strip_numbers(proposed))
        shared = bool(a & b)
        if not self.vector:
            return shared, None
        sim = similarity(strip_numbers(original), strip_numbers(proposed))
        return shared and sim >= self.t["topic"], round(sim, 3)


def strip_numbers(text: str) -> str:
    t = text.replace(TODAY, " ").replace(TARGET, " ")
    return " ".join(re.sub(r"[$€£]?\d[\d,.]*\s*(%|x\b|k\b|m\b)?", " ", t).split())


_CAN_EXCEED_100 = re.compile(r"net (?:revenue|dollar) retention|attainment|growth|of quota|of plan|return on|roi"
                             r"|roas|increase|uplift")
_CEILING = re.compile(r"\b(uptime|availability)\b")


_HIGHER = {"revenue", "retention", "satisfaction", "uptime", "availability", "conversion", "win", "margin",
           "profit", "adoption", "engagement", "coverage", "runway", "savings", "accuracy", "nps", "csat",
           "attendance", "completion", "utilization", "utilisation", "bookings", "pipeline", "income", "growth",
           # what was done about a bad thing: "disputes resolved", "defects caught" are more-is-better
           "resolved", "solved", "fixed", "closed", "prevented", "avoided", "caught", "answered", "handled"}


def polarity(metric: str) -> str | None:
    """'up' or 'down' when the metric's words say which way is better without doubt; None otherwise."""
    from coach import lexicon as lx
    from coach.usecases.assemble import _HIGHER_BETTER, _LOWER_BETTER

    if _HIGHER_BETTER.search(metric.lower()):
        return "up"  # a return on spend, runway, uptime, time saved
    ws = set(words(metric))
    if len(ws) > 4 or re.match(r"\s*(?:the\s+)?(?:share|percentage|percent|number|count|ratio|proportion)\b", metric):
        return None  # "share of spend with a named owner": the head noun is not the word that sets polarity
    down = bool(ws & (_LOWER_BETTER | set(lx.LOWER_IS_BETTER)))
    up = bool(ws & _HIGHER)
    if down == up:
        return None
    return "down" if down else "up"


def number_problems(text: str, parsed: object) -> list[str]:
    """Numbers that cannot be right for the metric: out of range, moving the wrong way, or by a wild factor."""
    b = getattr(parsed, "baseline", None)
    t = getattr(parsed, "target", None)
    unit = getattr(parsed, "unit", None)
    metric = (getattr(parsed, "metric", None) or "").lower()
    out: list[str] = []
    vals = [v for v in (b, t) if v is not None]
    if unit == "%" and any(v > 100 for v in vals) and not _CAN_EXCEED_100.search(metric):
        out.append("a share above 100%")
    if unit == "%" and _CEILING.search(metric) and any(v < 90 for v in vals):
        out.append("uptime that far below 100% is not a plausible level")
    if unit == "days" and any(v > 730 for v in vals):
        out.append("more than two years, written in days")
    if unit == "hours" and any(v > 24 * 365 for v in vals):
        out.append("more than a year, written in hours")
    if "nps" in metric.split() or "net promoter" in metric:
        if any(abs(v) > 100 for v in vals):
            out.append("a net promoter score outside -100..100")
    if any(v < 0 for v in vals) and unit in ("%", "days", "hours", "weeks", "USD"):
        out.append("a negative level")
    elif re.search(r"\b(?:from|to)\s*[-\u2212]\s*\d[\d,.]*\s*(?:%|days|hours|weeks)", text):
        out.append("a negative level")  # the parser reads no minus sign: "from -5% to 10%"
    if b is not None and t is not None:
        if b == t:
            out.append("the start and target are the same")
        elif metric:
            pol = polarity(metric)
            if pol is not None and (t > b) != (pol == "up"):
                out.append(f"it moves {metric!r} the wrong way: {'less' if pol == 'down' else 'more'} is better")
        lo, hi = sorted((abs(b), abs(t)))
        if lo > 0 and hi / lo > 50 and unit != "%" and unit not in ("seconds", "minutes", "hours", "days", "weeks"):
            out.append("a change by more than fifty times is not a plan")
    return out
