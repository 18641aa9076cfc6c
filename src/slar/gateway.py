"""The all-in-one composition of ``slar serve``: the gateway's routes in one process.

Mirrors Kong exactly: ``/api/*`` → API with the prefix stripped; ``/*`` → web. The web UI calls
the API in-process (an ``httpx`` ASGI transport on the same API app), with the user's token.
``/ai/*`` → the AI assistant with the prefix stripped and ``/ws/chat`` → its socket; it too
calls the API in-process with the user's token.

The worker runs in-process too: started in a background thread when the app starts and stopped
(started jobs finish, the rest is released) when it shuts down. With several uvicorn processes
each runs one worker, which is safe: workers share nothing but the database queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import WebSocketRoute

from slar import __version__
from slar.ai import service as ai_service
from slar.ai.app import create_ai_app
from slar.api.app import create_api_app
from slar.api.state import ApiState
from slar.web.app import create_web_app
from slar.web.connector import ApiConnector
from slar.worker.main import WorkerThread


def create_gateway_app(api_state: ApiState, *, worker: WorkerThread | None = None) -> FastAPI:
    api = create_api_app(api_state)
    connector = ApiConnector.in_process(api, api_state.settings.web.api_timeout)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            await connector.aclose()
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
    gateway.mount("/api", api)
    # AI: /ai/* with the prefix stripped, and the chat socket at /ws/chat (not stripped).
    ai = create_ai_app(api_state.settings, ai_service.in_process(api))
    gateway.mount("/ai", ai)
    gateway.router.routes.append(WebSocketRoute("/ws/chat", ai))

    @gateway.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    web = create_web_app(
        api_state.settings,
        connector,
        secret=api_state.auth.signing_key,
        close_connector=False,  # closed by the gateway's lifespan (mounted apps get none)
    )
    gateway.mount("/", web)
    return gateway
