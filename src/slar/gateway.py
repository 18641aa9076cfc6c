"""The all-in-one composition of ``slar serve``: the gateway's routes in one process.

Mirrors Kong exactly: ``/api/*`` → API with the prefix stripped; ``/*`` → web. Until the web UI
lands, ``/`` sends the browser to the API's interactive documentation.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from slar import __version__
from slar.api.app import create_api_app
from slar.api.state import ApiState


def create_gateway_app(api_state: ApiState) -> FastAPI:
    gateway = FastAPI(
        title="SLAR", version=__version__, docs_url=None, redoc_url=None, openapi_url=None
    )
    api = create_api_app(api_state)
    gateway.mount("/api", api)

    @gateway.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @gateway.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/api/docs")

    return gateway
