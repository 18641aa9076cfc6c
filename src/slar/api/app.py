"""The API application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from slar import __version__
from slar.api.errors import install_error_handlers
from slar.api.metrics import install_database_metrics
from slar.api.routers import (
    alerts,
    analytics,
    api_keys,
    assistant,
    auth,
    escalation,
    health,
    heartbeats,
    incidents,
    ingest,
    integrations,
    jobs,
    maintenance,
    monitors,
    notifications,
    runbooks,
    schedules,
    services,
    teams,
    users,
)
from slar.api.state import ApiState
from slar.observability.asgi import RequestContextMiddleware

DESCRIPTION = """\
SLAR's REST API. Authenticate with `Authorization: Bearer <token>`: an access token from
`POST /auth/login` or an API key. Ingestion endpoints (`/v2/enqueue`, `/integrations/{key}/...`)
authenticate by integration key instead. Behind the gateway every path is prefixed with `/api`.
"""


def create_api_app(state: ApiState) -> FastAPI:
    app = FastAPI(
        title="SLAR API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.slar = state
    install_database_metrics(state.db, state.clock)
    install_error_handlers(app)
    for module in (
        health,
        auth,
        users,
        teams,
        api_keys,
        services,
        integrations,
        maintenance,
        incidents,
        escalation,
        alerts,
        analytics,
        schedules,
        ingest,
        jobs,
        notifications,
        runbooks,
        assistant,
        monitors,
        heartbeats,
    ):
        app.include_router(module.router)
    app.add_middleware(ingest.IngestFastLane)  # innermost: ingestion skips the routing scan
    origins = state.settings.http.cors_origin_list
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    app.add_middleware(RequestContextMiddleware, app_name="api")
    return app
