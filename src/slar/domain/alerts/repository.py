"""Ingestion's SQL: race-free upserts of open alerts and open incidents.

Deduplication is the database's job. Two partial unique indexes hold the invariants
(``uq_alerts_open_fingerprint``: one open alert per integration and fingerprint;
``uq_incidents_open_dedup``: one open incident per service and dedup key), and every write here
is shaped so that concurrent copies of one event cannot break them or fail on them:

- an alert is one ``INSERT ... ON CONFLICT (integration_id, fingerprint) WHERE <open> DO
  UPDATE ... RETURNING id`` (a new row, or one more occurrence on the open one);
- an incident on PostgreSQL is the same upsert, returning ``(xmax = 0)`` to tell an insert (a
  new incident: escalate) from an update (a repeat: count it). A racing copy waits on the
  index entry and then updates the row the winner inserted; if that row was resolved in
  between, PostgreSQL retries the insert. SQLite has no ``xmax``; there writers are serialised
  (``BEGIN IMMEDIATE``), so *bump, else insert* is race-free and costs one more statement only
  for new incidents;
- grouped formats insert with ``ON CONFLICT DO NOTHING`` and lock the winner's row.

No check-then-insert, no savepoints, no retries on ``IntegrityError``.

The hot statements are prebuilt ``text()`` constructs with typed bind parameters, executed on
the session's connection (``slar.db.engine.run``): building ORM statements per request was most
of the CPU of ingestion. SQL texts never vary with the data (no IN lists of varying length:
PostgreSQL gets arrays, SQLite ``json_each``), so the compiled-statement cache and PostgreSQL's
prepared statements always hit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, bindparam, column, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause

from slar.db import JSONType, UTCDateTime
from slar.db.engine import run
from slar.domain.alerts.models import OPEN_CONDITION, Alert
from slar.domain.alerts.rules import SEVERITY_ORDER
from slar.domain.incidents import timeline
from slar.domain.incidents.models import Incident
from slar.domain.incidents.rules import Actor

_NOT_RESOLVED = "resolved"
_DIALECTS = ("postgresql", "sqlite")

_JSON_COLUMNS = frozenset({"labels", "links", "payload", "escalation_policy_snapshot", "data"})
_TIME_COLUMNS = frozenset(
    {
        "created_at",
        "updated_at",
        "next_escalation_at",
        "occurred_at",
        "first_seen_at",
        "last_seen_at",
        "now",
        "at",
    }
)
_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_PREFIXES = ("a_", "opened_", "repeated_")


_ID = column("id", Integer())
_INSERTED = column("inserted", Boolean())


def _statement(sql: str, *returns: ColumnClause[Any]) -> Any:
    """A ``text()`` statement whose JSON and timestamp parameters get their columns' types
    (a parameter is named after its column, perhaps behind one of ``_PREFIXES``).

    ``returns`` are its result columns in order: declared positionally, SQLAlchemy matches
    them to the cursor once and caches the result metadata with the compiled statement."""
    typed = []
    for name in dict.fromkeys(_PARAM.findall(sql)):
        column = next((name[len(p) :] for p in _PREFIXES if name.startswith(p)), name)
        if column in _JSON_COLUMNS:
            typed.append(bindparam(name, type_=JSONType()))
        elif column in _TIME_COLUMNS:
            typed.append(bindparam(name, type_=UTCDateTime()))
    statement = text(sql).bindparams(*typed)
    return statement.columns(*returns) if returns else statement


def _rank(column: str) -> str:
    """SQL for the severity rank of ``column`` (0 = critical), as ``rules.severity_rank``."""
    whens = " ".join(f"WHEN '{name}' THEN {rank}" for rank, name in enumerate(SEVERITY_ORDER))
    return f"(CASE {column} {whens} ELSE {SEVERITY_ORDER.index('error')} END)"


def _dialect(session: Session) -> str:
    name = session.get_bind().dialect.name
    return name if name in _DIALECTS else "sqlite"


# --- incidents -------------------------------------------------------------------------------

_INCIDENT_COLUMNS = (
    "title",
    "description",
    "status",
    "urgency",
    "severity",
    "service_id",
    "integration_id",
    "dedup_key",
    "alert_count",
    "labels",
    "links",
    "created_at",
    "updated_at",
    "escalation_policy_snapshot",
    "escalation_level",
    "escalation_loop",
    "escalation_generation",
    "next_escalation_at",
)
# Every SQL text here is assembled from module constants once, at import (hence noqa: S608).
_INCIDENT_INSERT = (
    f"INSERT INTO incidents ({', '.join(_INCIDENT_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + c for c in _INCIDENT_COLUMNS)}) "
    f"ON CONFLICT (service_id, dedup_key) WHERE {OPEN_CONDITION} "
)
_RAISED_SEVERITY = f"CASE WHEN {_rank('{new}')} < {_rank('{old}')} THEN {{new}} ELSE {{old}} END"

_UPSERT_INCIDENT_PG = _statement(
    _INCIDENT_INSERT
    + "DO UPDATE SET alert_count = incidents.alert_count + 1, "
    + "updated_at = excluded.updated_at, "
    + "severity = "
    + _RAISED_SEVERITY.format(new="excluded.severity", old="incidents.severity")
    + " RETURNING id, (xmax = 0) AS inserted",
    _ID,
    _INSERTED,
)
_INSERT_INCIDENT_SQLITE = _statement(_INCIDENT_INSERT + "DO NOTHING RETURNING id", _ID)
_BUMP_INCIDENT = _statement(
    "UPDATE incidents SET alert_count = alert_count + 1, updated_at = :now, severity = "  # noqa: S608
    + _RAISED_SEVERITY.format(new=":severity", old="severity")
    + f" WHERE service_id = :service_id AND dedup_key = :dedup_key AND {OPEN_CONDITION}"
    + " RETURNING id",
    _ID,
)

_RACE_ATTEMPTS = 3


def upsert_open_incident(session: Session, values: dict[str, Any]) -> tuple[int, bool] | None:
    """Count one more alert on the open incident for ``(service_id, dedup_key)`` of ``values``
    (raising its severity to ``values["severity"]`` if higher), or insert ``values`` as a new
    open incident. Returns ``(incident id, inserted)``; None only if rows kept appearing and
    disappearing under a SQLite writer (never on PostgreSQL)."""
    if _dialect(session) == "postgresql":
        row = run(session, _UPSERT_INCIDENT_PG, values).one()
        return int(row.id), bool(row.inserted)
    bump = {
        "service_id": values["service_id"],
        "dedup_key": values["dedup_key"],
        "severity": values["severity"],
        "now": values["updated_at"],
    }
    for _ in range(_RACE_ATTEMPTS):
        bumped = run(session, _BUMP_INCIDENT, bump).scalar()
        if bumped is not None:
            return int(bumped), False
        inserted = run(session, _INSERT_INCIDENT_SQLITE, values).scalar()
        if inserted is not None:
            return int(inserted), True
    return None


def _insert(session: Session, entity: type[Incident]) -> Any:
    """The backend's ``INSERT`` construct (both have ``on_conflict_do_nothing``)."""
    if _dialect(session) == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


def insert_incident_if_absent(session: Session, values: dict[str, Any]) -> Incident | None:
    """Insert an open incident unless one with its (service, dedup key) is open already.

    Returns the new incident (an ORM object in the session), or None if a racer got there first.
    """
    stmt = (
        _insert(session, Incident)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["service_id", "dedup_key"], index_where=text(OPEN_CONDITION)
        )
        .returning(Incident)
    )
    incident: Incident | None = session.scalars(stmt).first()
    return incident


def lock_open_incident(session: Session, *, service_id: int, dedup_key: str) -> Incident | None:
    """The open incident for ``(service_id, dedup_key)``, locked until commit (PostgreSQL).

    Grouped senders deliver the same group concurrently (an Alertmanager HA pair sends each
    notification from every replica); the lock makes those deliveries take turns.
    """
    stmt = (
        select(Incident)
        .where(
            Incident.service_id == service_id,
            Incident.dedup_key == dedup_key,
            Incident.status != _NOT_RESOLVED,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def incident_for_update(session: Session, incident_id: int) -> Incident | None:
    """One incident, re-read and locked until commit (PostgreSQL)."""
    return session.get(Incident, incident_id, with_for_update=True, populate_existing=True)


# A set of values as one bind parameter: a PostgreSQL array, a JSON array on SQLite.
_IN_SET = {"postgresql": "= ANY(:{name})", "sqlite": "IN (SELECT value FROM json_each(:{name}))"}


_SET_TYPES: dict[str, Any] = {"postgresql": postgresql.ARRAY(Integer), "sqlite": String()}


def _set_param(session: Session, values: Collection[Any]) -> Any:
    return sorted(values) if _dialect(session) == "postgresql" else json.dumps(sorted(values))


_OPEN_ALERT_COUNTS = {
    dialect: text(
        "SELECT incident_id, count(*) AS n FROM alerts "  # noqa: S608
        f"WHERE incident_id {_IN_SET[dialect].format(name='ids')} AND {OPEN_CONDITION} "
        "GROUP BY incident_id"
    )
    .bindparams(bindparam("ids", type_=_SET_TYPES[dialect]))
    .columns(column("incident_id", Integer()), column("n", Integer()))
    for dialect in _DIALECTS
}


def open_alert_counts(session: Session, incident_ids: Collection[int]) -> dict[int, int]:
    """How many open alerts each of ``incident_ids`` has (absent: none)."""
    if not incident_ids:
        return {}
    rows = run(
        session,
        _OPEN_ALERT_COUNTS[_dialect(session)],
        {"ids": _set_param(session, incident_ids)},
    )
    return {int(row.incident_id): int(row.n) for row in rows if row.incident_id is not None}


# --- alerts ----------------------------------------------------------------------------------

_ALERT_COLUMNS = (
    "integration_id",
    "service_id",
    "incident_id",
    "fingerprint",
    "dedup_key",
    "status",
    "summary",
    "description",
    "severity",
    "source",
    "labels",
    "links",
    "payload",
    "suppressed",
    "suppressed_reason",
    "occurrences",
    "occurred_at",
    "first_seen_at",
    "last_seen_at",
)
_ALERT_INSERT = (
    f"INSERT INTO alerts ({', '.join(_ALERT_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + c for c in _ALERT_COLUMNS)}) "
    f"ON CONFLICT (integration_id, fingerprint) WHERE {OPEN_CONDITION} "
)
_REFRESHED = ", ".join(
    f"{c} = excluded.{c}"
    for c in (
        "summary",
        "description",
        "severity",
        "source",
        "labels",
        "links",
        "payload",
        "occurred_at",
        "last_seen_at",
    )
)
_REPEAT = f"DO UPDATE SET occurrences = alerts.occurrences + 1, {_REFRESHED}"
_ATTACH = ", incident_id = excluded.incident_id, suppressed = excluded.suppressed, " + (
    "suppressed_reason = excluded.suppressed_reason"
)
_UPSERT_ALERT = _statement(_ALERT_INSERT + _REPEAT + " RETURNING id", _ID)
_UPSERT_ATTACHED_ALERT = _statement(_ALERT_INSERT + _REPEAT + _ATTACH + " RETURNING id", _ID)
_INSERT_ALERT = _statement(_ALERT_INSERT + "DO NOTHING RETURNING id", _ID)


def upsert_open_alert(session: Session, values: dict[str, Any], *, attach: bool) -> int:
    """Store the alert ``values`` describe: a new open alert, or one more occurrence of the
    open alert with its ``(integration_id, fingerprint)``, whose fields (summary, severity,
    payload...) the latest event replaces. With ``attach`` an existing alert also (re)joins
    ``values["incident_id"]`` and stops being suppressed. Returns the alert id."""
    statement = _UPSERT_ATTACHED_ALERT if attach else _UPSERT_ALERT
    return int(run(session, statement, values).scalar_one())


def insert_alert_if_absent(session: Session, values: dict[str, Any]) -> int | None:
    """Insert an open alert unless one with its (integration, fingerprint) is open already.

    Returns the new alert's id, or None if a racer got there first.
    """
    alert_id = run(session, _INSERT_ALERT, values).scalar()
    return None if alert_id is None else int(alert_id)


def open_alert(session: Session, *, integration_id: int, fingerprint: str) -> Alert | None:
    stmt = select(Alert).where(
        Alert.integration_id == integration_id,
        Alert.fingerprint == fingerprint,
        Alert.status != _NOT_RESOLVED,
    )
    return session.scalar(stmt)


def open_alerts_with_incident_state(
    session: Session, *, integration_id: int, fingerprints: Collection[str]
) -> dict[str, tuple[Alert, bool]]:
    """Open alerts of the integration by fingerprint, each with "its incident is open"."""
    if not fingerprints:
        return {}
    if _dialect(session) == "postgresql":
        wanted: Any = Alert.fingerprint == func.any(
            bindparam("fps", sorted(fingerprints), type_=postgresql.ARRAY(String))
        )
    else:
        each = func.json_each(bindparam("fps", json.dumps(sorted(fingerprints)), type_=String))
        wanted = Alert.fingerprint.in_(select(each.table_valued("value").c.value))
    stmt = (
        select(Alert, Incident.status)
        .outerjoin(Incident, Incident.id == Alert.incident_id)
        .where(Alert.integration_id == integration_id, wanted, Alert.status != _NOT_RESOLVED)
        .execution_options(populate_existing=True)
    )
    return {
        alert.fingerprint: (alert, status is not None and status != _NOT_RESOLVED)
        for alert, status in session.execute(stmt)
    }


def resolve_open_alerts_of(session: Session, *, incident_id: int, now: datetime) -> int:
    """Resolve every open alert of an incident (it was resolved on a single event's word)."""
    stmt = (
        update(Alert)
        .where(Alert.incident_id == incident_id, Alert.status != _NOT_RESOLVED)
        .values(status=_NOT_RESOLVED, resolved_at=now, last_seen_at=now)
        .execution_options(synchronize_session="fetch")
    )
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


# --- a whole trigger in one statement (PostgreSQL) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """A timeline entry to write (``incidents.timeline.record``'s fields)."""

    kind: str
    message: str
    data: dict[str, Any]


_TRIGGER_PG = _statement(
    "WITH inc AS ("  # noqa: S608
    + _INCIDENT_INSERT
    + "DO UPDATE SET alert_count = incidents.alert_count + 1, "
    + "updated_at = excluded.updated_at, severity = "
    + _RAISED_SEVERITY.format(new="excluded.severity", old="incidents.severity")
    + " RETURNING id, (xmax = 0) AS inserted"
    + "), alert AS ("
    + f"INSERT INTO alerts ({', '.join(_ALERT_COLUMNS)}) SELECT "
    + ", ".join("inc.id" if c == "incident_id" else f":a_{c}" for c in _ALERT_COLUMNS)
    + f" FROM inc ON CONFLICT (integration_id, fingerprint) WHERE {OPEN_CONDITION} "
    + _REPEAT
    + _ATTACH
    + " RETURNING id"
    + "), entry AS ("
    + "INSERT INTO incident_events (incident_id, at, kind, actor_user_id, actor, message, data) "
    + "SELECT inc.id, :now, "
    + "CASE WHEN inc.inserted THEN :opened_kind ELSE :repeated_kind END, "
    + ":actor_user_id, :actor, "
    + "CASE WHEN inc.inserted THEN :opened_message ELSE :repeated_message END, "
    + "CASE WHEN inc.inserted THEN :opened_data ELSE :repeated_data END "
    + "FROM inc"
    + ") SELECT inc.id, inc.inserted FROM inc",
    _ID,
    _INSERTED,
)


def record_trigger(
    session: Session,
    *,
    incident: dict[str, Any],
    alert: dict[str, Any],
    actor: Actor,
    now: datetime,
    opened: Entry,
    repeated: Entry,
) -> tuple[int, bool] | None:
    """A trigger event: ``upsert_open_incident(incident)``, then the alert upserted into that
    incident (``upsert_open_alert(alert, attach=True)``), then the timeline entry ``opened``
    (the incident is new) or ``repeated``. Returns ``(incident id, inserted)`` as
    ``upsert_open_incident`` does. One statement on PostgreSQL (data-modifying CTEs), three
    on SQLite."""
    if _dialect(session) != "postgresql":
        upserted = upsert_open_incident(session, incident)
        if upserted is None:
            return None
        incident_id, inserted = upserted
        upsert_open_alert(session, {**alert, "incident_id": incident_id}, attach=True)
        entry = opened if inserted else repeated
        timeline.append(
            session,
            incident_id=incident_id,
            kind=entry.kind,
            actor=actor,
            now=now,
            message=entry.message,
            data=entry.data,
        )
        return upserted
    params = dict(incident)
    params.update({f"a_{name}": value for name, value in alert.items()})
    params.update(
        now=now,
        actor_user_id=actor.user_id,
        actor=actor.label,
        opened_kind=opened.kind,
        opened_message=opened.message,
        opened_data=opened.data,
        repeated_kind=repeated.kind,
        repeated_message=repeated.message,
        repeated_data=repeated.data,
    )
    row = run(session, _TRIGGER_PG, params).one()
    return int(row.id), bool(row.inserted)


# --- timeline --------------------------------------------------------------------------------
