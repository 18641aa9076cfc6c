"""The typed client's runbook, conversation and similar-incident calls against the live API,
as the AI service uses them (the user's token, ``X-Slar-Via: assistant``)."""

from __future__ import annotations

import httpx
import pytest
from tests.support.harness import ApiHarness

from slar.client import ApiError, SlarClient, calls


def test_runbook_calls(api: ApiHarness) -> None:
    team = api.make_team("Payments")
    alice = api.make_user("alice@example.com", teams={team: "member"})
    with SlarClient(api.url, alice.token) as slar:
        service = slar.call(calls.create_service(team, "checkout"))
        made = slar.call(
            calls.create_runbook("Checkout latency", "Check the pool.", service_ids=[service.id])
        )
        assert made.service_ids == [service.id] and made.team_id is None
        assert slar.call(calls.get_runbook(made.id)).body == "Check the pool."
        changed = slar.call(calls.update_runbook(made.id, body="Drain the pool.", team_id=team))
        assert changed.team_id == team
        hits = slar.call(calls.search_runbooks("drain", service_id=service.id, limit=3))
        assert [h.runbook_id for h in hits] == [made.id] and "**Drain**" in hits[0].passage
        assert [r.id for r in slar.call(calls.list_runbooks(q="pool"))] == [made.id]
        imported = slar.call(
            calls.import_runbooks(
                [{"filename": "dns.md", "content": "# DNS\nflush"}], service_ids=[service.id]
            )
        )
        assert (imported.created, imported.updated) == (1, 0)
        assert len(slar.call(calls.list_runbooks(service_id=service.id))) == 2
        slar.call(calls.delete_runbook(made.id))
        with pytest.raises(ApiError) as gone:
            slar.call(calls.get_runbook(made.id))
        assert gone.value.code == "runbook.not_found"


def test_conversation_calls_and_via_assistant(api: ApiHarness) -> None:
    team = api.make_team("Payments")
    alice = api.make_user("alice@example.com", teams={team: "member"})
    via = httpx.Client(base_url=api.url, headers={"X-Slar-Via": "assistant"}, timeout=30)
    with SlarClient(api.url, alice.token) as slar, SlarClient(api.url, alice.token, http=via) as ai:
        service = slar.call(calls.create_service(team, "checkout"))
        incident = slar.call(calls.create_incident(service.id, "Checkout down"))
        conversation = ai.call(calls.create_conversation(incident_id=incident.id))
        assert conversation.title == "" and conversation.incident_id == incident.id
        turn = [
            {"role": "user", "content": [{"type": "text", "text": "Acknowledge it"}]},
            {
                "role": "assistant",
                "content": [{"type": "tool_call", "id": "t1", "name": "ack", "arguments": {}}],
            },
            {
                "role": "tool",
                "content": [
                    {"type": "tool_result", "id": "t1", "content": "ok", "is_error": False}
                ],
            },
        ]
        after = ai.call(calls.append_messages(conversation.id, turn, tokens_in=90, tokens_out=12))
        assert (after.title, after.message_count, after.tokens_in) == ("Acknowledge it", 3, 90)
        detail = ai.call(calls.get_conversation(conversation.id))
        assert [m.role for m in detail.messages] == ["user", "assistant", "tool"]
        assert [c.id for c in ai.call(calls.list_conversations())] == [conversation.id]

        ai.call(calls.incident_action(incident.id, "acknowledge"))
        ack = [e for e in slar.call(calls.timeline(incident.id)) if e.kind == "acknowledged"]
        assert ack[0].actor == "Alice (via assistant)" and ack[0].data["via"] == "assistant"

        other = slar.call(calls.create_incident(service.id, "Checkout down again"))
        similar = slar.call(calls.similar_incidents(other.id, limit=5))
        assert [i.id for i in similar] == [incident.id]

        ai.call(calls.delete_conversation(conversation.id))
        assert ai.call(calls.list_conversations()) == []
