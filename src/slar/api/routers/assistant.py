"""The AI assistant's conversations, private to the user who owns them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from slar.api.deps import AuthCtx
from slar.domain.assistant import rules, service
from slar.domain.assistant.schemas import (
    ConversationDetailOut,
    ConversationIn,
    ConversationOut,
    MessagesIn,
)

router = APIRouter(prefix="/assistant/conversations", tags=["assistant"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Start a conversation")
def create_conversation(body: ConversationIn, ctx: AuthCtx) -> ConversationOut:
    return service.create_conversation(
        ctx.session,
        title=body.title,
        incident_id=body.incident_id,
        principal=ctx.principal,
        now=ctx.now,
    )


@router.get("", summary="Your conversations, most recently active first")
def list_conversations(
    ctx: AuthCtx,
    limit: Annotated[int, Query(ge=1, le=rules.LIST_LIMIT_MAX)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ConversationOut]:
    return service.list_conversations(
        ctx.session, principal=ctx.principal, limit=limit, offset=offset
    )


@router.get("/{conversation_id:int}", summary="One of your conversations with its messages")
def get_conversation(conversation_id: int, ctx: AuthCtx) -> ConversationDetailOut:
    return service.get_conversation(
        ctx.session, conversation_id=conversation_id, principal=ctx.principal
    )


@router.post(
    "/{conversation_id:int}/messages",
    summary="Append messages in order and add their token usage",
    responses={413: {"description": "a message or the conversation is over its size bound"}},
)
def append_messages(conversation_id: int, body: MessagesIn, ctx: AuthCtx) -> ConversationOut:
    return service.append_messages(
        ctx.session,
        conversation_id=conversation_id,
        messages=body.messages,
        tokens_in=body.tokens_in,
        tokens_out=body.tokens_out,
        principal=ctx.principal,
        now=ctx.now,
    )


@router.delete(
    "/{conversation_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete one of your conversations",
)
def delete_conversation(conversation_id: int, ctx: AuthCtx) -> None:
    service.delete_conversation(
        ctx.session, conversation_id=conversation_id, principal=ctx.principal
    )
