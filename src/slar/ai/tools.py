"""The assistant's tools: what each one is for (the spec the model sees) and how it runs.

Every tool runs through ``slar.client`` with the caller's own token (and the
``X-Slar-Via: assistant`` header), so the assistant can never do more than the user: a refusal
by the API comes back to the model as an error result. Write tools are flagged
``needs_approval``: the turn loop runs them only after the user approved the exact call.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slar.ai.providers.base import ToolSpec
from slar.client import AsyncSlarClient, calls

RESULT_MAX_CHARS = 16_000


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListIncidentsArgs(_Args):
    status: list[Literal["triggered", "acknowledged", "resolved"]] | None = Field(
        None, description="Only these statuses (default: all)"
    )
    service_id: int | None = None
    q: str | None = Field(None, description="Words to search in titles")
    limit: int = Field(10, ge=1, le=50)


class IncidentArgs(_Args):
    incident_id: int = Field(description="The incident's id")


class OnCallArgs(_Args):
    at: datetime | None = Field(None, description="ISO 8601 instant; default: now")
    schedule_id: int | None = Field(None, description="One schedule; default: every schedule")


class ServiceArgs(_Args):
    service_id: int


class PolicyArgs(_Args):
    policy_id: int


class FindUsersArgs(_Args):
    q: str = Field(min_length=1, description="Part of a name or e-mail address")


class SimilarArgs(_Args):
    incident_id: int
    limit: int = Field(5, ge=1, le=20)


class RunbookArgs(_Args):
    query: str = Field(min_length=1, description="What to look for")
    service_id: int | None = None


class ResolveArgs(_Args):
    incident_id: int
    note: str | None = Field(None, max_length=5000, description="Optional closing note")


class NoteArgs(_Args):
    incident_id: int
    text: str = Field(min_length=1, max_length=5000)


class PageArgs(_Args):
    incident_id: int
    user_id: int = Field(description="The user to assign the incident to and page")


Runner = Callable[[AsyncSlarClient, Any], Awaitable[Any]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[_Args]
    run: Runner
    needs_approval: bool = False
    summary: Callable[[Any], str] = lambda _args: ""

    def spec(self) -> ToolSpec:
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        return ToolSpec(self.name, self.description, schema)


class ToolArgumentsInvalid(Exception):
    """The model's arguments do not fit the tool; the message names the fields."""


def parse_arguments(tool: Tool, arguments: dict[str, Any]) -> Any:
    try:
        return tool.args.model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        raise ToolArgumentsInvalid(f"invalid arguments for {tool.name}: {problems}") from exc


def render(value: Any, max_chars: int = RESULT_MAX_CHARS) -> str:
    """A tool's result as JSON text for the model, at most about ``max_chars`` long.

    Whatever the API returns (an alert with a megabyte description, thousands of labels) must
    not flood the model's context or the stored conversation, nor push the rest of the result
    out: long strings are clipped first, more and more, and long lists and objects keep their
    first items, each marked with what was left out, so the JSON stays whole and every part of
    the result keeps its place. Only if that is not enough is the text cut."""
    data = _jsonable(value)
    text = ""
    for string_max in STRING_STEPS:
        text = json.dumps(_shrink(data, string_max), ensure_ascii=False, default=str)
        text = text.replace("\\u0000", "")  # NUL: no JSON column can keep it
        if len(text) <= max_chars:
            return text
    return text[:max_chars] + " …(truncated)"


STRING_STEPS = (4000, 1000, 300, 100, 40)
ITEMS_MAX = 50


def _shrink(value: Any, string_max: int) -> Any:
    if isinstance(value, str):
        if len(value) <= string_max:
            return value
        return value[:string_max] + f"…({len(value) - string_max} more characters)"
    if isinstance(value, list):
        items = [_shrink(v, string_max) for v in value[:ITEMS_MAX]]
        if len(value) > ITEMS_MAX:
            items.append(f"…({len(value) - ITEMS_MAX} more items)")
        return items
    if isinstance(value, dict):
        pairs = list(value.items())
        out = {str(k)[:string_max]: _shrink(v, string_max) for k, v in pairs[:ITEMS_MAX]}
        if len(pairs) > ITEMS_MAX:
            out["…"] = f"{len(pairs) - ITEMS_MAX} more entries"
        return out
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# --- read tools -------------------------------------------------------------------------------


async def _list_incidents(client: AsyncSlarClient, a: ListIncidentsArgs) -> Any:
    page = await client.call(
        calls.list_incidents(status=_statuses(a), service_id=a.service_id, q=a.q, limit=a.limit)
    )
    return {"total": page.total, "items": [_incident_brief(i) for i in page.items]}


def _statuses(a: ListIncidentsArgs) -> list[str] | None:
    return [str(s) for s in a.status] if a.status else None


async def _incident_detail(client: AsyncSlarClient, a: IncidentArgs) -> Any:
    incident = await client.call(calls.get_incident(a.incident_id))
    alerts = await client.call(calls.incident_alerts(a.incident_id))
    events = await client.call(calls.timeline(a.incident_id))
    return {"incident": incident, "alerts": alerts[:20], "timeline": events[-30:]}


async def _who_is_on_call(client: AsyncSlarClient, a: OnCallArgs) -> Any:
    if a.schedule_id is not None:
        return await client.call(calls.oncall(a.schedule_id, a.at))
    return await client.call(calls.oncall_everywhere(a.at))


async def _service(client: AsyncSlarClient, a: ServiceArgs) -> Any:
    service = await client.call(calls.get_service(a.service_id))
    policy = None
    if service.escalation_policy_id is not None:
        policy = await client.call(calls.get_escalation_policy(service.escalation_policy_id))
    return {"service": service, "escalation_policy": policy}


async def _policy(client: AsyncSlarClient, a: PolicyArgs) -> Any:
    return await client.call(calls.get_escalation_policy(a.policy_id))


async def _find_users(client: AsyncSlarClient, a: FindUsersArgs) -> Any:
    users = await client.call(calls.list_users(a.q))
    return [{"id": u.id, "name": u.name, "email": u.email, "role": u.role} for u in users[:20]]


async def _similar(client: AsyncSlarClient, a: SimilarArgs) -> Any:
    found = await client.call(calls.similar_incidents(a.incident_id, limit=a.limit))
    return [_incident_brief(i) for i in found]


async def _runbooks(client: AsyncSlarClient, a: RunbookArgs) -> Any:
    return await client.call(calls.search_runbooks(a.query, service_id=a.service_id, limit=5))


def _incident_brief(i: Any) -> dict[str, Any]:
    return {
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "status": i.status,
        "urgency": i.urgency,
        "service_id": i.service_id,
        "service_name": i.service_name,
        "assignee_id": i.assignee_id,
        "created_at": i.created_at.isoformat(),
        "labels": i.labels,
    }


# --- write tools (approval first) -------------------------------------------------------------


async def _acknowledge(client: AsyncSlarClient, a: IncidentArgs) -> Any:
    return _incident_brief(await client.call(calls.incident_action(a.incident_id, "acknowledge")))


async def _resolve(client: AsyncSlarClient, a: ResolveArgs) -> Any:
    body = {"note": a.note} if a.note else None
    return _incident_brief(await client.call(calls.incident_action(a.incident_id, "resolve", body)))


async def _add_note(client: AsyncSlarClient, a: NoteArgs) -> Any:
    return await client.call(calls.add_note(a.incident_id, a.text))


async def _escalate(client: AsyncSlarClient, a: IncidentArgs) -> Any:
    return _incident_brief(await client.call(calls.escalate(a.incident_id)))


async def _page(client: AsyncSlarClient, a: PageArgs) -> Any:
    """Assigning pages the new assignee; assigning to the person already assigned changes
    nothing and pages nobody, which the model is told rather than left to believe."""
    before = await client.call(calls.get_incident(a.incident_id))
    if before.assignee_id == a.user_id:
        return {
            "paged": False,
            "reason": "the incident is already assigned to this user; nobody was paged again",
            "incident": _incident_brief(before),
        }
    body = {"assignee_id": a.user_id}
    after = await client.call(calls.incident_action(a.incident_id, "reassign", body))
    return {"paged": True, "incident": _incident_brief(after)}


READ_TOOLS: list[Tool] = [
    Tool(
        "list_incidents",
        "List or search incidents, newest first (filter by status, service, title words).",
        ListIncidentsArgs,
        _list_incidents,
    ),
    Tool(
        "get_incident",
        "One incident with its alerts and timeline.",
        IncidentArgs,
        _incident_detail,
    ),
    Tool(
        "who_is_on_call",
        "Who is on call now, or at a given instant; in one schedule or in all of them.",
        OnCallArgs,
        _who_is_on_call,
    ),
    Tool(
        "get_service",
        "A service and its escalation policy (levels and targets).",
        ServiceArgs,
        _service,
    ),
    Tool("get_escalation_policy", "An escalation policy.", PolicyArgs, _policy),
    Tool(
        "similar_incidents",
        "Recent incidents like this one (same service, similar title or labels).",
        SimilarArgs,
        _similar,
    ),
    Tool(
        "search_runbooks",
        "Search runbooks (full text), optionally those of one service; returns passages.",
        RunbookArgs,
        _runbooks,
    ),
    Tool(
        "find_users", "Find users by name or e-mail (to get a user id).", FindUsersArgs, _find_users
    ),
]

WRITE_TOOLS: list[Tool] = [
    Tool(
        "acknowledge_incident",
        "Acknowledge an incident (stops paging). Needs the user's approval.",
        IncidentArgs,
        _acknowledge,
        needs_approval=True,
        summary=lambda a: f"Acknowledge incident {a.incident_id}",
    ),
    Tool(
        "resolve_incident",
        "Resolve an incident, with an optional closing note. Needs the user's approval.",
        ResolveArgs,
        _resolve,
        needs_approval=True,
        summary=lambda a: (
            f"Resolve incident {a.incident_id}" + (f' with the note "{a.note}"' if a.note else "")
        ),
    ),
    Tool(
        "add_note",
        "Add a note to an incident's timeline. Needs the user's approval.",
        NoteArgs,
        _add_note,
        needs_approval=True,
        summary=lambda a: f'Add the note "{a.text}" to incident {a.incident_id}',
    ),
    Tool(
        "escalate_incident",
        "Page the incident's next escalation level now. Needs the user's approval.",
        IncidentArgs,
        _escalate,
        needs_approval=True,
        summary=lambda a: f"Escalate incident {a.incident_id} to its next level",
    ),
    Tool(
        "page_user",
        "Assign an incident to a user, which pages them. Needs the user's approval.",
        PageArgs,
        _page,
        needs_approval=True,
        summary=lambda a: f"Assign incident {a.incident_id} to user {a.user_id} and page them",
    ),
]


def all_tools() -> dict[str, Tool]:
    return {t.name: t for t in [*READ_TOOLS, *WRITE_TOOLS]}
