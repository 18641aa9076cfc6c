"""Alert ingestion: from a parsed batch to stored alerts and deduplicated incidents.

The hot path of the product: every webhook lands here, inside the edge's single transaction
(the edge answers 2xx only after it commits). Semantics, per event after routing to a service:

- **Single-event formats** (PagerDuty Events v2, Datadog, generic): a *trigger* counts one more
  alert on the open incident for ``(service, dedup key)`` (``alert_count`` + 1 and an
  ``alert_repeated`` timeline entry) or opens one; its alert row (per integration and
  fingerprint) records one more occurrence. *Acknowledge* acknowledges the open incident if it
  is triggered; *resolve* resolves the alert and its incident. Unknown or resolved keys: nothing.
- **Grouped formats** (Alertmanager, Grafana: ``resolve_with_last_alert``): the group is re-sent
  with its current alerts every ``group_interval``, so a batch is applied idempotently. An alert
  already open in the group's incident only moves ``last_seen_at``; a new alert (new
  fingerprint, or one firing again after it resolved) counts and gets an ``alert_added`` timeline
  entry; a resolved alert resolves its row; an incident left with no open alert resolves. A
  resolve-only batch for an unknown group creates nothing.
- **Maintenance**: a trigger for a service in a maintenance window is stored as a suppressed
  alert and opens or counts on no incident.

Deduplication is enforced by the database (see ``repository``): concurrent copies of one event
never open two incidents and never fail.

Cost (the hot path; ``tests/integration/alerts`` holds the budget). On PostgreSQL a PagerDuty
trigger, new or repeated, is two statements and the edge's one commit: one reads the
integration by its key with everything routing needs, fresh (``catalog.ingest_target``: rules,
and per service urgency, escalation policy and maintenance state); one writes the incident,
the alert and the timeline entry (``repository.record_trigger``). A new incident whose service
has a policy adds the first escalation job (one more); the integration's ``last_seen_at`` is
written at most every 30 s. Nothing is cached between requests (docs/adr/0006).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.alerts import repository
from slar.domain.alerts.models import Alert
from slar.domain.alerts.rules import (
    Placement,
    alert_fields,
    highest_severity,
    incident_title,
    latest_per_fingerprint,
    links_json,
    maintenance_reason,
    placement,
    split_actions,
)
from slar.domain.catalog import repository as catalog
from slar.domain.catalog.repository import IngestTarget, ServiceState
from slar.domain.catalog.rules import route
from slar.domain.escalation import engine
from slar.domain.incidents import lifecycle, timeline
from slar.domain.incidents.models import Incident
from slar.domain.incidents.rules import RESOLVED, TRIGGERED, Actor, urgency_for
from slar.integrations import KINDS, PayloadInvalid, parse
from slar.integrations.events import AlertEvent, EventAction, ParsedBatch
from slar.kernel.errors import InvalidInput, NotFound, Unavailable

_RACE_ATTEMPTS = 3
"""Bump/insert rounds before giving up; a second round only runs when a racer won the first."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one request changed.

    ``alerts`` counts the alert rows written (created, repeated, re-sent or resolved),
    ``suppressed`` those stored under a maintenance window. ``incidents`` lists every incident
    the batch touched, in order; ``opened`` and ``resolved`` the ones it opened and resolved.
    ``dedup_keys`` are the events' keys in order (PagerDuty returns the first).
    """

    dedup_keys: tuple[str, ...]
    alerts: int
    suppressed: int
    incidents: tuple[int, ...]
    opened: tuple[int, ...]
    resolved: tuple[int, ...]


@dataclass
class _Tally:
    alerts: int = 0
    suppressed: int = 0
    incidents: dict[int, None] = field(default_factory=dict)  # ordered set
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)

    def touched(self, incident_id: int) -> None:
        self.incidents.setdefault(incident_id, None)


@dataclass(frozen=True, slots=True)
class _Context:
    session: Session
    integration: IngestTarget
    actor: Actor
    in_maintenance: frozenset[int]
    now: datetime
    tally: _Tally


def endpoint_for(kind: str) -> str:
    """The URL path an integration of ``kind`` posts to."""
    return "/v2/enqueue" if kind == "pagerduty" else f"/integrations/{{key}}/{kind}"


def receive(session: Session, *, key: str, kind: str, body: object, now: datetime) -> IngestResult:
    """Authenticate a delivery by its integration key, parse it as ``kind`` and ingest it.

    Raises ``NotFound`` (``integration.not_found``) for an unknown key, ``InvalidInput`` for a
    delivery to the wrong endpoint (``ingest.wrong_endpoint``) or a payload the parser refuses
    (``ingest.invalid_payload``, with every field error in ``details["errors"]``).
    """
    if kind not in KINDS:
        raise NotFound(f"unknown alert format {kind!r}", code="ingest.unknown_format")
    integration = catalog.ingest_target(session, key, now)
    if integration is None:
        raise NotFound("no integration has this key", code="integration.not_found")
    if integration.kind != kind:
        raise InvalidInput(
            f"integration {integration.name!r} receives {integration.kind} alerts; "
            f"send them to {endpoint_for(integration.kind)}",
            code="ingest.wrong_endpoint",
            expected=endpoint_for(integration.kind),
        )
    try:
        batch = parse(kind, body)
    except PayloadInvalid as error:
        raise InvalidInput(
            f"invalid {kind} payload: {error}", code="ingest.invalid_payload", errors=error.errors
        ) from None
    return ingest(session, integration=integration, batch=batch, now=now)


def ingest(
    session: Session, *, integration: IngestTarget, batch: ParsedBatch, now: datetime
) -> IngestResult:
    """Store ``batch`` as alerts of ``integration`` and open, count, acknowledge or resolve
    incidents accordingly (see the module docstring). Never commits."""
    routed = [
        (route(integration.rules, event, integration.service_id), event) for event in batch.events
    ]
    ctx = _Context(
        session=session,
        integration=integration,
        actor=Actor.system(f"integration:{integration.name}"),
        in_maintenance=integration.in_maintenance,
        now=now,
        tally=_Tally(),
    )
    if batch.resolve_with_last_alert:
        groups: dict[tuple[int, str], list[AlertEvent]] = defaultdict(list)
        for service_id, event in routed:
            groups[(service_id, event.dedup_key)].append(event)
        for (service_id, dedup_key), events in groups.items():
            _ingest_group(ctx, service_id, dedup_key, events, batch.incident_title)
    else:
        for service_id, event in routed:
            if event.action is EventAction.TRIGGER:
                _trigger(ctx, service_id, event, batch.incident_title)
            elif event.action is EventAction.ACKNOWLEDGE:
                _acknowledge(ctx, service_id, event)
            else:
                _resolve(ctx, service_id, event)
    # Last, so the integration row is locked (if written at all) after every incident row.
    catalog.touch_integration_seen(session, integration, now)
    tally = ctx.tally
    return IngestResult(
        dedup_keys=tuple(event.dedup_key for event in batch.events),
        alerts=tally.alerts,
        suppressed=tally.suppressed,
        incidents=tuple(tally.incidents),
        opened=tuple(tally.opened),
        resolved=tuple(tally.resolved),
    )


def _opened_entry(
    ctx: _Context, service: ServiceState, *, title: str, alert_count: int, dedup_key: str | None
) -> repository.Entry:
    """The ``triggered`` timeline entry of an incident an alert opens: what
    ``lifecycle.apply_opened`` records (it says so when nobody will be paged)."""
    snapshot = service.policy
    message = f"Triggered by {ctx.actor.label}: {title}"
    if not engine.escalates(snapshot):
        message += " (no escalation policy: nobody is paged)"
    data = {
        "alert_count": alert_count,
        "dedup_key": dedup_key,
        "escalation_policy": snapshot.name if snapshot else None,
    }
    return repository.Entry(kind="triggered", message=message, data=data)


def _incident_opened(ctx: _Context, service: ServiceState, incident: Incident) -> None:
    """Everything that follows an incident being opened by an alert; the one place to hook
    follow-up work onto ingestion. An alert firing again after its incident resolved opens a
    new incident, so re-fires come through here too.

    ``lifecycle.apply_opened`` for an incident inserted with ``engine.opening_state`` (see
    ``_incident_values``): the escalation engine's start (the policy snapshot and generation
    are in the row already; the first ``escalation.step`` job) and the ``triggered`` entry,
    with the same rows and messages, without loading anything back. (Single events do the
    same inside ``repository.record_trigger``.)"""
    entry = _opened_entry(
        ctx,
        service,
        title=incident.title,
        alert_count=incident.alert_count,
        dedup_key=incident.dedup_key,
    )
    engine.started(ctx.session, incident_id=incident.id, snapshot=service.policy, now=ctx.now)
    timeline.append(
        ctx.session,
        incident_id=incident.id,
        kind=entry.kind,
        actor=ctx.actor,
        now=ctx.now,
        message=entry.message,
        data=entry.data,
    )


# --- single-event formats --------------------------------------------------------------------


def _trigger(ctx: _Context, service_id: int, event: AlertEvent, batch_title: str) -> None:
    fields = alert_fields(event)
    if service_id in ctx.in_maintenance:
        _store_suppressed(ctx, service_id, event, fields)
        return
    service = _service(ctx, service_id)
    values = _incident_values(ctx, service, event, batch_title, [event], alert_count=1)
    upserted = repository.record_trigger(
        ctx.session,
        incident=values,
        alert=_alert_values(ctx, service_id, event, fields, incident_id=None),
        actor=ctx.actor,
        now=ctx.now,
        opened=_opened_entry(
            ctx, service, title=values["title"], alert_count=1, dedup_key=event.dedup_key
        ),
        repeated=repository.Entry(
            kind="alert_repeated",
            message=f"Alert repeated: {event.summary or event.dedup_key}",
            data={"severity": event.severity.value},
        ),
    )
    if upserted is None:
        raise _lost_race(event.dedup_key)
    incident_id, opened = upserted
    ctx.tally.alerts += 1
    ctx.tally.touched(incident_id)
    if opened:
        ctx.tally.opened.append(incident_id)
        engine.started(ctx.session, incident_id=incident_id, snapshot=service.policy, now=ctx.now)


def _store_suppressed(
    ctx: _Context, service_id: int, event: AlertEvent, fields: dict[str, Any]
) -> None:
    """A trigger under maintenance: keep the alert, page nobody.

    An alert already open (perhaps in an incident opened before the window) only records the
    occurrence; a new one is stored with ``suppressed=True`` and no incident.
    """
    values = _alert_values(ctx, service_id, event, fields, incident_id=None)
    values.update(suppressed=True, suppressed_reason=maintenance_reason(service_id))
    repository.upsert_open_alert(ctx.session, values, attach=False)
    ctx.tally.alerts += 1
    ctx.tally.suppressed += 1


def _event_incident(
    ctx: _Context, service_id: int, event: AlertEvent
) -> tuple[Alert | None, Incident | None]:
    """The open alert an acknowledge/resolve names, and its incident (locked).

    The alert's own incident first (routing may depend on labels that an acknowledge does not
    carry); else the open incident with the key on the routed service, which another
    integration of that service may have opened.
    """
    alert = repository.open_alert(
        ctx.session, integration_id=ctx.integration.id, fingerprint=event.fingerprint
    )
    incident: Incident | None = None
    if alert is not None and alert.incident_id is not None:
        incident = repository.incident_for_update(ctx.session, alert.incident_id)
    if incident is None or incident.status == RESOLVED:
        incident = repository.lock_open_incident(
            ctx.session, service_id=service_id, dedup_key=event.dedup_key
        )
    return alert, incident


def _acknowledge(ctx: _Context, service_id: int, event: AlertEvent) -> None:
    alert, incident = _event_incident(ctx, service_id, event)
    if alert is not None:
        alert.status = "acknowledged"
        alert.last_seen_at = ctx.now
        ctx.tally.alerts += 1
    if incident is None:
        return
    ctx.tally.touched(incident.id)
    if incident.status == TRIGGERED:
        lifecycle.apply_acknowledge(ctx.session, incident, actor=ctx.actor, now=ctx.now)


def _resolve(ctx: _Context, service_id: int, event: AlertEvent) -> None:
    alert, incident = _event_incident(ctx, service_id, event)
    if alert is not None:
        _resolve_row(alert, event, ctx.now)
        ctx.tally.alerts += 1
    if incident is None:
        return
    ctx.tally.touched(incident.id)
    if incident.status != RESOLVED:
        lifecycle.apply_resolve(ctx.session, incident, actor=ctx.actor, now=ctx.now)
        repository.resolve_open_alerts_of(ctx.session, incident_id=incident.id, now=ctx.now)
        ctx.tally.resolved.append(incident.id)


def _resolve_row(alert: Alert, event: AlertEvent, now: datetime) -> None:
    alert.status = RESOLVED
    alert.resolved_at = now
    alert.last_seen_at = now
    alert.payload = event.raw


# --- grouped formats -------------------------------------------------------------------------


def _ingest_group(
    ctx: _Context, service_id: int, dedup_key: str, events: list[AlertEvent], batch_title: str
) -> None:
    """Apply one notification of one group (Alertmanager/Grafana) to its incident."""
    session = ctx.session
    firing, resolved = split_actions(latest_per_fingerprint(events))
    suppressing = service_id in ctx.in_maintenance
    incident = repository.lock_open_incident(session, service_id=service_id, dedup_key=dedup_key)
    opened = False
    if incident is None and firing and not suppressing:
        incident, opened = _open_group_incident(ctx, service_id, dedup_key, firing, batch_title)

    existing = repository.open_alerts_with_incident_state(
        session,
        integration_id=ctx.integration.id,
        fingerprints={event.fingerprint for event in firing + resolved},
    )
    added: list[AlertEvent] = []
    for event in firing:
        fields = alert_fields(event)
        row = existing.get(event.fingerprint)
        if incident is None or suppressing:  # maintenance: keep the alert, page nobody
            if row is not None:
                _refresh_row(row, fields, ctx.now)
                ctx.tally.alerts += 1
            else:
                _store_suppressed(ctx, service_id, event, fields)
            continue
        if row is None:
            values = _alert_values(ctx, service_id, event, fields, incident_id=incident.id)
            if repository.insert_alert_if_absent(session, values) is not None:
                added.append(event)
                ctx.tally.alerts += 1
            continue
        row_alert, row_incident_open = row
        where = placement(
            row_incident_id=row_alert.incident_id,
            row_incident_open=row_incident_open,
            target_incident_id=incident.id,
        )
        _refresh_row(row, fields, ctx.now)
        ctx.tally.alerts += 1
        if where is Placement.NEW:
            row_alert.incident_id = incident.id
            row_alert.service_id = service_id
            row_alert.suppressed = False
            row_alert.suppressed_reason = ""
            row_alert.occurrences += 1
            added.append(event)

    emptied: set[int] = set()
    for event in resolved:
        row = existing.get(event.fingerprint)
        if row is None:
            continue  # never seen, or resolved already: nothing to do
        _resolve_row(row[0], event, ctx.now)
        ctx.tally.alerts += 1
        if row[0].incident_id is not None:
            emptied.add(row[0].incident_id)

    if incident is not None:
        if opened and not added:
            # Every alert already sits in another open incident: this one would be empty.
            session.delete(incident)
            incident = None
        else:
            _count_added(ctx, incident, added, opened=opened)
    _resolve_emptied(ctx, emptied, incident)


def _open_group_incident(
    ctx: _Context, service_id: int, dedup_key: str, firing: list[AlertEvent], batch_title: str
) -> tuple[Incident, bool]:
    service = _service(ctx, service_id)
    for _ in range(_RACE_ATTEMPTS):
        values = _incident_values(
            ctx, service, firing[0], batch_title, firing, alert_count=len(firing)
        )
        values["dedup_key"] = dedup_key
        created = repository.insert_incident_if_absent(ctx.session, values)
        if created is not None:
            return created, True
        # Another delivery of the group opened it first; wait for it and continue on top.
        found = repository.lock_open_incident(
            ctx.session, service_id=service_id, dedup_key=dedup_key
        )
        if found is not None:
            return found, False
    raise _lost_race(dedup_key)


def _refresh_row(row: tuple[Alert, bool], fields: dict[str, Any], now: datetime) -> None:
    alert = row[0]
    for name, value in fields.items():
        if getattr(alert, name) != value:
            setattr(alert, name, value)
    alert.last_seen_at = now


def _count_added(
    ctx: _Context, incident: Incident, added: list[AlertEvent], *, opened: bool
) -> None:
    ctx.tally.touched(incident.id)
    if opened:
        if incident.alert_count != len(added):
            incident.alert_count = len(added)
        ctx.tally.opened.append(incident.id)
        _incident_opened(ctx, _service(ctx, incident.service_id), incident)
        return
    if not added:
        return
    incident.alert_count += len(added)
    incident.severity = highest_severity([incident.severity, *(e.severity.value for e in added)])
    incident.updated_at = ctx.now
    for event in added:
        timeline.record(
            ctx.session,
            incident_id=incident.id,
            kind="alert_added",
            actor=ctx.actor,
            now=ctx.now,
            message=f"New alert: {event.summary}",
            data={"fingerprint": event.fingerprint, "severity": event.severity.value},
        )


def _resolve_emptied(ctx: _Context, candidates: set[int], current: Incident | None) -> None:
    """Resolve those of ``candidates`` (incidents that just lost an alert) left with none open."""
    if not candidates:
        return
    counts = repository.open_alert_counts(ctx.session, candidates)
    for incident_id in sorted(candidates):
        if counts.get(incident_id, 0):
            continue
        incident = (
            current
            if current is not None and current.id == incident_id
            else repository.incident_for_update(ctx.session, incident_id)
        )
        ctx.tally.touched(incident_id)
        if incident is None or incident.status == RESOLVED:
            continue
        lifecycle.apply_resolve(
            ctx.session,
            incident,
            actor=ctx.actor,
            now=ctx.now,
            message=f"All alerts resolved ({ctx.actor.label})",
        )
        ctx.tally.resolved.append(incident_id)


# --- row values ------------------------------------------------------------------------------


def _service(ctx: _Context, service_id: int) -> ServiceState:
    service = ctx.integration.services.get(service_id)
    if service is None:  # routing only names services the lookup read; a foreign key holds
        raise NotFound(f"service {service_id} not found", code="service.not_found")
    return service


def _incident_values(
    ctx: _Context,
    service: ServiceState,
    first: AlertEvent,
    batch_title: str,
    events: list[AlertEvent],
    *,
    alert_count: int,
) -> dict[str, Any]:
    """A new incident's row, escalation started on the service's current policy."""
    severity = highest_severity(event.severity.value for event in events)
    return {
        "title": incident_title(batch_title, first),
        "description": first.description,
        "status": TRIGGERED,
        "urgency": urgency_for(service.urgency, severity),
        "severity": severity,
        "service_id": service.id,
        "integration_id": ctx.integration.id,
        "dedup_key": first.dedup_key,
        "alert_count": alert_count,
        "labels": dict(first.labels),
        "links": links_json(first.links),
        "created_at": ctx.now,
        "updated_at": ctx.now,
        **engine.opening_state(service.policy, ctx.now),
    }


def _alert_values(
    ctx: _Context,
    service_id: int,
    event: AlertEvent,
    fields: dict[str, Any],
    *,
    incident_id: int | None,
) -> dict[str, Any]:
    return {
        **fields,
        "integration_id": ctx.integration.id,
        "service_id": service_id,
        "incident_id": incident_id,
        "fingerprint": event.fingerprint,
        "dedup_key": event.dedup_key,
        "status": TRIGGERED,
        "suppressed": False,
        "suppressed_reason": "",
        "occurrences": 1,
        "first_seen_at": ctx.now,
        "last_seen_at": ctx.now,
    }


def _lost_race(key: str) -> Unavailable:
    # Only reachable if rows keep appearing and disappearing under us several times running;
    # 503 (not 409) so that the sender retries instead of dropping the alert.
    return Unavailable(
        f"could not settle the open alert or incident for key {key!r}; retry",
        code="ingest.contention",
    )
