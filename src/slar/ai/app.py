"""The AI service's application: REST (``/chat``, ``/conversations``, incident summaries), the
``/ws/chat`` socket, and the probes and metrics every HTTP component serves.

It holds no data: every read and write goes to the API through ``slar.client`` with the
caller's token. ``api_http`` makes the HTTP client that reaches the API — over the network for
``slar ai`` (``API_BASE_URL``), in-process for ``slar serve``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Query, Request, Response, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from slar import __version__
from slar.ai import summary as summaries
from slar.ai.errors import AiError, to_ai_error
from slar.ai.protocol import TEXT_MAX, ServerFrame, TextDeltaFrame, ToolResultFrame, UsageOut
from slar.ai.providers import build_provider
from slar.ai.providers.base import Provider, ProviderError
from slar.ai.service import Assistant, HttpFactory, TurnFailed
from slar.ai.socket import chat_socket
from slar.client import ApiError, AsyncSlarClient, calls
from slar.domain.assistant.schemas import ConversationDetailOut, ConversationOut
from slar.domain.identity.schemas import MeOut
from slar.domain.incidents.schemas import IncidentEventOut
from slar.observability.asgi import RequestContextMiddleware
from slar.observability.metrics import render_latest
from slar.settings import Settings

bearer = HTTPBearer(auto_error=False, description="Access token (JWT) or API key")


class ChatIn(BaseModel):
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    conversation_id: int | None = None
    incident_id: int | None = None


class ToolUseOut(BaseModel):
    id: str
    name: str
    content: str
    is_error: bool


class ChatOut(BaseModel):
    conversation_id: int
    text: str
    tool_calls: list[ToolUseOut]
    usage: UsageOut


@dataclass
class Caller:
    client: AsyncSlarClient
    me: MeOut


def _assistant(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assistant
    return assistant


async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AsyncIterator[Caller]:
    if credentials is None or not credentials.credentials:
        raise AiError(
            "auth.unauthenticated",
            "send an access token or API key as 'Authorization: Bearer ...'",
            status=401,
        )
    client = _assistant(request).client(credentials.credentials)
    try:
        me = await client.call(calls.me())
        yield Caller(client, me)
    finally:
        await client.aclose()


CallerDep = Annotated[Caller, Depends(_caller)]


def create_ai_app(
    settings: Settings, api_http: HttpFactory, *, provider: Provider | None = None
) -> FastAPI:
    """``provider`` defaults to the one the settings configure (``None``: not configured)."""
    app = FastAPI(title="SLAR AI", version=__version__, docs_url="/docs", redoc_url=None)
    chosen = provider if provider is not None else build_provider(settings.ai)
    app.state.assistant = Assistant(settings.ai, chosen, api_http)
    _install_error_handlers(app)

    @app.get("/health", tags=["health"], summary="Liveness: the process is up")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"], summary="Readiness: the API answers")
    async def ready(request: Request) -> JSONResponse:
        assistant = _assistant(request)
        provider_name = assistant.provider.name if assistant.provider else None
        try:
            async with assistant.http_factory() as http:
                answer = await http.get("/health/ready")
            api_ok = answer.status_code == 200
        except Exception:  # any failure means "not ready", never a crash
            api_ok = False
        body = {"status": "ok" if api_ok else "unavailable", "api": api_ok}
        return JSONResponse({**body, "provider": provider_name}, status_code=200 if api_ok else 503)

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics", response_class=Response)
    def metrics() -> Response:
        body, content_type = render_latest()
        return Response(body, media_type=content_type)

    @app.post("/chat", tags=["ai"], summary="One chat turn without streaming (no write tools)")
    async def chat(body: ChatIn, caller: CallerDep, request: Request) -> ChatOut:
        assistant = _assistant(request)
        assistant.require_provider()
        text: list[str] = []
        used: list[ToolUseOut] = []

        async def collect(frame: ServerFrame) -> None:
            if isinstance(frame, TextDeltaFrame):
                text.append(frame.text)
            elif isinstance(frame, ToolResultFrame):
                used.append(ToolUseOut(**frame.model_dump(exclude={"type"})))

        try:
            done = await assistant.chat_turn(
                caller.client,
                caller.me,
                text=body.text,
                conversation_id=body.conversation_id,
                incident_id=body.incident_id,
                emit=collect,
                approve=None,
            )
        except TurnFailed as failed:
            raise to_ai_error(failed.__cause__ or failed) from failed
        assert done.conversation_id is not None
        return ChatOut(
            conversation_id=done.conversation_id,
            text="".join(text),
            tool_calls=used,
            usage=done.usage,
        )

    @app.get("/conversations", tags=["ai"], summary="The caller's conversations, newest first")
    async def conversations(
        caller: CallerDep,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[ConversationOut]:
        return await caller.client.call(calls.list_conversations(limit=limit, offset=offset))

    @app.get(
        "/conversations/{conversation_id}",
        tags=["ai"],
        summary="One conversation with its messages (to resume it)",
    )
    async def conversation(conversation_id: int, caller: CallerDep) -> ConversationDetailOut:
        return await caller.client.call(calls.get_conversation(conversation_id))

    @app.post(
        "/incidents/{incident_id}/summary",
        tags=["ai"],
        summary="Draft a summary and probable cause of an incident, with its sources",
    )
    async def incident_summary(
        incident_id: int, caller: CallerDep, request: Request
    ) -> summaries.SummaryOut:
        return await summaries.draft_summary(_assistant(request), caller.client, incident_id)

    @app.post(
        "/incidents/{incident_id}/summary/note",
        tags=["ai"],
        status_code=201,
        summary="Save a (reviewed) summary as a note on the incident's timeline",
    )
    async def save_summary(
        incident_id: int, body: summaries.SummaryNoteIn, caller: CallerDep
    ) -> IncidentEventOut:
        return await summaries.save_as_note(caller.client, incident_id, body)

    @app.websocket("/ws/chat")
    async def ws_chat(websocket: WebSocket) -> None:
        await chat_socket(websocket, websocket.app.state.assistant)

    app.add_middleware(RequestContextMiddleware, app_name="ai")
    return app


def _error(code: str, message: str, status: int, **details: Any) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AiError)
    async def _ai(_request: Request, exc: AiError) -> JSONResponse:
        return _error(exc.code, exc.message, exc.status)

    @app.exception_handler(ApiError)
    async def _api(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.code, exc.message, exc.status)

    @app.exception_handler(ProviderError)
    @app.exception_handler(httpx.HTTPError)
    async def _upstream(_request: Request, exc: Exception) -> JSONResponse:
        # The model service or the API failed: expected, answered, and not a crash.
        error = to_ai_error(exc)
        return _error(error.code, error.message, error.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": err.get("msg", "invalid"),
            }
            for err in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or "invalid request"
        return _error("request.invalid", message, 422, problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "route.not_found", 405: "route.method_not_allowed"}.get(
            exc.status_code, "http.error"
        )
        return _error(code, str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        error = to_ai_error(exc)
        return _error(error.code, error.message, error.status)
