"""Conversation rules: size bounds and titles from the first user message."""

from __future__ import annotations

import pytest

from slar.domain.assistant import rules
from slar.kernel.errors import InvalidInput, TooLarge


def test_title_is_the_first_user_text_collapsed_and_cut() -> None:
    messages = [
        ("assistant", [{"type": "text", "text": "Hello"}]),
        ("user", [{"type": "tool_result", "id": "1", "content": "x"}]),
        ("user", [{"type": "image"}, {"type": "text", "text": "  Why is\n checkout   down? "}]),
    ]
    assert rules.title_from_messages(messages) == "Why is checkout down?"
    long = rules.title_from_messages([("user", [{"type": "text", "text": "w " * 300}])])
    assert len(long) == rules.TITLE_MAX and long.endswith("…")
    assert rules.title_from_messages([("tool", [{"type": "text", "text": "x"}])]) == ""


def test_message_size_is_bounded_in_json_bytes() -> None:
    small = [{"type": "text", "text": "hi"}]
    assert rules.check_content(small, index=0) == rules.content_size(small)
    big = [{"type": "text", "text": "x" * rules.MAX_MESSAGE_BYTES}]
    with pytest.raises(TooLarge) as refused:
        rules.check_content(big, index=3)
    assert refused.value.code == "conversation.message_too_large"
    assert refused.value.details["field"] == "messages[3].content"


def test_nul_characters_are_refused() -> None:
    with pytest.raises(InvalidInput):
        rules.check_content([{"type": "text", "text": "a\x00b"}], index=0)


def test_room_in_a_conversation() -> None:
    rules.check_room(
        message_count=rules.MAX_MESSAGES - 2, content_bytes=0, adding_messages=2, adding_bytes=1
    )
    with pytest.raises(TooLarge) as full:
        rules.check_room(
            message_count=rules.MAX_MESSAGES - 1, content_bytes=0, adding_messages=2, adding_bytes=1
        )
    assert full.value.code == "conversation.too_many_messages"
    with pytest.raises(TooLarge) as heavy:
        rules.check_room(
            message_count=0,
            content_bytes=rules.MAX_CONVERSATION_BYTES,
            adding_messages=1,
            adding_bytes=1,
        )
    assert heavy.value.code == "conversation.too_large"
