"""Conversation use cases for the AI service, which calls them with the user's token.

A conversation is private to its user: every read and write looks it up *with* the caller's
user id, so another user (an admin too) gets ``404 conversation.not_found``, exactly as for an
id that does not exist (no hint that it does). Appends lock the conversation row, so messages
keep the order they were sent in and token counts add up under concurrent requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from slar.domain.assistant import repository as repo
from slar.domain.assistant import rules
from slar.domain.assistant.models import Conversation, ConversationMessage
from slar.domain.assistant.schemas import (
    ConversationDetailOut,
    ConversationOut,
    MessageIn,
    MessageOut,
)
from slar.domain.identity.rules import Principal
from slar.kernel.errors import InvalidInput, NotFound


def conversation_out(conversation: Conversation) -> ConversationOut:
    return ConversationOut(
        id=conversation.id,
        title=conversation.title,
        incident_id=conversation.incident_id,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        tokens_in=conversation.tokens_in,
        tokens_out=conversation.tokens_out,
        message_count=conversation.message_count,
    )


def _mine(
    session: Session, conversation_id: int, principal: Principal, *, for_update: bool = False
) -> Conversation:
    conversation = repo.conversation_of(
        session,
        conversation_id=conversation_id,
        user_id=principal.user_id,
        for_update=for_update,
    )
    if conversation is None:
        raise NotFound(
            f"conversation {conversation_id} not found",
            code="conversation.not_found",
            conversation_id=conversation_id,
        )
    return conversation


def create_conversation(
    session: Session,
    *,
    title: str = "",
    incident_id: int | None = None,
    principal: Principal,
    now: datetime,
) -> ConversationOut:
    """Start a conversation, optionally about an incident (which must exist)."""
    if incident_id is not None and not repo.incident_exists(session, incident_id):
        raise InvalidInput(
            f"incident {incident_id} does not exist",
            code="conversation.unknown_incident",
            field="incident_id",
        )
    conversation = Conversation(
        user_id=principal.user_id,
        title=rules.shorten(" ".join(title.split())),
        incident_id=incident_id,
        created_at=now,
        updated_at=now,
        tokens_in=0,
        tokens_out=0,
        message_count=0,
        content_bytes=0,
    )
    session.add(conversation)
    session.flush()
    return conversation_out(conversation)


def list_conversations(
    session: Session, *, principal: Principal, limit: int = 50, offset: int = 0
) -> list[ConversationOut]:
    """The caller's conversations, most recently active first."""
    if not 1 <= limit <= rules.LIST_LIMIT_MAX or offset < 0:
        raise InvalidInput(
            f"limit must be 1 to {rules.LIST_LIMIT_MAX} and offset >= 0",
            code="conversation.invalid_page",
            field="limit",
        )
    found = repo.conversations_of(session, user_id=principal.user_id, limit=limit, offset=offset)
    return [conversation_out(c) for c in found]


def get_conversation(
    session: Session, *, conversation_id: int, principal: Principal
) -> ConversationDetailOut:
    """The conversation with its messages in order."""
    conversation = _mine(session, conversation_id, principal)
    messages = [
        MessageOut(id=m.id, role=m.role, content=m.content, created_at=m.created_at)
        for m in repo.messages_of(session, conversation.id)
    ]
    return ConversationDetailOut(conversation=conversation_out(conversation), messages=messages)


def append_messages(
    session: Session,
    *,
    conversation_id: int,
    messages: Sequence[MessageIn],
    tokens_in: int = 0,
    tokens_out: int = 0,
    principal: Principal,
    now: datetime,
) -> ConversationOut:
    """Append ``messages`` in order and add the tokens they cost. An untitled conversation is
    titled by its first user text. Over the bounds (``rules``) nothing is stored. No messages
    records only the tokens: what the model cost is counted even when a turn cannot be kept
    (a full conversation), so the token budget cannot be bypassed that way."""
    if len(messages) > rules.MAX_APPEND:
        raise InvalidInput(
            f"send at most {rules.MAX_APPEND} messages at a time",
            code="conversation.invalid_messages",
            field="messages",
        )
    if tokens_in < 0 or tokens_out < 0:
        raise InvalidInput("token counts must be >= 0", code="conversation.invalid_tokens")
    sizes = [rules.check_content(m.content, index=i) for i, m in enumerate(messages)]
    conversation = _mine(session, conversation_id, principal, for_update=True)
    if messages:
        rules.check_room(
            message_count=conversation.message_count,
            content_bytes=conversation.content_bytes,
            adding_messages=len(messages),
            adding_bytes=sum(sizes),
        )
    position = conversation.message_count
    for offset, message in enumerate(messages):
        session.add(
            ConversationMessage(
                conversation_id=conversation.id,
                position=position + offset,
                role=message.role,
                content=message.content,
                created_at=now,
            )
        )
    if not conversation.title:
        conversation.title = rules.title_from_messages([(m.role, m.content) for m in messages])
    conversation.message_count += len(messages)
    conversation.content_bytes += sum(sizes)
    conversation.tokens_in += tokens_in
    conversation.tokens_out += tokens_out
    conversation.updated_at = now
    session.flush()
    return conversation_out(conversation)


def delete_conversation(session: Session, *, conversation_id: int, principal: Principal) -> None:
    conversation = _mine(session, conversation_id, principal, for_update=True)
    repo.delete_messages(session, conversation.id)
    session.delete(conversation)
    session.flush()
