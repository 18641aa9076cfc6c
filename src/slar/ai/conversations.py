"""Conversations are kept by the API (``/assistant/conversations``), reached through the
client with the caller's token, so a user only ever sees and resumes their own.

This module turns stored messages into the provider-neutral history and a finished (or failed)
turn back into stored messages with its token usage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from slar.ai.agent import Turn
from slar.ai.errors import AiError
from slar.ai.providers.base import ChatMessage
from slar.client import AsyncSlarClient, calls
from slar.domain.assistant.rules import MAX_MESSAGES

TITLE_MAX = 80
APPEND_MAX = 50  # messages the API takes per append
HISTORY_MAX_CHARS = 120_000
"""JSON characters of earlier messages replayed to the model (about 30k tokens)."""


@dataclass(frozen=True)
class Opened:
    conversation_id: int
    incident_id: int | None
    tokens_used: int
    history: list[ChatMessage]


async def open_conversation(
    client: AsyncSlarClient, *, conversation_id: int | None, incident_id: int | None, text: str
) -> Opened:
    """Resume ``conversation_id`` (its messages become the history), or start a new one
    titled after the first message and bound to ``incident_id``."""
    if conversation_id is None:
        created = await client.call(
            calls.create_conversation(title=_title(text), incident_id=incident_id)
        )
        return Opened(created.id, created.incident_id, 0, [])
    detail = await client.call(calls.get_conversation(conversation_id))
    conversation = detail.conversation
    if conversation.message_count >= MAX_MESSAGES:
        raise AiError(
            "conversation.too_many_messages",
            f"conversation {conversation.id} is full ({conversation.message_count} messages); "
            "start a new conversation",
            status=413,
        )
    history = recent_history([ChatMessage(m.role, list(m.content)) for m in detail.messages])
    return Opened(
        conversation.id,
        incident_id if incident_id is not None else conversation.incident_id,
        conversation.tokens_in + conversation.tokens_out,
        history,
    )


async def save_turn(client: AsyncSlarClient, conversation_id: int, turn: Turn) -> None:
    """Record the tokens the turn used, then append what it produced (also after a failure).

    The tokens go first, on their own: if the messages cannot be kept (the conversation is
    full, a message is over its size bound) what the model cost still counts against the
    conversation's budget, which could otherwise be bypassed by a conversation that never
    grows."""
    if turn.usage.input_tokens or turn.usage.output_tokens:
        await client.call(
            calls.append_messages(
                conversation_id,
                [],
                tokens_in=turn.usage.input_tokens,
                tokens_out=turn.usage.output_tokens,
            )
        )
    stored = [{"role": m.role, "content": m.content} for m in turn.messages]
    for start in range(0, len(stored), APPEND_MAX):
        await client.call(
            calls.append_messages(conversation_id, stored[start : start + APPEND_MAX])
        )


def recent_history(
    messages: list[ChatMessage], max_chars: int = HISTORY_MAX_CHARS
) -> list[ChatMessage]:
    """The most recent messages that fit in ``max_chars`` of JSON, starting at a user's own
    message (never halfway through a tool exchange). A long conversation is replayed to the
    model as its recent part, not whole, so one turn's request stays a sane size; the token
    budget still counts every turn."""
    size = 0
    start = len(messages)
    for index in range(len(messages) - 1, -1, -1):
        size += len(json.dumps(messages[index].content, ensure_ascii=False, default=str))
        if size > max_chars:
            break
        start = index
    while start < len(messages) and not _opens_exchange(messages[start]):
        start += 1
    return messages[start:]


def _opens_exchange(message: ChatMessage) -> bool:
    return message.role == "user" and any(b.get("type") == "text" for b in message.content)


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1] + "…"
