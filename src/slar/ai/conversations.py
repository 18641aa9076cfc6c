"""Conversations are kept by the API (``/assistant/conversations``), reached through the
client with the caller's token, so a user only ever sees and resumes their own.

This module turns stored messages into the provider-neutral history and a finished (or failed)
turn back into stored messages with its token usage.
"""

from __future__ import annotations

from dataclasses import dataclass

from slar.ai.agent import Turn
from slar.ai.providers.base import ChatMessage
from slar.client import AsyncSlarClient, calls

TITLE_MAX = 80
APPEND_MAX = 50  # messages the API takes per append


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
    history = [ChatMessage(m.role, list(m.content)) for m in detail.messages]
    return Opened(
        conversation.id,
        incident_id if incident_id is not None else conversation.incident_id,
        conversation.tokens_in + conversation.tokens_out,
        history,
    )


async def save_turn(client: AsyncSlarClient, conversation_id: int, turn: Turn) -> None:
    """Append what the turn produced, with the tokens it used (also after a failure)."""
    if not turn.messages:  # a turn always starts with the user's message; nothing ran
        return
    stored = [{"role": m.role, "content": m.content} for m in turn.messages]
    for start in range(0, len(stored), APPEND_MAX):
        first = start == 0
        await client.call(
            calls.append_messages(
                conversation_id,
                stored[start : start + APPEND_MAX],
                tokens_in=turn.usage.input_tokens if first else 0,
                tokens_out=turn.usage.output_tokens if first else 0,
            )
        )


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1] + "…"
