"""Conversation queries. All SQL of the assistant context lives here."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from slar.domain.assistant.models import Conversation, ConversationMessage
from slar.domain.incidents.models import Incident


def conversation_of(
    session: Session, *, conversation_id: int, user_id: int, for_update: bool = False
) -> Conversation | None:
    """The conversation when it belongs to ``user_id`` (row-locked when ``for_update``, so
    two appends to one conversation take positions one after the other)."""
    stmt = select(Conversation).where(
        Conversation.id == conversation_id, Conversation.user_id == user_id
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def conversations_of(
    session: Session, *, user_id: int, limit: int, offset: int
) -> list[Conversation]:
    """Most recently active first (ties: newest id first)."""
    stmt = (
        select(Conversation)
        .where(Conversation.user_id == user_id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt))


def messages_of(session: Session, conversation_id: int) -> list[ConversationMessage]:
    stmt = (
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.position)
    )
    return list(session.scalars(stmt))


def delete_messages(session: Session, conversation_id: int) -> None:
    session.execute(
        delete(ConversationMessage).where(ConversationMessage.conversation_id == conversation_id)
    )


def incident_exists(session: Session, incident_id: int) -> bool:
    return session.get(Incident, incident_id) is not None
