"""Saved OKR sets: every save is a new version with its review; check-ins record current values over time.

Every write is one transaction, and reads are always scoped to the owning key: another key's set is "not found".
The set row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers)
before a new version or check-in is numbered, so concurrent writers through any instance never collide.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from pydantic import BaseModel, Field

from coach.errors import CoachError, InputError, NotFoundError
from coach.models import OKRSet, Report
from coach.store.db import Database
from coach.store.keys import now
from coach.store.schema import checkin_values, checkins, okr_sets, reviews, set_versions


class ConflictError(CoachError):
    """The set changed since the version the client based its edit on."""

    code = "conflict"
    status = 409


class SetSummary(BaseModel):
    id: str
    name: str | None
    version: int
    score: int | None
    created_at: str
    updated_at: str


class SavedSet(SetSummary):
    okrs: OKRSet
    report: Report | None


class VersionSummary(BaseModel):
    version: int
    score: int | None
    note: str | None
    created_at: str


class CheckInValue(BaseModel):
    objective_index: int = Field(ge=0, le=1000)
    kr_index: int = Field(ge=0, le=1000)
    value: float = Field(allow_inf_nan=False)


class CheckIn(BaseModel):
    id: int
    version: int
    note: str | None
    created_at: str
    values: list[CheckInValue]


def _not_found(set_id: str) -> NotFoundError:
    return NotFoundError(f"no saved set {set_id!r} for this API key", hint="list your sets with GET /v1/sets")


def _review_row(c: sa.Connection, set_id: str, version: int, report: Report) -> None:
    c.execute(sa.insert(reviews).values(set_id=set_id, version=version, score=report.score,
                                        rubric_version=report.rubric_version, report_json=report.model_dump_json(),
                                        created_at=now()))


def _owned(c: sa.Connection, set_id: str, owner: int, *cols: sa.ColumnElement, lock: bool = False) -> sa.Row:
    q = sa.select(*cols).where(okr_sets.c.id == set_id, okr_sets.c.owner_key == owner)
    row = c.execute(q.with_for_update() if lock else q).first()
    if row is None:
        raise _not_found(set_id)
    return row


def create_set(db: Database, *, owner: int, okrs: OKRSet, report: Report, name: str | None = None) -> SavedSet:
    """Save a new set as version 1 with its review."""
    set_id = "set_" + secrets.token_hex(8)
    ts = now()
    with db.tx() as c:
        c.execute(sa.insert(okr_sets).values(id=set_id, owner_key=owner, name=name, current_version=1, created_at=ts,
                                             updated_at=ts))
        c.execute(sa.insert(set_versions).values(set_id=set_id, version=1, okrs_json=okrs.model_dump_json(), note=None,
                                                 created_at=ts))
        _review_row(c, set_id, 1, report)
    return SavedSet(id=set_id, name=name, version=1, score=report.score, created_at=ts, updated_at=ts, okrs=okrs,
                    report=report)


def update_set(db: Database, *, owner: int, set_id: str, okrs: OKRSet, report: Report, name: str | None = None,
               note: str | None = None, base_version: int | None = None) -> SavedSet:
    """Add a new version; earlier versions stay. With base_version, refuse if someone saved in between."""
    ts = now()
    with db.tx() as c:
        current, old_name, created = _owned(c, set_id, owner, okr_sets.c.current_version, okr_sets.c.name,
                                            okr_sets.c.created_at, lock=True)
        if base_version is not None and base_version != current:
            raise ConflictError(f"set {set_id} is at version {current}, not {base_version}",
                                hint="GET the set, merge your change into the latest version and retry")
        version = current + 1
        c.execute(sa.insert(set_versions).values(set_id=set_id, version=version, okrs_json=okrs.model_dump_json(),
                                                 note=note, created_at=ts))
        _review_row(c, set_id, version, report)
        new_name = name if name is not None else old_name
        c.execute(sa.update(okr_sets).where(okr_sets.c.id == set_id)
                  .values(current_version=version, name=new_name, updated_at=ts))
    return SavedSet(id=set_id, name=new_name, version=version, score=report.score, created_at=created, updated_at=ts,
                    okrs=okrs, report=report)


def _latest_score(set_id: sa.ColumnElement, version: sa.ColumnElement) -> sa.ScalarSelect:
    return (sa.select(reviews.c.score).where(reviews.c.set_id == set_id, reviews.c.version == version)
            .order_by(reviews.c.id.desc()).limit(1).scalar_subquery())


_SUMMARY = (okr_sets.c.id, okr_sets.c.name, okr_sets.c.current_version,
            _latest_score(okr_sets.c.id, okr_sets.c.current_version), okr_sets.c.created_at, okr_sets.c.updated_at)


def list_sets(db: Database, *, owner: int, limit: int = 100, offset: int = 0) -> list[SetSummary]:
    with db.read() as c:
        rows = c.execute(sa.select(*_SUMMARY).where(okr_sets.c.owner_key == owner)
                         .order_by(okr_sets.c.updated_at.desc(), okr_sets.c.id).limit(limit).offset(offset)).all()
    return [SetSummary(id=r[0], name=r[1], version=r[2], score=r[3], created_at=r[4], updated_at=r[5]) for r in rows]


def get_set(db: Database, *, owner: int, set_id: str, version: int | None = None) -> SavedSet:
    """The current (or a given) version of a set with its latest review."""
    with db.read() as c:
        head = _owned(c, set_id, owner, *_SUMMARY)
        v = head[2] if version is None else version
        row = c.execute(sa.select(set_versions.c.okrs_json, set_versions.c.created_at)
                        .where(set_versions.c.set_id == set_id, set_versions.c.version == v)).first()
        if row is None:
            raise NotFoundError(f"set {set_id} has no version {v}", hint=f"versions run from 1 to {head[2]}")
        rev = c.execute(sa.select(reviews.c.report_json, reviews.c.score)
                        .where(reviews.c.set_id == set_id, reviews.c.version == v)
                        .order_by(reviews.c.id.desc()).limit(1)).first()
    report = Report.model_validate_json(rev[0]) if rev else None
    return SavedSet(id=head[0], name=head[1], version=v, score=rev[1] if rev else None, created_at=head[4],
                    updated_at=head[5] if version is None else row[1], okrs=OKRSet.model_validate_json(row[0]),
                    report=report)


def list_versions(db: Database, *, owner: int, set_id: str) -> list[VersionSummary]:
    with db.read() as c:
        _owned(c, set_id, owner, okr_sets.c.id)
        rows = c.execute(sa.select(set_versions.c.version, _latest_score(set_versions.c.set_id, set_versions.c.version),
                                   set_versions.c.note, set_versions.c.created_at)
                         .where(set_versions.c.set_id == set_id).order_by(set_versions.c.version)).all()
    return [VersionSummary(version=r[0], score=r[1], note=r[2], created_at=r[3]) for r in rows]


def add_checkin(db: Database, *, owner: int, set_id: str, values: list[CheckInValue], note: str | None = None) -> CheckIn:
    """Record current values of key results of the set's current version."""
    if not values:
        raise InputError("a check-in needs at least one value", hint='{"values": [{"objective_index": 0, '
                         '"kr_index": 0, "value": 4}]}')
    ts = now()
    with db.tx() as c:
        (version,) = _owned(c, set_id, owner, okr_sets.c.current_version, lock=True)
        okrs = OKRSet.model_validate_json(c.execute(
            sa.select(set_versions.c.okrs_json).where(set_versions.c.set_id == set_id,
                                                      set_versions.c.version == version)).scalar_one())
        seen: dict[tuple[int, int], CheckInValue] = {}
        for v in values:
            if v.objective_index >= len(okrs.objectives):
                raise InputError(f"objective_index {v.objective_index} is out of range",
                                 hint=f"version {version} has {len(okrs.objectives)} objectives")
            n = len(okrs.objectives[v.objective_index].key_results)
            if v.kr_index >= n:
                raise InputError(f"kr_index {v.kr_index} is out of range",
                                 hint=f"objective {v.objective_index} has {n} key results")
            seen[(v.objective_index, v.kr_index)] = v  # the last value given for a key result wins
        cid = c.execute(sa.insert(checkins).values(set_id=set_id, version=version, note=note, created_at=ts)
                        ).inserted_primary_key[0]
        c.execute(sa.insert(checkin_values), [{"checkin_id": cid, "objective_index": v.objective_index,
                                               "kr_index": v.kr_index, "value": v.value} for v in seen.values()])
    return CheckIn(id=cid, version=version, note=note, created_at=ts, values=list(seen.values()))


def list_checkins(db: Database, *, owner: int, set_id: str, version: int | None = None) -> list[CheckIn]:
    """Check-ins of a set (optionally of one version), oldest first."""
    with db.read() as c:
        _owned(c, set_id, owner, okr_sets.c.id)
        q = sa.select(checkins.c.id, checkins.c.version, checkins.c.note, checkins.c.created_at).where(
            checkins.c.set_id == set_id)
        if version is not None:
            q = q.where(checkins.c.version == version)
        heads = c.execute(q.order_by(checkins.c.id)).all()
        vals = c.execute(sa.select(checkin_values.c.checkin_id, checkin_values.c.objective_index,
                                   checkin_values.c.kr_index, checkin_values.c.value)
                         .join(checkins, checkins.c.id == checkin_values.c.checkin_id)
                         .where(checkins.c.set_id == set_id)
                         .order_by(checkin_values.c.checkin_id, checkin_values.c.objective_index,
                                   checkin_values.c.kr_index)).all()
    by: dict[int, list[CheckInValue]] = {}
    for cid, oi, ki, value in vals:
        by.setdefault(cid, []).append(CheckInValue(objective_index=oi, kr_index=ki, value=value))
    return [CheckIn(id=h[0], version=h[1], note=h[2], created_at=h[3], values=by.get(h[0], [])) for h in heads]


def _delete_sets(c: sa.Connection, set_ids: list[str]) -> None:
    """Delete sets with everything that hangs off them (children first, for the foreign keys)."""
    if not set_ids:
        return
    ids = sa.select(checkins.c.id).where(checkins.c.set_id.in_(set_ids)).scalar_subquery()
    c.execute(sa.delete(checkin_values).where(checkin_values.c.checkin_id.in_(ids)))
    c.execute(sa.delete(checkins).where(checkins.c.set_id.in_(set_ids)))
    c.execute(sa.delete(reviews).where(reviews.c.set_id.in_(set_ids)))
    c.execute(sa.delete(set_versions).where(set_versions.c.set_id.in_(set_ids)))
    c.execute(sa.delete(okr_sets).where(okr_sets.c.id.in_(set_ids)))


def delete_set(db: Database, *, owner: int | None, set_id: str) -> int:
    """Delete a set, every version, review and check-in of it; returns how many versions went.

    `owner=None` is the operator's CLI (any owner); the API always passes the calling key.
    """
    with db.tx() as c:
        q = sa.select(okr_sets.c.current_version).where(okr_sets.c.id == set_id)
        if owner is not None:
            q = q.where(okr_sets.c.owner_key == owner)
        row = c.execute(q.with_for_update()).first()
        if row is None:
            raise _not_found(set_id) if owner is not None else NotFoundError(f"no saved set {set_id!r}")
        _delete_sets(c, [set_id])
    return int(row[0])
