"""Conversations on a real database: ownership, ordered appends under concurrency, token
totals, bounds, and deletion."""

from __future__ import annotations

import threading

import pytest
from tests.integration.runbooks.conftest import World

from slar.domain.assistant import rules, service
from slar.domain.assistant.schemas import MessageIn
from slar.domain.identity.rules import Principal
from slar.kernel.errors import InvalidInput, NotFound, TooLarge


def _text(role: str, text: str) -> MessageIn:
    return MessageIn(role=role, content=[{"type": "text", "text": text}])  # type: ignore[arg-type]


def _new(world: World, who: Principal, **kwargs: object) -> int:
    with world.db.transaction() as session:
        return service.create_conversation(
            session,
            principal=who,
            now=world.clock.now(),
            **kwargs,  # type: ignore[arg-type]
        ).id


def _append(world: World, who: Principal, conversation_id: int, *messages: MessageIn, **kw: int):  # type: ignore[no-untyped-def]
    with world.db.transaction() as session:
        return service.append_messages(
            session,
            conversation_id=conversation_id,
            messages=list(messages),
            principal=who,
            now=world.clock.now(),
            **kw,
        )


def test_appends_keep_order_add_tokens_and_title_the_conversation(world: World) -> None:
    cid = _new(world, world.alice)
    out = _append(
        world,
        world.alice,
        cid,
        _text("user", "Why is checkout slow?"),
        MessageIn(
            role="assistant",
            content=[{"type": "tool_call", "id": "c1", "name": "list_incidents", "arguments": {}}],
        ),
        tokens_in=120,
        tokens_out=30,
    )
    assert (out.title, out.message_count, out.tokens_in, out.tokens_out) == (
        "Why is checkout slow?",
        2,
        120,
        30,
    )
    out = _append(world, world.alice, cid, _text("user", "And now?"), tokens_in=5)
    assert out.title == "Why is checkout slow?"  # the first user text stays the title
    assert (out.message_count, out.tokens_in, out.tokens_out) == (3, 125, 30)
    with world.db.read() as session:
        detail = service.get_conversation(session, conversation_id=cid, principal=world.alice)
    assert [m.role for m in detail.messages] == ["user", "assistant", "user"]
    assert detail.messages[1].content[0]["name"] == "list_incidents"


def test_only_the_owner_sees_or_extends_a_conversation(world: World) -> None:
    cid = _new(world, world.alice, title="private")
    for other in (world.carol, world.admin):
        with world.db.read() as session, pytest.raises(NotFound) as hidden:
            service.get_conversation(session, conversation_id=cid, principal=other)
        assert hidden.value.code == "conversation.not_found"
        with pytest.raises(NotFound):
            _append(world, other, cid, _text("user", "hi"))
        with world.db.read() as session:
            assert service.list_conversations(session, principal=other) == []


def test_concurrent_appends_get_distinct_positions(world: World) -> None:
    cid = _new(world, world.alice)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(3):
                _append(world, world.alice, cid, _text("user", f"{n}-{i}"), tokens_in=1)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with world.db.read() as session:
        detail = service.get_conversation(session, conversation_id=cid, principal=world.alice)
    assert detail.conversation.message_count == 12 == len(detail.messages)
    assert detail.conversation.tokens_in == 12


def test_bounds_refuse_and_store_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = _new(world, world.alice)
    monkeypatch.setattr(rules, "MAX_MESSAGES", 3)
    _append(world, world.alice, cid, _text("user", "1"), _text("assistant", "2"))
    with pytest.raises(TooLarge) as full:
        _append(world, world.alice, cid, _text("user", "3"), _text("assistant", "4"))
    assert full.value.code == "conversation.too_many_messages"
    with pytest.raises(InvalidInput):
        _append(world, world.alice, cid, _text("user", "nul \x00"))
    with world.db.read() as session:
        detail = service.get_conversation(session, conversation_id=cid, principal=world.alice)
    assert detail.conversation.message_count == 2 == len(detail.messages)


def test_incident_must_exist_and_delete_removes_everything(world: World) -> None:
    with world.db.transaction() as session, pytest.raises(InvalidInput) as unknown:
        service.create_conversation(
            session, incident_id=424242, principal=world.alice, now=world.clock.now()
        )
    assert unknown.value.code == "conversation.unknown_incident"
    cid = _new(world, world.alice)
    _append(world, world.alice, cid, _text("user", "bye"))
    with world.db.transaction() as session, pytest.raises(NotFound):
        service.delete_conversation(session, conversation_id=cid, principal=world.admin)
    with world.db.transaction() as session:
        service.delete_conversation(session, conversation_id=cid, principal=world.alice)
    with world.db.read() as session:
        assert service.list_conversations(session, principal=world.alice) == []
