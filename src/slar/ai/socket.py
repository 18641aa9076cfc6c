"""``/ws/chat``: authenticate the socket, then serve turns and approvals (see ``protocol``).

One reader loop receives every frame; a turn runs as its own task so approval answers can
arrive while it waits. Frames are sent under a lock (the reader and the turn both send).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from slar.ai.errors import (
    WS_INTERNAL_ERROR,
    WS_POLICY_VIOLATION,
    error_frame,
    is_unauthenticated,
    not_configured,
)
from slar.ai.protocol import (
    ApprovalFrame,
    ApprovalRequestFrame,
    AuthFrame,
    ErrorFrame,
    ReadyFrame,
    ServerFrame,
    UserMessageFrame,
    parse_client_frame,
)
from slar.ai.service import Assistant, TurnFailed, done_frame
from slar.client import ApiError, AsyncSlarClient, calls
from slar.domain.identity.schemas import MeOut

log = logging.getLogger("slar.ai.socket")

AUTH_TIMEOUT = 10.0
UNAUTHENTICATED = "send an access token as ?token=... or as the first frame {type: auth, token}"


async def chat_socket(ws: WebSocket, assistant: Assistant) -> None:
    await ws.accept()
    token = ws.query_params.get("token") or await _first_frame_token(ws)
    if not token:
        await _refuse(ws, ErrorFrame(code="auth.unauthenticated", message=UNAUTHENTICATED))
        return
    client = assistant.client(token)
    try:
        try:
            me = await client.call(calls.me())
        except ApiError as exc:
            code = "auth.unauthenticated" if exc.status == 401 else exc.code
            await _refuse(ws, ErrorFrame(code=code, message=exc.message))
            return
        except httpx.HTTPError as exc:  # the API is down: say so, do not crash
            await ws.send_json(error_frame(exc).model_dump())
            await ws.close(WS_INTERNAL_ERROR, "API unreachable")
            return
        if assistant.provider is None:
            error = not_configured()
            await ws.send_json(ErrorFrame(code=error.code, message=error.message).model_dump())
            await ws.close(WS_INTERNAL_ERROR, "AI provider not configured")
            return
        public = me.model_dump(mode="json", include={"id", "email", "name", "role"})
        await ws.send_json(ReadyFrame(user=public).model_dump())
        await ChatSession(ws, assistant, client, me).serve()
    finally:
        await client.aclose()


async def _first_frame_token(ws: WebSocket) -> str | None:
    try:
        raw = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT)
        frame = parse_client_frame(json.loads(raw))
    except (TimeoutError, ValueError, ValidationError, WebSocketDisconnect, RuntimeError):
        return None
    return frame.token if isinstance(frame, AuthFrame) else None


async def _refuse(ws: WebSocket, frame: ErrorFrame) -> None:
    with contextlib.suppress(Exception):  # the peer may be gone already
        await ws.send_json(frame.model_dump())
        await ws.close(WS_POLICY_VIOLATION, "unauthenticated")


class ChatSession:
    def __init__(
        self, ws: WebSocket, assistant: Assistant, client: AsyncSlarClient, me: MeOut
    ) -> None:
        self.ws = ws
        self.assistant = assistant
        self.client = client
        self.me = me
        self.send_lock = asyncio.Lock()
        self.pending: dict[str, asyncio.Future[bool]] = {}
        self.turn: asyncio.Task[None] | None = None

    async def send(self, frame: ServerFrame) -> None:
        async with self.send_lock:
            await self.ws.send_json(frame.model_dump(mode="json"))

    async def serve(self) -> None:
        try:
            while True:
                raw = await self.ws.receive_text()
                await self._dispatch(raw)
        except WebSocketDisconnect:
            pass
        finally:
            if self.turn is not None and not self.turn.done():
                self.turn.cancel()
                with contextlib.suppress(BaseException):
                    await self.turn

    async def _dispatch(self, raw: str) -> None:
        try:
            frame = parse_client_frame(json.loads(raw))
        except (ValueError, ValidationError) as exc:
            await self.send(ErrorFrame(code="chat.invalid_frame", message=_describe(exc)))
            return
        if isinstance(frame, UserMessageFrame):
            if self.turn is not None and not self.turn.done():
                await self.send(
                    ErrorFrame(code="chat.busy", message="wait for 'done' before the next message")
                )
                return
            self.turn = asyncio.create_task(self._run_turn(frame))
        elif isinstance(frame, ApprovalFrame):
            future = self.pending.get(frame.approval_id)
            if future is None or future.done():
                await self.send(
                    ErrorFrame(
                        code="chat.unknown_approval",
                        message=f"no approval {frame.approval_id!r} is waiting",
                    )
                )
                return
            future.set_result(frame.approved)
        else:
            await self.send(ErrorFrame(code="chat.invalid_frame", message="already authenticated"))

    async def _approve(self, request: ApprovalRequestFrame) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.pending[request.approval_id] = future
        try:
            await self.send(request)
            return await future
        finally:
            self.pending.pop(request.approval_id, None)

    async def _run_turn(self, frame: UserMessageFrame) -> None:
        try:
            done = await self.assistant.chat_turn(
                self.client,
                self.me,
                text=frame.text,
                conversation_id=frame.conversation_id,
                incident_id=frame.incident_id,
                emit=self.send,
                approve=self._approve,
            )
        except TurnFailed as failed:
            cause = failed.__cause__ or failed
            if await self._closed_for(cause):
                return
            await self.send(error_frame(cause))
            await self.send(done_frame(failed.conversation_id, failed.turn))
            return
        except Exception as exc:  # failed before a conversation existed
            if await self._closed_for(exc):
                return
            await self.send(error_frame(exc))
            # No conversation was opened (e.g. someone else's id): name none.
            await self.send(done_frame(None, None))
            return
        await self.send(done)

    async def _closed_for(self, exc: BaseException) -> bool:
        """A token the API stopped accepting ends the session: error frame, close 1008."""
        if not is_unauthenticated(exc):
            return False
        await _refuse(self.ws, error_frame(exc))
        return True


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first: dict[str, Any] = dict(exc.errors()[0])
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"invalid frame: {where}: {first.get('msg')}"
    return "frames are JSON objects with a 'type'"
