"""Conversation request and response shapes (pydantic; shared by the API and the client)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from slar.domain.assistant.rules import MAX_APPEND, TITLE_MAX

Role = Literal["user", "assistant", "tool"]


class ConversationIn(BaseModel):
    title: str = Field("", max_length=TITLE_MAX)
    incident_id: int | None = None


class ConversationOut(BaseModel):
    id: int
    title: str
    incident_id: int | None
    created_at: datetime
    updated_at: datetime
    tokens_in: int
    tokens_out: int
    message_count: int


class MessageIn(BaseModel):
    """One message: opaque JSON content blocks, e.g. ``{"type": "text", "text": ...}``,
    ``{"type": "tool_call", "id", "name", "arguments"}``,
    ``{"type": "tool_result", "id", "content", "is_error"}``."""

    role: Role
    content: list[dict[str, Any]]


class MessageOut(BaseModel):
    id: int
    role: Role
    content: list[dict[str, Any]]
    created_at: datetime


class MessagesIn(BaseModel):
    """Messages to append and the tokens they cost. An empty ``messages`` records only the
    usage: tokens spent are counted against the budget even when a turn cannot be kept."""

    messages: list[MessageIn] = Field(max_length=MAX_APPEND)
    tokens_in: int = Field(0, ge=0, le=2**40)
    tokens_out: int = Field(0, ge=0, le=2**40)


class ConversationDetailOut(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut]
