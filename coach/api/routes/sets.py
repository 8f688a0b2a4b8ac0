"""Saved OKR sets (per API key): versions, reviews, check-ins and progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from starlette.concurrency import run_in_threadpool

from coach import store
from coach.api import services
from coach.api.deps import DbDep, KeyCaller, SettingsDep
from coach.api.schemas import CheckInRequest, ProgressOut, SetRequest

router = APIRouter(prefix="/v1/sets", tags=["sets"])
SetId = Annotated[str, Path(max_length=64, description="The id returned when the set was saved.")]


@router.post("", response_model=store.SavedSet, status_code=status.HTTP_201_CREATED, summary="Save a new set")
async def create(body: SetRequest, caller: KeyCaller, db: DbDep, settings: SettingsDep) -> store.SavedSet:
    return await run_in_threadpool(services.save_set, body, db=db, owner=caller.owner, settings=settings)


@router.get("", response_model=list[store.SetSummary], summary="Your saved sets, latest first")
def list_all(caller: KeyCaller, db: DbDep, limit: Annotated[int, Query(ge=1, le=500)] = 100,
             offset: Annotated[int, Query(ge=0)] = 0) -> list[store.SetSummary]:
    return store.list_sets(db, owner=caller.owner, limit=limit, offset=min(offset, 2**62))


@router.get("/{set_id}", response_model=store.SavedSet, summary="The current version of a set with its review")
def get(set_id: SetId, caller: KeyCaller, db: DbDep) -> store.SavedSet:
    return store.get_set(db, owner=caller.owner, set_id=set_id)


@router.put("/{set_id}", response_model=store.SavedSet, summary="Save a new version of a set")
async def update(set_id: SetId, body: SetRequest, caller: KeyCaller, db: DbDep, settings: SettingsDep) -> store.SavedSet:
    return await run_in_threadpool(services.save_set, body, db=db, owner=caller.owner, settings=settings, set_id=set_id)


@router.get("/{set_id}/versions", response_model=list[store.VersionSummary], summary="Every version, oldest first")
def versions(set_id: SetId, caller: KeyCaller, db: DbDep) -> list[store.VersionSummary]:
    return store.list_versions(db, owner=caller.owner, set_id=set_id)


@router.get("/{set_id}/versions/{version}", response_model=store.SavedSet, summary="One version with its review")
def version(set_id: SetId, version: Annotated[int, Path(ge=1, le=2**62)], caller: KeyCaller, db: DbDep) -> store.SavedSet:
    return store.get_set(db, owner=caller.owner, set_id=set_id, version=version)


@router.delete("/{set_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a set with every version, review and check-in (cannot be undone)")
def delete(set_id: SetId, caller: KeyCaller, db: DbDep) -> Response:
    store.delete_set(db, owner=caller.owner, set_id=set_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{set_id}/checkins", response_model=store.CheckIn, status_code=status.HTTP_201_CREATED,
             summary="Record current values of key results")
def checkin(set_id: SetId, body: CheckInRequest, caller: KeyCaller, db: DbDep) -> store.CheckIn:
    return services.check_in(body, db=db, owner=caller.owner, set_id=set_id)


@router.get("/{set_id}/progress", response_model=ProgressOut, summary="Progress of the current version over time")
async def progress(set_id: SetId, caller: KeyCaller, db: DbDep, settings: SettingsDep) -> ProgressOut:
    return await run_in_threadpool(services.progress, db=db, owner=caller.owner, set_id=set_id, settings=settings)
