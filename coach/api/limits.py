"""Request body size limit (before the body is read) and per-caller rate limits (in memory or in Redis)."""

from __future__ import annotations

import json
import logging
import time

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.api.errors import envelope

log = logging.getLogger("coach.api")


class BodyTooLarge(StarletteHTTPException):
    """Raised while streaming a body past the limit; an HTTPException so FastAPI passes it through as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over {limit:,} bytes, the limit")


class BodySizeLimit:
    """Pure ASGI middleware: 413 in the error envelope when Content-Length or the streamed body exceeds the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Send, size: str) -> None:
        body = json.dumps(envelope("input_too_large", f"the request body is {size} bytes; the limit is "
                                   f"{self.max_bytes:,}", hint="split the set or raise OKR_COACH_MAX_INPUT_BYTES"))
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode()})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    await self._reject(send, f"{declared:,}")
                    return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await self._reject(send, f"over {self.max_bytes:,}")


class RateLimiter:
    """Requests per minute per caller, through the `limits` library: a moving window, exact at the boundary.

    In this process's memory by default; in Redis when `redis_url` is set, so that every worker and instance
    counts against the same window. If Redis stops answering, the limiter logs it and counts in memory until
    Redis is back (limits keep holding per process instead of vanishing).
    """

    def __init__(self, redis_url: str | None = None, *, prefix: str = "okr-coach:limits") -> None:
        from limits.aio.strategies import MovingWindowRateLimiter
        from limits.storage import storage_from_string

        self.redis_url = redis_url
        self._memory = MovingWindowRateLimiter(storage_from_string("async+memory://"))
        self._shared = None
        if redis_url:
            storage = storage_from_string("async+" + redis_url, implementation="redispy", key_prefix=prefix,
                                          wrap_exceptions=True, socket_timeout=5, socket_connect_timeout=5)
            self._shared = MovingWindowRateLimiter(storage)
        self._shared_down = False
        self._retry_at = 0.0

    RETRY_AFTER_S = 5.0

    @property
    def backend(self) -> str:
        return "redis" if self._shared is not None else "memory"

    async def hit(self, scope: str, who: str, rate_per_minute: int) -> float:
        """Count one request; 0 when allowed, else the seconds until the window lets one through."""
        if rate_per_minute <= 0:
            return 0.0
        from limits import RateLimitItemPerMinute
        from limits.errors import StorageError

        item = RateLimitItemPerMinute(rate_per_minute)
        limiter = self._shared or self._memory
        if limiter is self._shared and self._shared_down and time.monotonic() < self._retry_at:
            limiter = self._memory  # Redis failed a moment ago: do not make every request wait for its timeout
        try:
            if await limiter.hit(item, scope, who):
                if self._shared_down and limiter is self._shared:
                    log.warning("rate limits: Redis answers again; counting there")
                    self._shared_down = False
                return 0.0
            stats = await limiter.get_window_stats(item, scope, who)
        except (StorageError, OSError, ConnectionError) as exc:
            if limiter is self._memory:
                raise
            if not self._shared_down:
                log.error("rate limits: Redis failed (%s); counting in this process until it is back", exc)
                self._shared_down = True
            self._retry_at = time.monotonic() + self.RETRY_AFTER_S
            limiter = self._memory
            if await limiter.hit(item, scope, who):
                return 0.0
            stats = await limiter.get_window_stats(item, scope, who)
        return max(1.0, stats.reset_time - time.time())
