"""Incident summary: a draft summary and probable cause from the incident's alerts, timeline,
similar past incidents and matching runbooks, with the sources it was given.

The draft is only a draft: it is returned to the user, who may save it (edited or not) as a
note on the incident's timeline through ``save_as_note``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from slar.ai.agent import Turn
from slar.ai.protocol import ServerFrame, UsageOut
from slar.ai.providers.base import ChatMessage, Request
from slar.ai.service import Assistant
from slar.ai.tools import render
from slar.client import AsyncSlarClient, calls
from slar.domain.incidents.schemas import IncidentEventOut

SYSTEM = """\
You are SLAR's incident analyst. From the material given (alerts, timeline, similar past \
incidents, runbooks) write for the responders: what is happening, its impact and state, and \
the most probable cause with the evidence for it. Say when the material is not enough. \
Answer in exactly this form:
SUMMARY:
<a few sentences>
PROBABLE CAUSE:
<a few sentences>"""

MATERIAL_MAX_CHARS = 48_000
"""What the model is given to summarise (about 12k tokens), however big the alerts are."""

_SECTIONS = re.compile(r"SUMMARY:\s*(?P<summary>.*?)\s*PROBABLE CAUSE:\s*(?P<cause>.*)", re.S)


class Source(BaseModel):
    kind: Literal["incident", "alert", "timeline", "similar_incident", "runbook"]
    id: int
    title: str


class SummaryOut(BaseModel):
    incident_id: int
    summary: str
    probable_cause: str
    sources: list[Source]
    model: str
    usage: UsageOut


class SummaryNoteIn(BaseModel):
    summary: str = Field(min_length=1, max_length=6000)
    probable_cause: str = Field("", max_length=3000)


async def draft_summary(
    assistant: Assistant, client: AsyncSlarClient, incident_id: int
) -> SummaryOut:
    provider = assistant.require_provider()
    incident = await client.call(calls.get_incident(incident_id))
    alerts = (await client.call(calls.incident_alerts(incident_id)))[:20]
    events = (await client.call(calls.timeline(incident_id)))[-40:]
    similar = await client.call(calls.similar_incidents(incident_id, limit=5))
    runbooks = await client.call(
        calls.search_runbooks(incident.title, service_id=incident.service_id, limit=3)
    )
    if not runbooks:  # none linked to the service: a general runbook is better than none
        runbooks = await client.call(calls.search_runbooks(incident.title, limit=3))
    sources = [Source(kind="incident", id=incident.id, title=incident.title)]
    sources += [Source(kind="alert", id=a.id, title=a.summary) for a in alerts]
    sources += [Source(kind="timeline", id=e.id, title=e.message) for e in events]
    sources += [Source(kind="similar_incident", id=i.id, title=i.title) for i in similar]
    sources += [Source(kind="runbook", id=r.runbook_id, title=r.title) for r in runbooks]
    material: dict[str, Any] = {
        "incident": incident,
        "alerts": alerts,
        "timeline": events,
        "similar_incidents": similar,
        "runbooks": runbooks,
    }

    async def ignore(_frame: ServerFrame) -> None:
        return None

    turn = Turn(provider, client, SYSTEM, assistant.limits, ignore, None, tools={})
    prompt = ChatMessage("user", [{"type": "text", "text": render(material, MATERIAL_MAX_CHARS)}])
    text, _calls = await turn.call_model(Request(SYSTEM, [prompt]))
    summary, cause = split_answer(text)
    return SummaryOut(
        incident_id=incident.id,
        summary=summary,
        probable_cause=cause,
        sources=sources,
        model=provider.model,
        usage=UsageOut(
            input_tokens=turn.usage.input_tokens,
            output_tokens=turn.usage.output_tokens,
            conversation_tokens=turn.conversation_tokens,
        ),
    )


def split_answer(text: str) -> tuple[str, str]:
    """The two sections of the model's answer; all of it is the summary when it ignored the
    form."""
    match = _SECTIONS.search(text)
    if match is None:
        return text.strip(), ""
    return match["summary"].strip(), match["cause"].strip()


async def save_as_note(
    client: AsyncSlarClient, incident_id: int, body: SummaryNoteIn
) -> IncidentEventOut:
    text = f"Summary (drafted by the AI assistant):\n{body.summary.strip()}"
    if body.probable_cause.strip():
        text += f"\n\nProbable cause:\n{body.probable_cause.strip()}"
    return await client.call(calls.add_note(incident_id, text))
