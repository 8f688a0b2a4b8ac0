"""One JSON error envelope for every error the service returns: {"error": {code, message, hint, location}}."""

from __future__ import annotations

import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from coach.errors import CoachError, RateLimitError

log = logging.getLogger("coach.api")

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "input_too_large",
               415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited"}


class RateLimited(RateLimitError):
    """429 with the seconds to wait, sent as Retry-After."""

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = max(1, math.ceil(retry_after))


def envelope(code: str, message: str, *, hint: str | None = None, location: str | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "hint": hint, "location": location}}


def error_response(status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _loc(loc: tuple | list) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


async def coach_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CoachError)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if exc.status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    return error_response(exc.status, exc.to_dict(), headers)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    where = _loc(first.get("loc", ()))
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    msg = f"{where}: {first.get('msg')}{more}" if where else f"{first.get('msg')}{more}"
    return error_response(422, envelope("invalid_input", msg, location=where or None,
                                        hint="see the request schema at /docs"))


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    hint = None
    message = str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message, hint = f"no such endpoint: {request.method} {request.url.path}", "see /docs for the API"
    elif exc.status_code == 405:
        message, hint = f"{request.method} is not allowed on {request.url.path}", "see /docs for the methods"
    elif exc.status_code == 413:
        hint = "split the set or raise OKR_COACH_MAX_INPUT_BYTES"
    return error_response(exc.status_code, envelope(code, message, hint=hint), dict(exc.headers or {}))


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, envelope("internal_error", "the server failed to handle this request",
                                        hint="this is a bug in okr-coach; the server log has the details"))


def install(app: FastAPI) -> None:
    app.add_exception_handler(CoachError, coach_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, server_error)
