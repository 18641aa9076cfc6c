"""What the model is told: the assistant's role and the user it acts for."""

from __future__ import annotations

from datetime import datetime

from slar.domain.identity.schemas import MeOut

SYSTEM = """\
You are the SLAR assistant, helping on-call responders handle incidents. SLAR deduplicates \
alerts into incidents, routes them to services, pages people through escalation policies and \
keeps a timeline for each incident.

You act for {name} <{email}> (role: {role}) and can do nothing they could not do themselves.
Now is {now} (UTC).
{incident}
Use the tools to look things up instead of guessing; cite incident ids and numbers. Tools that \
change something (acknowledge, resolve, add a note, escalate, page a user) only run after the \
user approves that exact call; if they refuse, accept it. Be brief and concrete."""

INCIDENT = "This conversation is about incident id {incident_id}: look it up with get_incident.\n"


def system_prompt(me: MeOut, *, now: datetime, incident_id: int | None) -> str:
    return SYSTEM.format(
        name=me.name or me.email,
        email=me.email,
        role=me.role,
        now=now.isoformat(timespec="seconds"),
        incident=INCIDENT.format(incident_id=incident_id) if incident_id is not None else "",
    )
