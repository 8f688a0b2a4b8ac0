"""Critique, draft and rewrite: the rubric report first, the model's proposals on top."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from coach.api import services
from coach.api.deps import CoachCaller, LLMDep, ModelCaller, RunnerDep, SettingsDep, limit_model_use
from coach.api.schemas import CritiqueRequest, CritiqueResponse, DraftRequest, RewriteRequest
from coach.usecases.results import DraftResult, RewriteResult

router = APIRouter(prefix="/v1", tags=["coach"])


@router.post("/critique", response_model=CritiqueResponse, summary="Review an OKR set against the rubric")
async def critique(body: CritiqueRequest, caller: CoachCaller, settings: SettingsDep, llm: LLMDep,
                   runner: RunnerDep, request: Request) -> Response:
    if body.coach:
        await limit_model_use(request, caller, settings)
    result = await services.critique_request(body, settings=settings, llm=llm, runner=runner)
    # Already a validated CritiqueResponse: serialize once instead of re-validating it against response_model.
    return Response(result.model_dump_json(), media_type="application/json")


@router.post("/draft", response_model=DraftResult, summary="Draft ranked OKRs for a role")
async def draft(body: DraftRequest, _: ModelCaller, settings: SettingsDep, llm: LLMDep,
                runner: RunnerDep) -> DraftResult:
    return await services.draft_request(body, settings=settings, llm=llm, runner=runner)


@router.post("/rewrite", response_model=RewriteResult, summary="Propose better wordings for one objective or key result")
async def rewrite(body: RewriteRequest, _: ModelCaller, settings: SettingsDep, llm: LLMDep,
                  runner: RunnerDep) -> RewriteResult:
    return await services.rewrite_request(body, settings=settings, llm=llm, runner=runner)
