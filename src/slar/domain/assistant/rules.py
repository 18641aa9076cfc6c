"""Pure conversation rules: size bounds and the title a conversation gets from its first user
message. Values in, values out; no SQLAlchemy."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from slar.kernel.errors import InvalidInput, TooLarge

TITLE_MAX = 200
MAX_MESSAGES = 2000
"""Messages one conversation holds; a longer chat starts a new conversation."""
MAX_MESSAGE_BYTES = 256 * 1024
"""JSON size of one message's content (a tool result included)."""
MAX_CONVERSATION_BYTES = 16 * 1024 * 1024
"""JSON size of all of a conversation's messages: what reading it back may load."""
MAX_APPEND = 50
LIST_LIMIT_MAX = 200


def content_size(content: Sequence[Mapping[str, Any]]) -> int:
    """Bytes of the content as compact UTF-8 JSON (the size the bounds speak of)."""
    return len(json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def check_content(content: Sequence[Mapping[str, Any]], *, index: int) -> int:
    """The content's size; refused over ``MAX_MESSAGE_BYTES`` (413) or holding a NUL
    character, which PostgreSQL JSON cannot store (refused on both databases alike)."""
    field = f"messages[{index}].content"
    text = json.dumps(content, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_MESSAGE_BYTES:
        raise TooLarge(
            f"{field} is {size} bytes of JSON; a message holds at most {MAX_MESSAGE_BYTES}",
            code="conversation.message_too_large",
            field=field,
        )
    if "\\u0000" in text or "\x00" in text:
        raise InvalidInput(
            f"{field} contains a NUL character", code="conversation.invalid_content", field=field
        )
    return size


def check_room(
    *, message_count: int, content_bytes: int, adding_messages: int, adding_bytes: int
) -> None:
    """Refuse an append that would take the conversation over its bounds (413)."""
    if message_count + adding_messages > MAX_MESSAGES:
        raise TooLarge(
            f"a conversation holds at most {MAX_MESSAGES} messages ({message_count} stored, "
            f"{adding_messages} sent); start a new conversation",
            code="conversation.too_many_messages",
            field="messages",
        )
    if content_bytes + adding_bytes > MAX_CONVERSATION_BYTES:
        raise TooLarge(
            f"a conversation holds at most {MAX_CONVERSATION_BYTES} bytes of messages; "
            "start a new conversation",
            code="conversation.too_large",
            field="messages",
        )


def title_from_messages(messages: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> str:
    """The first user text block (whitespace collapsed, cut to ``TITLE_MAX`` with an ellipsis),
    or ``""`` when no user message has text."""
    for role, content in messages:
        if role != "user":
            continue
        for block in content:
            text = block.get("text") if block.get("type") == "text" else None
            if isinstance(text, str) and text.strip():
                return shorten(" ".join(text.split()))
    return ""


def shorten(text: str, limit: int = TITLE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
