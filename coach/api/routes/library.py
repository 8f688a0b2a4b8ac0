"""Read-only reference data: roles, their example OKRs, and the rubric's rules with their guidance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from coach import __version__
from coach.api.deps import DbDep, SettingsDep, identify
from coach.api.schemas import Health, RoleOut, RubricOut, RuleOut
from coach.corpus.roles import list_roles
from coach.corpus.search import Hit, search
from coach.rubric import load_profile, load_rules, rubric_version

router = APIRouter(tags=["library"])
# The library endpoints count against the caller's rate limit too (key, or anonymous per address).
limited = APIRouter(tags=["library"], dependencies=[Depends(identify)])


@router.get("/healthz", response_model=Health, summary="Liveness: the store takes a write; its schema version")
def healthz(db: DbDep) -> Health:
    """503 with the cause when the database is read-only, full, damaged or unreachable."""
    import os
    import socket

    db.check_writable(f"{socket.gethostname()}:{os.getpid()}")
    return Health(status="ok", version=__version__, database=db.version)


@limited.get("/v1/roles", response_model=list[RoleOut], summary="Roles in the example library")
def roles(settings: SettingsDep) -> list[RoleOut]:
    return [RoleOut(role=r.role, slug=r.slug, family=r.family, aliases=r.aliases, drives=r.drives,
                    metrics=[{"name": m.name, "kind": m.kind, "unit": m.unit} for m in r.metrics],
                    good_examples=len(r.good)) for r in list_roles(settings)]


@limited.get("/v1/examples", response_model=list[Hit], summary="Example OKRs nearest to a query, for a role")
async def examples(
    settings: SettingsDep,
    role: Annotated[str | None, Query(max_length=200, description="A job title; nearest library role is used.")] = None,
    q: Annotated[str | None, Query(max_length=2000, description="What the OKRs are about.")] = None,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[Hit]:
    role = role.strip() or None if role else None
    return await run_in_threadpool(search, q or "", role=role, k=k, settings=settings)


@limited.get("/v1/rubric", response_model=RubricOut, summary="The rubric's rules with their guidance and examples")
def rubric(settings: SettingsDep) -> RubricOut:
    profile = load_profile(settings.profile)
    rules = [r for r in load_rules(settings.rubrics_dir) if r.id not in profile.disabled_rules]
    return RubricOut(rubric_version=rubric_version(settings.rubrics_dir), profile=profile.name, rules=[
        RuleOut(id=r.id, scope=r.scope, severity=dict(profile.severity_overrides).get(r.id, r.severity),
                weight=r.weight, message=r.message, suggestion=r.suggestion, guidance=r.guidance, why=r.why,
                examples=r.examples.model_dump()) for r in rules])
