"""The AI assistant: a chat page whose script talks to ``/ws/chat`` (streaming, approvals).

The browser needs the user's access token to open the socket. It is never written into a page:
the script asks ``POST /chat/token`` for it (same-origin only, CSRF header required), keeps it
in memory and sends it as the socket's first ``auth`` frame. The refresh token never leaves
the encrypted cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse, Response

from slar.client import calls
from slar.web.ui import Ui, signed_in

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]


@router.get("/chat")
async def chat_page(ui: UiDep, incident_id: int | None = None) -> Response:
    conversations = await ui.call(calls.list_conversations(limit=20))
    return ui.render("pages/chat.html", conversations=conversations, incident_id=incident_id)


@router.post("/chat/token")
async def chat_token(ui: UiDep) -> Response:
    """The current access token, for the chat socket and the AI summary (JSON, never cached)."""
    return JSONResponse({"token": ui.client.token}, headers={"Cache-Control": "no-store"})
