"""Response headers that keep pages inert even if some text slipped through unescaped: a Content-Security-Policy
with no inline script and no framing, ``nosniff``, and no referrer sent to linked outlets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
BASE_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response (a plain ASGI wrapper: cheaper per
    request than Starlette's ``BaseHTTPMiddleware``); ``pages`` maps a path to its own policy."""

    def __init__(self, app: ASGIApp, pages: dict[str, str] | None = None) -> None:
        self.app = app
        self.pages = pages or {}  # a stricter-than-nothing policy of its own for a named page (the API docs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.pages.get(scope.get("path", ""), CSP)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                message["headers"] = [*headers, (b"content-security-policy", csp.encode()), *BASE_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
