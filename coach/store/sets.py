"""Saved OKR sets: every save is a new version with its review; check-ins record current values over time.

Every write is one transaction, and reads are always scoped to the owning key: another key's set is "not found".
"""

from __future__ import annotations

import secrets

from pydantic import BaseModel, Field

from coach.errors import CoachError, InputError, NotFoundError
from coach.models import OKRSet, Report
from coach.store.db import Database
from coach.store.keys import now


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


def _review_row(c, set_id: str, version: int, report: Report) -> None:  # noqa: ANN001
    c.execute("insert into reviews (set_id, version, score, rubric_version, report_json, created_at) values (?,?,?,?,?,?)",
              (set_id, version, report.score, report.rubric_version, report.model_dump_json(), now()))


def create_set(db: Database, *, owner: int, okrs: OKRSet, report: Report, name: str | None = None) -> SavedSet:
    """Save a new set as version 1 with its review."""
    set_id = "set_" + secrets.token_hex(8)
    ts = now()
    with db.tx() as c:
        c.execute("insert into okr_sets (id, owner_key, name, current_version, created_at, updated_at) values (?,?,?,?,?,?)",
                  (set_id, owner, name, 1, ts, ts))
        c.execute("insert into set_versions (set_id, version, okrs_json, note, created_at) values (?,?,?,?,?)",
                  (set_id, 1, okrs.model_dump_json(), None, ts))
        _review_row(c, set_id, 1, report)
    return SavedSet(id=set_id, name=name, version=1, score=report.score, created_at=ts, updated_at=ts, okrs=okrs,
                    report=report)


def update_set(db: Database, *, owner: int, set_id: str, okrs: OKRSet, report: Report, name: str | None = None,
               note: str | None = None, base_version: int | None = None) -> SavedSet:
    """Add a new version; earlier versions stay. With base_version, refuse if someone saved in between."""
    ts = now()
    with db.tx() as c:
        row = c.execute("select current_version, name, created_at from okr_sets where id = ? and owner_key = ?",
                        (set_id, owner)).fetchone()
        if row is None:
            raise _not_found(set_id)
        current, old_name, created = row
        if base_version is not None and base_version != current:
            raise ConflictError(f"set {set_id} is at version {current}, not {base_version}",
                                hint="GET the set, merge your change into the latest version and retry")
        version = current + 1
        c.execute("insert into set_versions (set_id, version, okrs_json, note, created_at) values (?,?,?,?,?)",
                  (set_id, version, okrs.model_dump_json(), note, ts))
        _review_row(c, set_id, version, report)
        new_name = name if name is not None else old_name
        c.execute("update okr_sets set current_version = ?, name = ?, updated_at = ? where id = ?",
                  (version, new_name, ts, set_id))
    return SavedSet(id=set_id, name=new_name, version=version, score=report.score, created_at=created, updated_at=ts,
                    okrs=okrs, report=report)


_SUMMARY = """select s.id, s.name, s.current_version,
                     (select r.score from reviews r where r.set_id = s.id and r.version = s.current_version
                      order by r.id desc limit 1), s.created_at, s.updated_at
              from okr_sets s"""


def list_sets(db: Database, *, owner: int, limit: int = 100, offset: int = 0) -> list[SetSummary]:
    rows = db.query(f"{_SUMMARY} where s.owner_key = ? order by s.updated_at desc, s.id limit ? offset ?",
                    (owner, limit, offset))
    return [SetSummary(id=r[0], name=r[1], version=r[2], score=r[3], created_at=r[4], updated_at=r[5]) for r in rows]


def get_set(db: Database, *, owner: int, set_id: str, version: int | None = None) -> SavedSet:
    """The current (or a given) version of a set with its latest review."""
    with db.lock:
        head = db.one(f"{_SUMMARY} where s.id = ? and s.owner_key = ?", (set_id, owner))
        if head is None:
            raise _not_found(set_id)
        v = head[2] if version is None else version
        row = db.one("select okrs_json, created_at from set_versions where set_id = ? and version = ?", (set_id, v))
        if row is None:
            raise NotFoundError(f"set {set_id} has no version {v}", hint=f"versions run from 1 to {head[2]}")
        rev = db.one("select report_json, score from reviews where set_id = ? and version = ? order by id desc limit 1",
                     (set_id, v))
    report = Report.model_validate_json(rev[0]) if rev else None
    return SavedSet(id=head[0], name=head[1], version=v, score=rev[1] if rev else None, created_at=head[4],
                    updated_at=head[5] if version is None else row[1], okrs=OKRSet.model_validate_json(row[0]),
                    report=report)


def list_versions(db: Database, *, owner: int, set_id: str) -> list[VersionSummary]:
    with db.lock:
        if db.one("select 1 from okr_sets where id = ? and owner_key = ?", (set_id, owner)) is None:
            raise _not_found(set_id)
        rows = db.query("""select v.version, (select r.score from reviews r where r.set_id = v.set_id
                           and r.version = v.version order by r.id desc limit 1), v.note, v.created_at
                           from set_versions v where v.set_id = ? order by v.version""", (set_id,))
    return [VersionSummary(version=r[0], score=r[1], note=r[2], created_at=r[3]) for r in rows]


def add_checkin(db: Database, *, owner: int, set_id: str, values: list[CheckInValue], note: str | None = None) -> CheckIn:
    """Record current values of key results of the set's current version."""
    if not values:
        raise InputError("a check-in needs at least one value", hint='{"values": [{"objective_index": 0, '
                         '"kr_index": 0, "value": 4}]}')
    ts = now()
    with db.tx() as c:
        row = c.execute("select current_version from okr_sets where id = ? and owner_key = ?", (set_id, owner)).fetchone()
        if row is None:
            raise _not_found(set_id)
        version = row[0]
        okrs = OKRSet.model_validate_json(
            c.execute("select okrs_json from set_versions where set_id = ? and version = ?", (set_id, version)).fetchone()[0])
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
        cid = c.execute("insert into checkins (set_id, version, note, created_at) values (?,?,?,?)",
                        (set_id, version, note, ts)).lastrowid
        c.executemany("insert into checkin_values (checkin_id, objective_index, kr_index, value) values (?,?,?,?)",
                      [(cid, v.objective_index, v.kr_index, v.value) for v in seen.values()])
    return CheckIn(id=cid, version=version, note=note, created_at=ts, values=list(seen.values()))


def list_checkins(db: Database, *, owner: int, set_id: str, version: int | None = None) -> list[CheckIn]:
    """Check-ins of a set (optionally of one version), oldest first."""
    with db.lock:
        if db.one("select 1 from okr_sets where id = ? and owner_key = ?", (set_id, owner)) is None:
            raise _not_found(set_id)
        sql = "select id, version, note, created_at from checkins where set_id = ?"
        args: tuple = (set_id,)
        if version is not None:
            sql, args = sql + " and version = ?", (set_id, version)
        heads = db.query(sql + " order by id", args)
        vals = db.query("""select cv.checkin_id, cv.objective_index, cv.kr_index, cv.value from checkin_values cv
                           join checkins c on c.id = cv.checkin_id where c.set_id = ?
                           order by cv.checkin_id, cv.objective_index, cv.kr_index""", (set_id,))
    by: dict[int, list[CheckInValue]] = {}
    for cid, oi, ki, value in vals:
        by.setdefault(cid, []).append(CheckInValue(objective_index=oi, kr_index=ki, value=value))
    return [CheckIn(id=h[0], version=h[1], note=h[2], created_at=h[3], values=by.get(h[0], [])) for h in heads]
