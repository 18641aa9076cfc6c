"""Pure pieces of the assistant: frames, history replay to both wire formats, settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from slar.ai.protocol import ApprovalFrame, UserMessageFrame, parse_client_frame
from slar.ai.providers.anthropic_provider import to_anthropic
from slar.ai.providers.base import ChatMessage, valid_history
from slar.ai.providers.openai_provider import to_openai
from slar.ai.summary import split_answer
from slar.settings import load_settings

CALL = {"type": "tool_call", "id": "t1", "name": "get_incident", "arguments": {"incident_id": 4}}
RESULT = {"type": "tool_result", "id": "t1", "content": "{}", "is_error": False}


def _text(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


def test_client_frames_are_validated_by_type() -> None:
    frame = parse_client_frame({"type": "user_message", "text": "hi", "incident_id": 3})
    assert isinstance(frame, UserMessageFrame) and frame.incident_id == 3
    approval = parse_client_frame({"type": "approval", "approval_id": "ap_1", "approved": False})
    assert isinstance(approval, ApprovalFrame) and approval.approved is False
    for bad in ({"type": "user_message", "text": ""}, {"type": "nope"}, {"text": "x"}):
        with pytest.raises(ValidationError):
            parse_client_frame(bad)


def test_an_interrupted_turn_is_dropped_from_the_replayed_history() -> None:
    history = [
        ChatMessage("user", [_text("a")]),
        ChatMessage("assistant", [_text("looking"), {**CALL, "id": "orphan"}]),
        ChatMessage("user", [_text("b")]),
        ChatMessage("assistant", [CALL]),
        ChatMessage("tool", [RESULT, {**RESULT, "id": "stray"}]),
    ]
    cleaned = valid_history(history)
    assert cleaned[1].content == [_text("looking")]
    assert cleaned[4].content == [RESULT]


def test_anthropic_gets_tool_results_in_a_user_turn_and_alternating_roles() -> None:
    history = [
        ChatMessage("user", [_text("hi")]),
        ChatMessage("assistant", [CALL]),
        ChatMessage("tool", [RESULT]),
        ChatMessage("user", [_text("and?")]),
    ]
    wire = to_anthropic(history)
    assert [m["role"] for m in wire] == ["user", "assistant", "user"]
    assert wire[1]["content"][0] == {
        "type": "tool_use",
        "id": "t1",
        "name": "get_incident",
        "input": {"incident_id": 4},
    }
    assert wire[2]["content"][0]["tool_use_id"] == "t1"
    assert wire[2]["content"][1] == {"type": "text", "text": "and?"}


def test_openai_gets_a_system_message_and_one_tool_message_per_result() -> None:
    wire = to_openai(
        "be brief",
        [
            ChatMessage("user", [_text("hi")]),
            ChatMessage("assistant", [CALL]),
            ChatMessage("tool", [RESULT]),
        ],
    )
    assert wire[0] == {"role": "system", "content": "be brief"}
    assert wire[2]["tool_calls"][0]["function"] == {
        "name": "get_incident",
        "arguments": '{"incident_id": 4}',
    }
    assert wire[3] == {"role": "tool", "tool_call_id": "t1", "content": "{}"}


def test_a_summary_answer_is_split_and_an_unformatted_one_kept_whole() -> None:
    assert split_answer("SUMMARY: a\nb\nPROBABLE CAUSE:\nc") == ("a\nb", "c")
    assert split_answer("just text") == ("just text", "")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLAR_AI_PROVIDER": "auto", "ANTHROPIC_API_KEY": "k"}, "anthropic"),
        ({"SLAR_AI_PROVIDER": "auto", "OPENAI_API_KEY": "k"}, "openai"),
        ({"SLAR_AI_PROVIDER": "openai", "SLAR_AI_BASE_URL": "http://ollama:11434/v1"}, "openai"),
        ({"SLAR_AI_PROVIDER": "anthropic", "OPENAI_API_KEY": "k"}, None),
        ({"SLAR_AI_BASE_URL": "http://localhost:11434/v1"}, "openai"),  # auto, no key
        ({"SLAR_AI_PROVIDER": "auto"}, None),
    ],
)
def test_the_provider_follows_the_settings(env: dict[str, str], expected: str | None) -> None:
    settings = load_settings(env).ai
    cleared = {
        k: None
        for k, name in (
            ("anthropic_api_key", "ANTHROPIC_API_KEY"),
            ("openai_api_key", "OPENAI_API_KEY"),
            ("base_url", "SLAR_AI_BASE_URL"),
        )
        if name not in env
    }
    assert settings.model_copy(update=cleared).active_provider == expected


def test_bad_ai_settings_name_the_variable() -> None:
    from slar.settings import SettingsError

    with pytest.raises(SettingsError, match="SLAR_AI_TEMPERATURE"):
        load_settings({"SLAR_AI_TEMPERATURE": "7"})
    with pytest.raises(SettingsError, match="SLAR_AI_PROVIDER"):
        load_settings({"SLAR_AI_PROVIDER": "gemini"})


def test_a_huge_tool_result_is_shrunk_but_keeps_every_part() -> None:
    import json

    from slar.ai.tools import RESULT_MAX_CHARS, render

    result = {
        "incident": {"id": 1, "title": "Disk full"},
        "alerts": [{"id": i, "description": "é" * 200_000} for i in range(30)] * 3,
        "labels": {f"k{i}": "v" for i in range(5000)},
        "timeline": [{"kind": "triggered", "message": "Triggered by Alice"}],
    }
    text = render(result)
    assert len(text) <= RESULT_MAX_CHARS
    data = json.loads(text)  # still whole JSON
    assert data["timeline"] == result["timeline"]  # not pushed out by the alerts
    assert data["incident"] == result["incident"]
    assert data["alerts"][-1] == "…(40 more items)"
    assert "more characters" in data["alerts"][0]["description"]
    small = {"a": "short", "b": [1, 2, 3]}
    assert json.loads(render(small)) == small


def test_a_long_history_is_replayed_from_a_recent_user_message() -> None:
    from slar.ai.conversations import recent_history

    def exchange(n: int) -> list[ChatMessage]:
        call = {**CALL, "id": f"t{n}"}
        return [
            ChatMessage("user", [_text(f"question {n}")]),
            ChatMessage("assistant", [call]),
            ChatMessage("tool", [{**RESULT, "id": f"t{n}", "content": "r" * 1000}]),
            ChatMessage("assistant", [_text(f"answer {n}")]),
        ]

    history = [m for n in range(100) for m in exchange(n)]
    recent = recent_history(history, max_chars=10_000)
    assert recent[0].role == "user" and recent[-1].content == [_text("answer 99")]
    assert 0 < len(recent) < len(history) and len(recent) % 4 == 0
    assert recent_history(history[:8], max_chars=10_000) == history[:8]


def test_openai_itself_gets_max_completion_tokens_compatible_servers_max_tokens() -> None:
    from slar.ai.providers.openai_provider import is_openai

    assert is_openai(None) and is_openai("https://api.openai.com/v1")
    assert not is_openai("http://localhost:11434/v1")
    assert not is_openai("http://vllm.internal:8000/v1")
