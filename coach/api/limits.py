"""Request body size limit (before the body is read) and per-caller token buckets."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.api.errors import envelope


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


class TokenBuckets:
    """One bucket per caller: `rate` requests per minute, bursts up to `rate`."""

    def __init__(self) -> None:
        self._state: dict[Any, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, who: Any, rate_per_minute: int) -> float:
        """Spend a token; returns 0 when allowed, else the seconds until one is available."""
        if rate_per_minute <= 0:
            return 0.0
        refill = rate_per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(who, (float(rate_per_minute), now))
            tokens = min(float(rate_per_minute), tokens + (now - last) * refill)
            if tokens >= 1.0:
                self._state[who] = (tokens - 1.0, now)
                return 0.0
            self._state[who] = (tokens, now)
            return (1.0 - tokens) / refill
