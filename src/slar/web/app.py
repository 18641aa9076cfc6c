"""The web application factory (``slar web``; mounted at ``/`` by ``slar serve``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from slar import __version__
from slar.client import calls
from slar.client.core import ApiError
from slar.observability.asgi import RequestContextMiddleware
from slar.observability.metrics import render_latest
from slar.settings import Settings
from slar.web import routes
from slar.web.connector import ApiConnector
from slar.web.csrf import CsrfMiddleware
from slar.web.middleware import SessionMiddleware
from slar.web.session import SessionCodec, derive_key
from slar.web.templating import Renderer
from slar.web.ui import NotSignedIn, api_message, login_redirect

log = logging.getLogger("slar.web")
STATIC = Path(__file__).parent / "static"


class WebConfigError(ValueError):
    """The web UI cannot start as configured (the message says what to set)."""


def session_secret(settings: Settings, fallback: str | None = None) -> str:
    """SLAR_WEB_SECRET_KEY, else SLAR_SECRET_KEY, else ``fallback`` (``slar serve``: the
    API's signing key). Without any, sessions could not survive a restart or be shared by
    replicas, so the web UI refuses to start."""
    if settings.web.secret_key is not None:
        return settings.web.secret_key.get_secret_value()
    if settings.auth.secret_key:
        return settings.auth.secret_key
    if fallback:
        return fallback
    raise WebConfigError("set SLAR_WEB_SECRET_KEY (32+ characters) to encrypt web sessions")


def features(settings: Settings) -> dict[str, bool]:
    """Pages whose API calls exist in this build (others are left out, never dead links); the
    assistant also needs a model provider configured (``ANTHROPIC_API_KEY``/``OPENAI_API_KEY``)."""
    return {
        "monitors": hasattr(calls, "list_checks") and hasattr(calls, "list_heartbeats"),
        "runbooks": hasattr(calls, "list_runbooks"),
        "ai": hasattr(calls, "list_conversations") and settings.ai.active_provider is not None,
    }


def create_web_app(
    settings: Settings,
    connector: ApiConnector,
    *,
    secret: str | None = None,
    now: Callable[[], datetime] | None = None,
    close_connector: bool = True,
) -> FastAPI:
    """The UI over ``connector``. ``secret`` keys the session cookie when no setting does."""
    codec = SessionCodec(derive_key(session_secret(settings, secret)), settings.web.session_ttl)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_connector:
            await connector.aclose()

    app = FastAPI(
        title="SLAR web",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.connector = connector
    available = features(settings)
    app.state.renderer = Renderer(now or (lambda: datetime.now(UTC)), available)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _health_routes(app, connector)
    for module in routes.ALL:
        app.include_router(module.router)
    for name, module in routes.OPTIONAL.items():
        if available[name]:
            app.include_router(module.router)
    _error_pages(app)
    app.add_middleware(CsrfMiddleware)
    app.add_middleware(SessionMiddleware, codec=codec, secure=not settings.web.insecure_cookies)
    app.add_middleware(RequestContextMiddleware, app_name="web")
    return app


def _health_routes(app: FastAPI, connector: ApiConnector) -> None:
    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready")
    async def ready() -> JSONResponse:
        try:
            answer = await connector.http.get("/health/ready")
            reachable = answer.status_code == 200
        except Exception as exc:  # any failure means "not ready", never a crash
            return JSONResponse({"status": "unavailable", "api": type(exc).__name__}, 503)
        status = "ok" if reachable else "unavailable"
        return JSONResponse(
            {"status": status, "api": answer.status_code}, 200 if reachable else 503
        )

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = render_latest()
        return Response(body, media_type=content_type)


def _error_pages(app: FastAPI) -> None:
    def page(request: Request, status: int, title: str, message: str) -> Response:
        renderer: Renderer = request.app.state.renderer
        return renderer.page(
            request, "pages/error.html", status_code=status, title=title, message=message
        )

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(_request: Request, exc: NotSignedIn) -> Response:
        return login_redirect(exc.next_url)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        titles = {403: "Not allowed", 404: "Not found", 409: "Conflict"}
        status = exc.status if exc.status in titles else 502 if exc.status >= 500 else 400
        return page(
            request, status, titles.get(exc.status, "Something went wrong"), api_message(exc)
        )

    @app.exception_handler(404)
    async def not_found(request: Request, _exc: Exception) -> Response:
        return page(request, 404, "Not found", "There is no page at this address.")

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("web page failed", exc_info=exc)
        return page(request, 500, "Something went wrong", "The error was logged.")
