"""The chat protocol of ``/ws/chat``: JSON text frames, each an object with a ``type``.

Connecting
    Send the access token (or API key) as ``?token=...`` on the URL, or as the first frame
    ``{"type": "auth", "token": "..."}`` within 10 seconds. The server answers
    ``{"type": "ready", "user": {"id", "email", "name", "role"}}``. A missing or refused token
    gets ``{"type": "error", "code": "auth.unauthenticated", ...}`` and the socket is closed with
    code 1008 (policy violation). Without a configured model provider the server sends
    ``{"type": "error", "code": "ai.not_configured", ...}`` and closes with 1011.

Client → server
    ``auth {token}``
    ``user_message {text, conversation_id?, incident_id?}`` — starts a turn. Without
        ``conversation_id`` a new conversation is created (bound to ``incident_id`` when given);
        with one, that conversation is resumed. One turn at a time per socket.
    ``approval {approval_id, approved}`` — the answer to an ``approval_request``.

Server → client, during a turn
    ``text_delta {text}`` — a piece of the assistant's answer.
    ``tool_call {id, name, arguments}`` — the assistant is calling a tool.
    ``approval_request {approval_id, tool, arguments, summary}`` — a write tool waits for the
        user's approval of exactly this call; nothing happens until ``approval`` arrives.
        A refusal (or no answer within ``SLAR_AI_APPROVAL_TIMEOUT``) is honoured: the call is
        not made and the model is told so.
    ``tool_result {id, name, content, is_error}`` — what the tool returned (JSON text).
    ``error {code, message}`` — the turn failed (``ai.provider_error``, ``ai.timeout``,
        ``ai.budget_exhausted``, an API code such as ``conversation.not_found``) or a frame
        was refused (``chat.invalid_frame``, ``chat.busy``). The socket stays open.
    ``done {conversation_id, usage {input_tokens, output_tokens, conversation_tokens}}`` —
        the turn is over, also after an error frame; ``conversation_id`` is ``null`` when the
        turn failed before a conversation was opened (say, someone else's id).

Example exchange::

    → {"type": "auth", "token": "eyJ..."}
    ← {"type": "ready", "user": {"id": 3, "email": "ana@example.com", ...}}
    → {"type": "user_message", "text": "Resolve incident 42", "incident_id": 42}
    ← {"type": "tool_call", "id": "toolu_1", "name": "resolve_incident",
       "arguments": {"incident_id": 42}}
    ← {"type": "approval_request", "approval_id": "ap_...", "tool": "resolve_incident",
       "arguments": {"incident_id": 42}, "summary": "Resolve incident 42"}
    → {"type": "approval", "approval_id": "ap_...", "approved": true}
    ← {"type": "tool_result", "id": "toolu_1", "name": "resolve_incident",
       "content": "{\\"id\\": 42, \\"status\\": \\"resolved\\", ...}", "is_error": false}
    ← {"type": "text_delta", "text": "Done: incident 42 is resolved."}
    ← {"type": "done", "conversation_id": 7, "usage": {...}}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

TEXT_MAX = 20_000


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- client → server --------------------------------------------------------------------------


class AuthFrame(_Frame):
    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=4096)


class UserMessageFrame(_Frame):
    type: Literal["user_message"]
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    conversation_id: int | None = None
    incident_id: int | None = None


class ApprovalFrame(_Frame):
    type: Literal["approval"]
    approval_id: str = Field(min_length=1, max_length=100)
    approved: bool


ClientFrame = Annotated[AuthFrame | UserMessageFrame | ApprovalFrame, Field(discriminator="type")]
CLIENT_FRAME: TypeAdapter[AuthFrame | UserMessageFrame | ApprovalFrame] = TypeAdapter(ClientFrame)


# --- server → client --------------------------------------------------------------------------


class ReadyFrame(_Frame):
    type: Literal["ready"] = "ready"
    user: dict[str, Any]


class TextDeltaFrame(_Frame):
    type: Literal["text_delta"] = "text_delta"
    text: str


class ToolCallFrame(_Frame):
    type: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    arguments: dict[str, Any]


class ToolResultFrame(_Frame):
    type: Literal["tool_result"] = "tool_result"
    id: str
    name: str
    content: str
    is_error: bool = False


class ApprovalRequestFrame(_Frame):
    type: Literal["approval_request"] = "approval_request"
    approval_id: str
    tool: str
    arguments: dict[str, Any]
    summary: str


class ErrorFrame(_Frame):
    type: Literal["error"] = "error"
    code: str
    message: str


class UsageOut(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    conversation_tokens: int = 0


class DoneFrame(_Frame):
    type: Literal["done"] = "done"
    conversation_id: int | None
    usage: UsageOut


ServerFrame = (
    ReadyFrame
    | TextDeltaFrame
    | ToolCallFrame
    | ToolResultFrame
    | ApprovalRequestFrame
    | ErrorFrame
    | DoneFrame
)


def parse_client_frame(raw: Any) -> AuthFrame | UserMessageFrame | ApprovalFrame:
    """Validate one decoded client frame (raises ``pydantic.ValidationError``)."""
    return CLIENT_FRAME.validate_python(raw)
