"""Critique, draft and rewrite: the rubric report first, the model's proposals on top."""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from coach.api import services
from coach.api.deps import LLMDep, ModelCaller, RunnerDep, SettingsDep, coach_caller_of, limit_model_use
from coach.api.schemas import CritiqueRequest, CritiqueResponse, DraftRequest, RewriteRequest
from coach.models import utf8_safe_context
from coach.usecases.results import DraftResult, RewriteResult

router = APIRouter(prefix="/v1", tags=["coach"])


# The same two ways in as every other route (an API key as a bearer token or in X-API-Key), declared here because the
# route reads them itself rather than through dependencies.
_SECURITY = {"security": [{"HTTPBearer": []}, {"APIKeyHeader": []}]}

_JSON_TYPES: dict[str, bool] = {}


def _read_as_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body sent with this Content-Type as JSON (its own test, remembered per value)."""
    if not content_type:
        return False  # FastAPI's answer then depends on the route's strict_content_type: leave it to FastAPI
    known = _JSON_TYPES.get(content_type)
    if known is None:
        message = email.message.Message()
        message["content-type"] = content_type
        subtype = message.get_content_subtype()
        known = message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))
        if len(_JSON_TYPES) < 64:
            _JSON_TYPES[content_type] = known
    return known


class _ReplayError:
    """An ASGI receive that raises the error reading the body raised, so FastAPI's handler meets it as we did."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    async def __call__(self) -> Any:
        raise self.exc


class CritiqueRoute(APIRoute):
    """POST /v1/critique with a cheaper way in for a well-formed JSON body; anything else goes through FastAPI.

    Tools and hooks send the same sets again and again, and FastAPI's body handling (JSON, validation, the
    dependency solver) costs about as much as the rubric on a small set. Here a body whose report is cached is
    answered without being parsed (only bodies that passed validation are cached, so it would pass again), and a
    new one is parsed and validated once, as FastAPI does. Whatever is not plainly valid JSON of the right shape
    (another content type, an empty body, broken JSON, wrong fields) is handed to FastAPI's own handler, so errors
    keep FastAPI's wording, order and 422 envelope. The route keeps its declared body, so OpenAPI is unchanged.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        fastapi_handler = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if not _read_as_json(request.headers.get("content-type")):
                return await fastapi_handler(request)
            try:
                raw = await request.body()
            except Exception as exc:  # a disconnect, a body over the limit: FastAPI decides what it becomes
                return await fastapi_handler(Request(request.scope, _ReplayError(exc), request._send))
            if raw:
                state = request.app.state
                cache: services.ReportCache = state.report_cache
                key = cache.key(raw, state.settings.profile)
                hit = cache.get(key)
                if hit is not None:
                    await coach_caller_of(request)  # auth and rate limits apply to every call
                    return Response(hit, media_type="application/json")
                try:
                    body = CritiqueRequest.model_validate(json.loads(raw), context=utf8_safe_context(raw))
                except Exception:  # noqa: BLE001 - FastAPI parses it again and answers as it always has
                    pass
                else:
                    return await answer(request, body, raw, key=key)
            return await fastapi_handler(request)

        return handler


async def answer(request: Request, body: CritiqueRequest, raw: bytes, *, key: bytes | None = None) -> Response:
    """The critique of a validated body (`raw` its bytes, `key` their cache key when already worked out)."""
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
    if key is None:
        key = cache.key(raw, settings.profile)
    hit = cache.get(key)
    if hit is None:
        result = await services.critique_request(body, settings=settings, llm=state.llm, runner=state.runner)
        # Already a validated CritiqueResponse: serialize once instead of re-validating it against response_model.
        hit = result.model_dump_json()
        cache.put(key, hit)
    return Response(hit, media_type="application/json")


# What FastAPI calls for the bodies CritiqueRoute hands to it, after its own parsing and validation. (No docstring:
# it would become the operation's description in OpenAPI.)
async def critique(body: CritiqueRequest, request: Request) -> Response:
    return await answer(request, body, await request.body())


router.add_api_route("/critique", critique, methods=["POST"], response_model=CritiqueResponse,
                     summary="Review an OKR set against the rubric", openapi_extra=_SECURITY,
                     route_class_override=CritiqueRoute)


@router.post("/draft", response_model=DraftResult, summary="Draft ranked OKRs for a role")
async def draft(body: DraftRequest, _: ModelCaller, settings: SettingsDep, llm: LLMDep,
                runner: RunnerDep) -> DraftResult:
    return await services.draft_request(body, settings=settings, llm=llm, runner=runner)


@router.post("/rewrite", response_model=RewriteResult, summary="Propose better wordings for one objective or key result")
async def rewrite(body: RewriteRequest, _: ModelCaller, settings: SettingsDep, llm: LLMDep,
                  runner: RunnerDep) -> RewriteResult:
    return await services.rewrite_request(body, settings=settings, llm=llm, runner=runner)
