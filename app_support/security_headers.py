"""Security headers on every HTTP response of the dashboard (an ASGI middleware for ``serve.py``).

Streamlit has no setting for response headers, but ``st.App`` takes Starlette middleware, so
``serve.py`` wraps the app with :class:`SecurityHeaders`:

* ``Content-Security-Policy`` (:data:`CONTENT_SECURITY_POLICY`): scripts, styles, fonts, images and
  connections from the app's own origin only (plus the inline styles and ``blob:``/``data:`` URLs
  Streamlit's front end and Plotly use); no plug-ins; no framing by other sites; forms post back to
  the app only;
* ``X-Frame-Options: SAMEORIGIN`` (older browsers' version of ``frame-ancestors``);
* ``X-Content-Type-Options: nosniff`` (a downloaded report is never run as another type);
* ``Referrer-Policy: same-origin`` (a share link's survey id never leaves in a ``Referer`` header);
* ``Permissions-Policy`` switching off camera, microphone, geolocation and payment;
* ``Cross-Origin-Opener-Policy: same-origin``.

A header the app already set is kept. The same headers are in the nginx example of
``docs/deployment.md`` for deployments that run ``app.py`` directly behind a proxy.
"""

from __future__ import annotations

# 'unsafe-inline' for scripts: Streamlit's page and st.html components run small inline scripts;
# 'wasm-unsafe-eval' lets Streamlit's protobuf reader (long.js) compile its small WebAssembly helper
# (it allows WebAssembly only, never JavaScript's eval); 'unsafe-eval' is not needed. Checked in a
# real browser that reports every violation: tests/browser/test_headers_browser.py.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https://fonts.gstatic.com; "  # the page icon (a Material Symbol) as favicon
    "font-src 'self' data:; "
    "connect-src 'self' ws: wss:; "
    "media-src 'self' blob: data:; "
    "worker-src 'self' blob:; "
    "frame-src 'self' blob: data:; "
    "frame-ancestors 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'"
)

HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` to every HTTP response (websockets pass untouched)."""

    def __init__(self, app, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or HEADERS).items()]

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message.get("type") == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
