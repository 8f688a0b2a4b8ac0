"""Critique, draft and rewrite: the rubric report first, the model's proposals on top."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from coach.api import services
from coach.api.deps import LLMDep, ModelCaller, RunnerDep, SettingsDep, coach_caller_of, limit_model_use
from coach.api.schemas import CritiqueRequest, CritiqueResponse, DraftRequest, RewriteRequest
from coach.usecases.results import DraftResult, RewriteResult

router = APIRouter(prefix="/v1", tags=["coach"])


# The same two ways in as every other route (an API key as a bearer token or in X-API-Key), declared here because the
# route reads them itself rather than through dependencies.
_SECURITY = {"security": [{"HTTPBearer": []}, {"APIKeyHeader": []}]}


@router.post("/critique", response_model=CritiqueResponse, summary="Review an OKR set against the rubric",
             openapi_extra=_SECURITY)
async def critique(body: CritiqueRequest, request: Request) -> Response:
    caller = await coach_caller_of(request)
    state = request.app.state
    settings = state.settings
    if body.coach:
        await limit_model_use(request, caller, settings)
        result = await services.critique_request(body, settings=settings, llm=state.llm, runner=state.runner)
        return Response(result.model_dump_json(), media_type="application/json")
    # The rubric's report is a pure function of the set and the profile: the same body gets the same bytes back
    # (tools and hooks send unchanged sets again and again). Auth and rate limits above still apply to every call.
    cache: services.ReportCache = state.report_cache
    raw = await request.body()
    key = cache.key(raw, settings.profile)
    hit = cache.get(key)
    if hit is None:
        result = await services.critique_request(body, settings=settings, llm=state.llm, runner=state.runner)
        # Already a validated CritiqueResponse: serialize once instead of re-validating it against response_model.
        hit = result.model_dump_json()
        cache.put(key, hit)
    return Response(hit, media_type="application/json")


@router.post("/draft", response_model=DraftResult, summary="Draft ranked OKRs for a role")
async def draft(body: DraftRequest, _: ModelCaller, settings: SettingsDep, llm: LLMDep,
                runner: RunnerDep) -> DraftResult:
    return await services.draft_request(body, settings=settings, llm=llm, runner=runner)


@router.post("/rewrite", response_model=RewriteResult, summary="Propose better wordings for one objective or key result")
async def rewrite(body: RewriteRequest, _: ModelCaller, settings: SettingsDep, llm: LLMDep,
                  runner: RunnerDep) -> RewriteResult:
    return await services.rewrite_request(body, settings=settings, llm=llm, runner=runner)
