"""Annotated dependencies: settings, database, model, and who is calling (API key or anonymous) with rate limits.

They are `async def` on purpose: a sync dependency would cost a threadpool hop per request. The key lookup is one
indexed SQLite read, done inline; on PostgreSQL it is a network round trip, so it runs in the threadpool.

Limits: a key's rate covers every endpoint but /healthz; anonymous callers (per client address) have their own
rate, and a tighter one on the model-backed paths (draft, rewrite, critique with `coach`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from coach import store
from coach.api.errors import RateLimited
from coach.api.limits import RateLimiter
from coach.api.services import ModelRunner
from coach.errors import AuthError
from coach.settings import Settings
from coach.usecases.common import LLMLike

bearer = HTTPBearer(auto_error=False, description="An API key from `okr-coach keys create`.")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same API key, as a header.")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_db(request: Request) -> store.Database:
    return request.app.state.db


async def get_llm(request: Request) -> LLMLike | None:
    return request.app.state.llm


async def get_runner(request: Request) -> ModelRunner:
    return request.app.state.runner


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[store.Database, Depends(get_db)]
LLMDep = Annotated[LLMLike | None, Depends(get_llm)]
RunnerDep = Annotated[ModelRunner, Depends(get_runner)]


class Caller(BaseModel):
    """The API key making the request, or None for an anonymous caller."""

    key: store.ApiKey | None = None
    client: str = "unknown"

    @property
    def owner(self) -> int:
        assert self.key is not None
        return self.key.id


async def _limit(request: Request, scope: str, who: str, rate: int, what: str = "") -> None:
    limiter: RateLimiter = request.app.state.limiter
    wait = await limiter.hit(scope, who, rate)
    if wait > 0:
        raise RateLimited(f"rate limit of {rate} {what}requests per minute reached", retry_after=wait,
                          hint="wait for the Retry-After seconds, or use an API key (okr-coach keys create)"
                          if scope.startswith("anonymous") else
                          "wait for the Retry-After seconds, or ask for a key with a higher limit")


async def identify(
    request: Request, db: DbDep, settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    header_key: Annotated[str | None, Depends(api_key_header)],
) -> Caller:
    """Who is calling; a key that is given but unknown or revoked is refused rather than treated as anonymous."""
    token = header_key or (credentials.credentials if credentials else None)
    return await _identify(request, db, settings, token)


def token_of(request: Request) -> str | None:
    """The API key from `X-API-Key`, else from `Authorization: Bearer` (as the two security schemes read them)."""
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def coach_caller_of(request: Request) -> Caller:
    """coach_caller without FastAPI's dependency solver: the critique endpoint is called by other tools at volume,
    and resolving a tree of a dozen dependencies costs more than the rubric itself on a small set."""
    settings: Settings = request.app.state.settings
    caller = await _identify(request, request.app.state.db, settings, token_of(request))
    return await coach_caller(caller, settings)


async def _identify(request: Request, db: store.Database, settings: Settings, token: str | None) -> Caller:
    client = request.client.host if request.client else "unknown"
    if not token:
        await _limit(request, "anonymous", client, settings.anonymous_rate_limit_per_minute)
        return Caller(client=client)
    if db.dialect == "sqlite":
        key = store.find_key(db, token.strip())
    else:
        key = await run_in_threadpool(store.find_key, db, token.strip())
    if key is None:
        raise AuthError("unknown or revoked API key", hint="create one with `okr-coach keys create --name NAME`")
    await _limit(request, "key", str(key.id), key.rate_per_minute)
    return Caller(key=key, client=client)


async def limit_model_use(request: Request, caller: Caller, settings: Settings) -> None:
    """Anonymous callers get a tighter limit on the paths that run the model (each costs seconds of CPU or money)."""
    if caller.key is None:
        await _limit(request, "anonymous-model", caller.client, settings.anonymous_model_rate_limit_per_minute,
                     "model-backed ")


async def coach_caller(caller: Annotated[Caller, Depends(identify)], settings: SettingsDep) -> Caller:
    """Critique, draft and rewrite: a key, or anyone when anonymous use is enabled."""
    if caller.key is None and not settings.anonymous_critique:
        raise AuthError("an API key is required", hint="send `Authorization: Bearer KEY` or `X-API-Key: KEY`")
    return caller


async def model_caller(caller: Annotated[Caller, Depends(coach_caller)], request: Request,
                       settings: SettingsDep) -> Caller:
    """Draft and rewrite: a coach caller, with the model-use limit for anonymous callers."""
    await limit_model_use(request, caller, settings)
    return caller


async def key_caller(caller: Annotated[Caller, Depends(identify)]) -> Caller:
    """Saved sets: always a key (each key sees only its own sets)."""
    if caller.key is None:
        raise AuthError("saved sets need an API key", hint="send `Authorization: Bearer KEY` or `X-API-Key: KEY` "
                        "(create one with `okr-coach keys create --name NAME`)")
    return caller


CoachCaller = Annotated[Caller, Depends(coach_caller)]
ModelCaller = Annotated[Caller, Depends(model_caller)]
AnyCaller = Annotated[Caller, Depends(identify)]
KeyCaller = Annotated[Caller, Depends(key_caller)]
