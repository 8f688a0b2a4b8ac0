"""What the routes call: input parsing, model calls in a threadpool under a deadline, saved sets and progress.

Routes stay thin; these functions take keyword arguments and know nothing about HTTP except the CoachErrors
(which carry their status).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from functools import lru_cache
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from starlette.concurrency import run_in_threadpool

from coach import store
from coach.api.schemas import (
    CheckInRequest,
    CritiqueRequest,
    CritiqueResponse,
    DraftRequest,
    KRProgress,
    KRProgressPoint,
    ObjectiveProgress,
    OKRInput,
    ProgressOut,
    RewriteRequest,
    SetRequest,
    TimelinePoint,
)
from coach.errors import CoachError, InputError, ModelError
from coach.io import from_obj, loads
from coach.models import KeyResult, OKRSet, Report, build
from coach.rubric import review
from coach.rubric.progress import kr_progress
from coach.settings import Settings
from coach.usecases.common import LLMLike, fallback_text
from coach.usecases.critique import critique
from coach.usecases.draft import draft
from coach.usecases.results import CritiqueResult, DraftResult, RewriteResult
from coach.usecases.rewrite import rewrite

T = TypeVar("T")
log = logging.getLogger("coach.api")
_SET_META = ("period", "team", "owner", "role", "focus_area")
_INPUT_FIELDS = set(OKRInput.model_fields) - set(OKRSet.model_fields)


def parse_okrs(body: OKRInput, *, settings: Settings, extra_fields: set[str] = frozenset()) -> OKRSet:
    """The OKR set in a request: parsed from `text`, or validated from the RUBRIC.md fields."""
    if body.text is not None:
        if body.objectives:
            raise InputError("give either `text` or `objectives`, not both",
                             hint="send the set as fields, or all of it as text with its format")
        okrs = loads(body.text, body.format, source="text", max_bytes=settings.max_input_bytes)
        for name in _SET_META:  # fields sent beside the text (the web page's role picker) fill what the text leaves out
            if getattr(okrs, name) is None and getattr(body, name) is not None:
                setattr(okrs, name, getattr(body, name))
        return okrs
    plain = _plain_set(body, extra_fields)
    if plain is not None:
        return plain
    data = body.model_dump(exclude=_INPUT_FIELDS | set(extra_fields), exclude_none=True)
    return from_obj(data, source="body")


_SET_FIELDS_OF_INPUT = tuple(OKRSet.model_fields)


@lru_cache(maxsize=64)
def _only_set_fields(model: type[OKRInput], extra_fields: frozenset[str]) -> bool:
    """Whether a request model's fields, less `extra_fields`, are the set's own plus `text` and `format`."""
    return _INPUT_FIELDS.union(extra_fields, _SET_FIELDS_OF_INPUT).issuperset(model.model_fields)


def _plain_set(body: OKRInput, extra_fields: set[str]) -> OKRSet | None:
    """The OKRSet `from_obj` would give for this body's fields, without dumping and validating them again.

    Only for the common body: objectives given, and no key anywhere that its model does not declare (an unknown key
    may be a misspelling that from_obj notes, or a glossary). Then from_obj would validate the body's own validated
    values again, which changes none of them (text cleaning and number checks give the same values a second
    time), and would note nothing. None: take the long way.
    """
    given = body.__dict__
    if not given["objectives"] or body.__pydantic_extra__ or not _only_set_fields(type(body), frozenset(extra_fields)):
        return None
    for obj in given["objectives"]:
        if obj.__pydantic_extra__:
            return None
        for kr in obj.key_results:
            if kr.__pydantic_extra__:
                return None
    values = {name: given[name] for name in _SET_FIELDS_OF_INPUT}
    values["objectives"] = list(values["objectives"])  # its own list, as from_obj's set has
    okrs = build(OKRSet, **values)
    # As from_obj leaves it: the fields it was given (the ones not None), no extra keys, the private attributes with
    # the source named, no lines (a JSON body has none) and no notes.
    object.__setattr__(okrs, "__pydantic_fields_set__", {name for name, v in values.items() if v is not None})
    object.__setattr__(okrs, "__pydantic_extra__", {})
    object.__setattr__(okrs, "__pydantic_private__", {"_source": "body", "_lines": {}, "_notes": []})
    return okrs


def score(okrs: OKRSet, *, settings: Settings) -> Report:
    return review(okrs, profile=settings.profile)


class _ModelDown:
    """A stand-in model that always fails: the use cases then return their rubric-only results."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def generate(self, **_: Any) -> list[Any]:
        raise ModelError(self.reason)


class ModelRunner:
    """Runs blocking model-backed use cases in worker threads (at most `slots` at once), each under a deadline."""

    def __init__(self, *, timeout_s: float, slots: int = 2) -> None:
        self.timeout_s = timeout_s
        self.slots = slots
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, work: Callable[[], T], fallback: Callable[[str], T], *, budget_s: float | None = None) -> T:
        """`budget_s`: the work bounds itself to it; the runner stops waiting 1.5 s later in any case."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.slots)
        limit = self.timeout_s if not budget_s or budget_s <= 0 else min(self.timeout_s, budget_s + 1.5)
        with anyio.move_on_after(limit):
            try:
                # abandon_on_cancel: on the deadline we answer now; the worker thread finishes on its own.
                return await anyio.to_thread.run_sync(work, abandon_on_cancel=True, limiter=self._limiter)
            except CoachError:
                raise  # the caller's input (unknown role, bad index): a 4xx, not a model failure
            except Exception as exc:  # a model client bug must not cost the user the rubric's answer
                log.exception("model-backed request failed; answering with rubric-only results")
                reason = f"the model failed unexpectedly ({type(exc).__name__})"
                return await run_in_threadpool(fallback, fallback_text(ModelError(reason)))
        reason = f"the model took longer than {limit:g}s"
        return await run_in_threadpool(fallback, fallback_text(ModelError(reason)))


def _critique_response(result: CritiqueResult) -> CritiqueResponse:
    return CritiqueResponse(**result.report.model_dump(), commentary=result.commentary, rewrites=result.rewrites,
                            llm_used=result.llm_used, fallback_reason=result.fallback_reason,
                            rejected_rewrites=result.rejected_rewrites, coach_notes=result.notes)


class ReportCache:
    """The last `size` critique reports (rubric only), keyed by a hash of the request body and the profile.

    Reports are deterministic, so a hit is the same bytes the rubric would give again. Bodies over `max_body` bytes
    are not kept (they are rare, and their reports are large)."""

    def __init__(self, size: int = 512, max_body: int = 64 * 1024) -> None:
        self.size, self.max_body = size, max_body
        self._items: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, body: bytes, profile: object) -> bytes | None:
        if self.size <= 0 or len(body) > self.max_body:
            return None
        h = hashlib.blake2b(str(profile).encode("utf-8", "surrogatepass"), digest_size=20)
        h.update(b"\0")
        h.update(body)
        return h.digest()

    def get(self, key: bytes | None) -> str | None:
        if key is None:
            return None
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: bytes | None, report: str) -> None:
        if key is None:
            return
        with self._lock:
            self._items[key] = report
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


# Sets up to this many characters of OKR text are reviewed on the event loop (a few milliseconds at most).
INLINE_REVIEW_CHARS = 8_000


def _small(body: CritiqueRequest) -> bool:
    """Little enough text to review on the event loop (YAML, Markdown or CSV text is read there too)."""
    total = len(body.text or "")
    for obj in body.objectives:
        total += 40 + len(obj.title) + sum(40 + len(kr.text) for kr in obj.key_results)
        if total > INLINE_REVIEW_CHARS:
            return False
    return total <= INLINE_REVIEW_CHARS


async def critique_request(body: CritiqueRequest, *, settings: Settings, llm: LLMLike | None,
                           runner: ModelRunner) -> CritiqueResponse:
    """The rubric report; with `coach`, model commentary and rewrites (rubric-only if the model fails or is slow)."""

    def rubric_only() -> tuple[OKRSet, Report]:
        okrs = parse_okrs(body, settings=settings, extra_fields={"coach"})
        return okrs, score(okrs, settings=settings)

    if _small(body):
        okrs, report = rubric_only()  # about a millisecond: a thread hop would cost a good share of that again
    else:
        okrs, report = await run_in_threadpool(rubric_only)  # a big set must not hold up other requests
    if not body.coach:
        # The report is already validated: take its fields as they are rather than dump and validate them again.
        # (Every field given: pydantic's model_construct would otherwise inspect each default factory's signature,
        # about 0.6 ms a call.) Its __dict__ holds all its fields (a Report keeps no extra keys), the same as
        # dict(report), which walks pydantic's iterator at ~9 us a call.
        return build(CritiqueResponse, **report.__dict__, commentary=[], rewrites=[], llm_used=False,
                     fallback_reason=None, rejected_rewrites=0, coach_notes=[])
    result = await runner.run(
        lambda: critique(okrs, with_llm=True, settings=settings, llm=llm, report=report,
                         budget_s=settings.model_budget_s),
        lambda reason: CritiqueResult(report=report, llm_used=False, fallback_reason=reason),
        budget_s=settings.model_budget_s,
    )
    return _critique_response(result)


async def draft_request(body: DraftRequest, *, settings: Settings, llm: LLMLike | None,
                        runner: ModelRunner) -> DraftResult:
    return await runner.run(
        lambda: draft(role=body.role, context=body.context, n=body.n, settings=settings, llm=llm,
                      budget_s=settings.model_budget_s),
        lambda reason: draft(role=body.role, context=body.context, n=body.n, settings=settings,
                             llm=_ModelDown(reason)),
        budget_s=settings.model_budget_s,
    )


async def rewrite_request(body: RewriteRequest, *, settings: Settings, llm: LLMLike | None,
                          runner: ModelRunner) -> RewriteResult:
    okrs = await run_in_threadpool(parse_okrs, body, settings=settings,
                                   extra_fields={"objective_index", "kr_index", "n"})
    kw = dict(okrs=okrs, objective_index=body.objective_index, kr_index=body.kr_index, settings=settings, n=body.n)
    return await runner.run(lambda: rewrite(**kw, llm=llm, budget_s=settings.model_budget_s),
                            lambda reason: rewrite(**kw, llm=_ModelDown(reason)), budget_s=settings.model_budget_s)


_SET_FIELDS = {"name", "note", "base_version"}


def save_set(body: SetRequest, *, db: store.Database, owner: int, settings: Settings,
             set_id: str | None = None) -> store.SavedSet:
    """Save a new set, or (with set_id) a new version of one; each version is stored with its review."""
    okrs = parse_okrs(body, settings=settings, extra_fields=_SET_FIELDS)
    report = score(okrs, settings=settings)
    if set_id is None:
        return store.create_set(db, owner=owner, okrs=okrs, report=report, name=body.name)
    return store.update_set(db, owner=owner, set_id=set_id, okrs=okrs, report=report, name=body.name,
                            note=body.note, base_version=body.base_version)


def check_in(body: CheckInRequest, *, db: store.Database, owner: int, set_id: str) -> store.CheckIn:
    return store.add_checkin(db, owner=owner, set_id=set_id, values=body.values, note=body.note)


def _with_currents(okrs: OKRSet, currents: dict[tuple[int, int], float]) -> OKRSet:
    new = okrs.model_copy(deep=True)
    for (oi, ki), value in currents.items():
        old = new.objectives[oi].key_results[ki]
        new.objectives[oi].key_results[ki] = KeyResult(**{**old.model_dump(), "current": value})
    return new


MAX_TIMELINE = 200


def _kr_positions(okrs: OKRSet) -> dict[str, tuple[int, int]]:
    """Key result text (normalised) -> its position, for carrying check-ins over to a new version."""
    out: dict[str, tuple[int, int]] = {}
    for oi, o in enumerate(okrs.objectives):
        for ki, k in enumerate(o.key_results):
            out.setdefault(" ".join(k.text.lower().split()), (oi, ki))
    return out


def progress(*, db: store.Database, owner: int, set_id: str, settings: Settings) -> ProgressOut:
    """Progress of the current version: latest value per key result, its history, set progress over time.

    Check-ins made against earlier versions count for the key results whose text is unchanged (wherever they
    moved); values for key results that were reworded or dropped stay with their own version.
    """
    saved = store.get_set(db, owner=owner, set_id=set_id)
    report = saved.report or score(saved.okrs, settings=settings)
    here = _kr_positions(saved.okrs)
    versions: dict[int, OKRSet] = {saved.version: saved.okrs}
    currents: dict[tuple[int, int], float] = {}
    history: dict[tuple[int, int], list[KRProgressPoint]] = {}
    timeline: list[TimelinePoint] = []
    carried = used = 0
    for c in store.list_checkins(db, owner=owner, set_id=set_id):
        if c.version not in versions:
            versions[c.version] = store.get_set(db, owner=owner, set_id=set_id, version=c.version).okrs
        then = versions[c.version]
        moved = False
        for v in c.values:
            if c.version == saved.version:
                key: tuple[int, int] | None = (v.objective_index, v.kr_index)
            else:
                key = here.get(" ".join(then.objectives[v.objective_index].key_results[v.kr_index].text.lower().split()))
                carried += key is not None
            if key is None:
                continue
            moved = True
            currents[key] = v.value
            kr = saved.okrs.objectives[key[0]].key_results[key[1]].model_copy(update={"current": v.value})
            p = kr_progress(kr, report.objectives[key[0]].key_results[key[1]].parsed)
            history.setdefault(key, []).append(KRProgressPoint(checkin_id=c.id, at=c.created_at, value=v.value,
                                                               progress=p.value if p else None))
        if moved:
            used += 1
            timeline.append(TimelinePoint(checkin_id=c.id, at=c.created_at,
                                          progress=score(_with_currents(saved.okrs, currents), settings=settings).progress))
    timeline = timeline[-MAX_TIMELINE:]
    now = score(_with_currents(saved.okrs, currents), settings=settings)
    objectives = [
        ObjectiveProgress(index=o.index, title=o.title, progress=o.progress, reading=o.progress_reading, key_results=[
            KRProgress(index=k.index, text=k.text, baseline=k.parsed.baseline, target=k.parsed.target, unit=k.parsed.unit,
                       current=currents.get((o.index, k.index)), progress=k.progress.value if k.progress else None,
                       history=history.get((o.index, k.index), []))
            for k in o.key_results])
        for o in now.objectives
    ]
    return ProgressOut(set_id=saved.id, version=saved.version, progress=now.progress, checkins=used,
                       carried_over=carried, objectives=objectives, timeline=timeline)
