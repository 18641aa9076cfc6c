"""The all-in-one composition of ``slar serve``: the gateway's routes in one process.

Mirrors Kong exactly: ``/api/*`` → API with the prefix stripped; ``/*`` → web. Until the web UI
lands, ``/`` sends the browser to the API's interactive documentation.

The worker runs in-process too: started in a background thread when the app starts and stopped
(started jobs finish, the rest is released) when it shuts down. With several uvicorn processes
each runs one worker, which is safe: workers share nothing but the database queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from slar import __version__
from slar.api.app import create_api_app
from slar.api.state import ApiState
from slar.worker.main import WorkerThread


def create_gateway_app(api_state: ApiState, *, worker: WorkerThread | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await asyncio.to_thread(worker.stop)

    gateway = FastAPI(
        title="SLAR",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
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
