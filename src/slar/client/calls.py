"""Every API call the clients offer, described once (path, body, result type).

Both ``SlarClient`` and ``AsyncSlarClient`` execute these descriptions, so an endpoint's shape is
written in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slar.client.core import Call, adapter
from slar.domain.assistant.schemas import ConversationDetailOut, ConversationOut
from slar.domain.catalog.schemas import (
    IntegrationOut,
    MaintenanceWindowOut,
    RoutingRuleOut,
    ServiceOut,
)
from slar.domain.escalation.schemas import PolicyOut
from slar.domain.identity.schemas import (
    ApiKeyCreatedOut,
    ApiKeyOut,
    MeOut,
    SetupStatusOut,
    TeamDetailOut,
    TeamMemberOut,
    TeamOut,
    TokenOut,
    UserOut,
)
from slar.domain.incidents.schemas import (
    AlertOut,
    IncidentAnalyticsOut,
    IncidentEventOut,
    IncidentOut,
    IncidentPage,
)
from slar.domain.monitors.schemas import (
    BeatOut,
    CheckOut,
    CheckResultOut,
    CheckStatsOut,
    HeartbeatOut,
    IntegrationHealthOut,
)
from slar.domain.notifications.schemas import ContactMethodOut, DeliveryOut, RulesOut
from slar.domain.runbooks.schemas import RunbookHit, RunbookImportOut, RunbookOut
from slar.domain.schedules.schemas import (
    CalendarTokenOut,
    LayerOut,
    OnCallOut,
    OverrideOut,
    ScheduleOut,
    ShiftsOut,
)
from slar.jobs.schemas import DeadJobPage, JobOut, JobStats

_TOKEN = adapter(TokenOut)
_ME = adapter(MeOut)
_USER = adapter(UserOut)
_USERS = adapter(list[UserOut])
_TEAM = adapter(TeamOut)
_TEAM_DETAIL = adapter(TeamDetailOut)
_TEAMS = adapter(list[TeamOut])
_MEMBER = adapter(TeamMemberOut)
_KEY_CREATED = adapter(ApiKeyCreatedOut)
_KEYS = adapter(list[ApiKeyOut])
_SERVICE = adapter(ServiceOut)
_SERVICES = adapter(list[ServiceOut])
_INTEGRATION = adapter(IntegrationOut)
_INTEGRATIONS = adapter(list[IntegrationOut])
_RULES = adapter(list[RoutingRuleOut])
_WINDOW = adapter(MaintenanceWindowOut)
_WINDOWS = adapter(list[MaintenanceWindowOut])
_INCIDENT = adapter(IncidentOut)
_PAGE = adapter(IncidentPage)
_EVENT = adapter(IncidentEventOut)
_EVENTS = adapter(list[IncidentEventOut])
_ALERTS = adapter(list[AlertOut])
_ANALYTICS = adapter(IncidentAnalyticsOut)
_JSON = adapter(dict[str, Any])
_SCHEDULE = adapter(ScheduleOut)
_SCHEDULES = adapter(list[ScheduleOut])
_OVERRIDE = adapter(OverrideOut)
_ONCALL = adapter(OnCallOut)
_ONCALLS = adapter(list[OnCallOut])
_SHIFTS = adapter(ShiftsOut)
_POLICY = adapter(PolicyOut)
_POLICIES = adapter(list[PolicyOut])
_CONTACT = adapter(ContactMethodOut)
_CONTACTS = adapter(list[ContactMethodOut])
_RULES_OF_USER = adapter(RulesOut)
_DELIVERY = adapter(DeliveryOut)
_DELIVERIES = adapter(list[DeliveryOut])
_DEAD = adapter(DeadJobPage)
_JOB = adapter(JobOut)
_JOB_STATS = adapter(JobStats)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# --- auth -------------------------------------------------------------------------------------


def login(email: str, password: str) -> Call[TokenOut]:
    return Call("POST", "/auth/login", _TOKEN, json={"email": email, "password": password})


def refresh(refresh_token: str) -> Call[TokenOut]:
    return Call("POST", "/auth/refresh", _TOKEN, json={"refresh_token": refresh_token})


def logout(refresh_token: str) -> Call[None]:
    return Call("POST", "/auth/logout", None, json={"refresh_token": refresh_token})


def me() -> Call[MeOut]:
    return Call("GET", "/auth/me", _ME)


# --- users, teams, API keys -----------------------------------------------------------------


def list_users(q: str | None = None) -> Call[list[UserOut]]:
    return Call("GET", "/users", _USERS, params={"q": q})


def create_user(
    email: str, name: str = "", role: str = "responder", password: str | None = None
) -> Call[UserOut]:
    body = _drop_none({"email": email, "name": name, "role": role, "password": password})
    return Call("POST", "/users", _USER, json=body)


def update_user(user_id: int, **changes: Any) -> Call[UserOut]:
    return Call("PATCH", f"/users/{user_id}", _USER, json=changes)


def list_teams() -> Call[list[TeamOut]]:
    return Call("GET", "/teams", _TEAMS)


def create_team(name: str, description: str = "") -> Call[TeamOut]:
    return Call("POST", "/teams", _TEAM, json={"name": name, "description": description})


def get_team(team_id: int) -> Call[TeamDetailOut]:
    return Call("GET", f"/teams/{team_id}", _TEAM_DETAIL)


def set_member(team_id: int, user_id: int, role: str = "member") -> Call[TeamMemberOut]:
    return Call("PUT", f"/teams/{team_id}/members/{user_id}", _MEMBER, json={"role": role})


def remove_member(team_id: int, user_id: int) -> Call[None]:
    return Call("DELETE", f"/teams/{team_id}/members/{user_id}", None)


def create_api_key(name: str, expires_at: datetime | None = None) -> Call[ApiKeyCreatedOut]:
    return Call(
        "POST",
        "/api-keys",
        _KEY_CREATED,
        json=_drop_none({"name": name, "expires_at": _iso(expires_at)}),
    )


def list_api_keys() -> Call[list[ApiKeyOut]]:
    return Call("GET", "/api-keys", _KEYS)


def revoke_api_key(key_id: int) -> Call[None]:
    return Call("DELETE", f"/api-keys/{key_id}", None)


# --- catalog --------------------------------------------------------------------------------


def list_services(team_id: int | None = None, q: str | None = None) -> Call[list[ServiceOut]]:
    return Call("GET", "/services", _SERVICES, params={"team_id": team_id, "q": q})


def create_service(team_id: int, name: str, **fields: Any) -> Call[ServiceOut]:
    return Call("POST", "/services", _SERVICE, json={"team_id": team_id, "name": name, **fields})


def get_service(service_id: int) -> Call[ServiceOut]:
    return Call("GET", f"/services/{service_id}", _SERVICE)


def update_service(service_id: int, **changes: Any) -> Call[ServiceOut]:
    return Call("PATCH", f"/services/{service_id}", _SERVICE, json=changes)


def delete_service(service_id: int) -> Call[None]:
    return Call("DELETE", f"/services/{service_id}", None)


def list_integrations(service_id: int) -> Call[list[IntegrationOut]]:
    return Call("GET", f"/services/{service_id}/integrations", _INTEGRATIONS)


def create_integration(service_id: int, name: str, kind: str) -> Call[IntegrationOut]:
    return Call(
        "POST",
        f"/services/{service_id}/integrations",
        _INTEGRATION,
        json={"name": name, "kind": kind},
    )


def get_integration(integration_id: int) -> Call[IntegrationOut]:
    return Call("GET", f"/integrations/{integration_id}", _INTEGRATION)


def regenerate_integration_key(integration_id: int) -> Call[IntegrationOut]:
    return Call("POST", f"/integrations/{integration_id}/regenerate-key", _INTEGRATION)


def set_routing_rules(
    integration_id: int, rules: list[dict[str, Any]]
) -> Call[list[RoutingRuleOut]]:
    return Call("PUT", f"/integrations/{integration_id}/routing-rules", _RULES, json=rules)


def list_routing_rules(integration_id: int) -> Call[list[RoutingRuleOut]]:
    return Call("GET", f"/integrations/{integration_id}/routing-rules", _RULES)


def list_maintenance_windows(service_id: int) -> Call[list[MaintenanceWindowOut]]:
    return Call("GET", f"/services/{service_id}/maintenance-windows", _WINDOWS)


def create_maintenance_window(
    service_id: int, starts_at: datetime, ends_at: datetime, description: str = ""
) -> Call[MaintenanceWindowOut]:
    body = {"starts_at": _iso(starts_at), "ends_at": _iso(ends_at), "description": description}
    return Call("POST", f"/services/{service_id}/maintenance-windows", _WINDOW, json=body)


def end_maintenance_window(window_id: int) -> Call[None]:
    return Call("DELETE", f"/maintenance-windows/{window_id}", None)


# --- incidents ------------------------------------------------------------------------------


def list_incidents(
    *,
    status: list[str] | None = None,
    service_id: int | None = None,
    team_id: int | None = None,
    urgency: str | None = None,
    assignee_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Call[IncidentPage]:
    params = {
        "status": status,
        "service_id": service_id,
        "team_id": team_id,
        "urgency": urgency,
        "assignee_id": assignee_id,
        "since": _iso(since),
        "until": _iso(until),
        "q": q,
        "limit": limit,
        "offset": offset,
    }
    return Call("GET", "/incidents", _PAGE, params=params)


def create_incident(service_id: int, title: str, **fields: Any) -> Call[IncidentOut]:
    body = {"service_id": service_id, "title": title, **fields}
    return Call("POST", "/incidents", _INCIDENT, json=body)


def get_incident(incident_id: int) -> Call[IncidentOut]:
    return Call("GET", f"/incidents/{incident_id}", _INCIDENT)


def incident_action(
    incident_id: int, action: str, body: dict[str, Any] | None = None
) -> Call[IncidentOut]:
    """``acknowledge``, ``unacknowledge``, ``resolve``, ``reassign``, ``snooze`` or ``merge``."""
    return Call("POST", f"/incidents/{incident_id}/{action}", _INCIDENT, json=body)


def add_note(incident_id: int, text: str) -> Call[IncidentEventOut]:
    return Call("POST", f"/incidents/{incident_id}/notes", _EVENT, json={"text": text})


def timeline(incident_id: int) -> Call[list[IncidentEventOut]]:
    return Call("GET", f"/incidents/{incident_id}/timeline", _EVENTS)


def incident_alerts(incident_id: int) -> Call[list[AlertOut]]:
    return Call("GET", f"/incidents/{incident_id}/alerts", _ALERTS)


def incident_analytics(
    since: datetime | None = None, until: datetime | None = None
) -> Call[IncidentAnalyticsOut]:
    return Call(
        "GET",
        "/analytics/incidents",
        _ANALYTICS,
        params={"since": _iso(since), "until": _iso(until)},
    )


# --- ingestion ------------------------------------------------------------------------------


def send_event(integration_key: str, fmt: str, payload: dict[str, Any]) -> Call[dict[str, Any]]:
    """Post an alert payload as a monitoring tool would (``alertmanager``, ``generic``, ...)."""
    return Call("POST", f"/integrations/{integration_key}/{fmt}", _JSON, json=payload)


def send_pagerduty_event(payload: dict[str, Any]) -> Call[dict[str, Any]]:
    """Post a PagerDuty Events API v2 event (``routing_key`` inside ``payload``)."""
    return Call("POST", "/v2/enqueue", _JSON, json=payload)


# --- schedules and on-call ------------------------------------------------------------------


def list_schedules(team_id: int | None = None) -> Call[list[ScheduleOut]]:
    return Call("GET", "/schedules", _SCHEDULES, params={"team_id": team_id})


def create_schedule(body: dict[str, Any]) -> Call[ScheduleOut]:
    """``body`` as in ``docs/schedules.md`` (team, time zone, layers with rotations)."""
    return Call("POST", "/schedules", _SCHEDULE, json=body)


def get_schedule(schedule_id: int) -> Call[ScheduleOut]:
    return Call("GET", f"/schedules/{schedule_id}", _SCHEDULE)


def create_override(
    schedule_id: int, user_id: int, start: datetime, end: datetime
) -> Call[OverrideOut]:
    body = {"user_id": user_id, "start": _iso(start), "end": _iso(end)}
    return Call("POST", f"/schedules/{schedule_id}/overrides", _OVERRIDE, json=body)


def oncall(schedule_id: int, at: datetime | None = None) -> Call[OnCallOut]:
    """Who is on call in one schedule at ``at`` (default: now)."""
    return Call("GET", f"/schedules/{schedule_id}/oncall", _ONCALL, params={"at": _iso(at)})


def oncall_everywhere(at: datetime | None = None) -> Call[list[OnCallOut]]:
    return Call("GET", "/oncall", _ONCALLS, params={"at": _iso(at)})


def shifts(schedule_id: int, start: datetime, end: datetime) -> Call[ShiftsOut]:
    params = {"start": _iso(start), "end": _iso(end)}
    return Call("GET", f"/schedules/{schedule_id}/shifts", _SHIFTS, params=params)


# --- escalation -----------------------------------------------------------------------------


def list_escalation_policies(team_id: int | None = None) -> Call[list[PolicyOut]]:
    return Call("GET", "/escalation-policies", _POLICIES, params={"team_id": team_id})


def create_escalation_policy(body: dict[str, Any]) -> Call[PolicyOut]:
    """``body``: team_id, name, repeat_count, levels of {delay_minutes, targets: [{kind, id}]}."""
    return Call("POST", "/escalation-policies", _POLICY, json=body)


def get_escalation_policy(policy_id: int) -> Call[PolicyOut]:
    return Call("GET", f"/escalation-policies/{policy_id}", _POLICY)


def replace_escalation_policy(policy_id: int, body: dict[str, Any]) -> Call[PolicyOut]:
    return Call("PUT", f"/escalation-policies/{policy_id}", _POLICY, json=body)


def escalate(incident_id: int) -> Call[IncidentOut]:
    """Page the incident's next escalation level now."""
    return Call("POST", f"/incidents/{incident_id}/escalate", _INCIDENT)


# --- notifications --------------------------------------------------------------------------


def list_contact_methods() -> Call[list[ContactMethodOut]]:
    return Call("GET", "/notifications/contact-methods", _CONTACTS)


def create_contact_method(kind: str, address: str, label: str = "") -> Call[ContactMethodOut]:
    body = {"kind": kind, "address": address, "label": label}
    return Call("POST", "/notifications/contact-methods", _CONTACT, json=body)


def send_test_notification(contact_method_id: int) -> Call[DeliveryOut]:
    return Call("POST", f"/notifications/contact-methods/{contact_method_id}/test", _DELIVERY)


def notification_rules() -> Call[RulesOut]:
    return Call("GET", "/notifications/rules", _RULES_OF_USER)


def set_notification_rules(rules: list[dict[str, Any]]) -> Call[RulesOut]:
    """``rules``: [{contact_method_id, urgency: high|low, delay_minutes}]; empty: the default."""
    return Call("PUT", "/notifications/rules", _RULES_OF_USER, json={"rules": rules})


def incident_deliveries(incident_id: int) -> Call[list[DeliveryOut]]:
    return Call("GET", f"/incidents/{incident_id}/deliveries", _DELIVERIES)


# --- jobs (admin) ---------------------------------------------------------------------------


def dead_jobs(kind: str | None = None, limit: int = 50, offset: int = 0) -> Call[DeadJobPage]:
    params = {"kind": kind, "limit": limit, "offset": offset}
    return Call("GET", "/jobs/dead", _DEAD, params=params)


def retry_job(job_id: int) -> Call[JobOut]:
    return Call("POST", f"/jobs/{job_id}/retry", _JOB)


def job_stats() -> Call[JobStats]:
    return Call("GET", "/jobs/stats", _JOB_STATS)


# --- first run, layers, overrides, calendar feeds (used by the web UI) ----------------------

_SETUP = adapter(SetupStatusOut)
_LAYER = adapter(LayerOut)
_OVERRIDES = adapter(list[OverrideOut])
_FEED = adapter(CalendarTokenOut)


def setup_status() -> Call[SetupStatusOut]:
    """Whether no user exists yet (public)."""
    return Call("GET", "/auth/setup", _SETUP)


def setup_first_admin(email: str, name: str, password: str) -> Call[SetupStatusOut]:
    """Create the first admin; refused with 409 ``setup.done`` once any user exists."""
    body = {"email": email, "name": name, "password": password}
    return Call("POST", "/auth/setup", _SETUP, json=body)


def add_layer(schedule_id: int, layer: dict[str, Any]) -> Call[LayerOut]:
    return Call("POST", f"/schedules/{schedule_id}/layers", _LAYER, json=layer)


def delete_layer(schedule_id: int, layer_id: int) -> Call[None]:
    return Call("DELETE", f"/schedules/{schedule_id}/layers/{layer_id}", None)


def list_overrides(
    schedule_id: int, start: datetime | None = None, end: datetime | None = None
) -> Call[list[OverrideOut]]:
    params = {"start": _iso(start), "end": _iso(end)}
    return Call("GET", f"/schedules/{schedule_id}/overrides", _OVERRIDES, params=params)


def delete_override(schedule_id: int, override_id: int) -> Call[None]:
    return Call("DELETE", f"/schedules/{schedule_id}/overrides/{override_id}", None)


def my_calendar_feed() -> Call[CalendarTokenOut]:
    return Call("GET", "/oncall/ical-token", _FEED)


def regenerate_my_calendar_feed() -> Call[CalendarTokenOut]:
    return Call("POST", "/oncall/ical-token", _FEED)


# --- runbooks -------------------------------------------------------------------------------

_RUNBOOK = adapter(RunbookOut)
_RUNBOOKS = adapter(list[RunbookOut])
_RUNBOOK_HITS = adapter(list[RunbookHit])
_RUNBOOK_IMPORT = adapter(RunbookImportOut)


def list_runbooks(service_id: int | None = None, q: str | None = None) -> Call[list[RunbookOut]]:
    return Call("GET", "/runbooks", _RUNBOOKS, params={"service_id": service_id, "q": q})


def create_runbook(
    title: str, body: str, service_ids: Sequence[int] = (), team_id: int | None = None
) -> Call[RunbookOut]:
    payload = {"title": title, "body": body, "service_ids": list(service_ids), "team_id": team_id}
    return Call("POST", "/runbooks", _RUNBOOK, json=payload)


def get_runbook(runbook_id: int) -> Call[RunbookOut]:
    return Call("GET", f"/runbooks/{runbook_id}", _RUNBOOK)


def update_runbook(runbook_id: int, **changes: Any) -> Call[RunbookOut]:
    """``changes``: title, body, service_ids (replaces the links), team_id (None: unowned)."""
    return Call("PATCH", f"/runbooks/{runbook_id}", _RUNBOOK, json=changes)


def delete_runbook(runbook_id: int) -> Call[None]:
    return Call("DELETE", f"/runbooks/{runbook_id}", None)


def search_runbooks(
    q: str, service_id: int | None = None, limit: int = 5
) -> Call[list[RunbookHit]]:
    params = {"q": q, "service_id": service_id, "limit": limit}
    return Call("GET", "/runbooks/search", _RUNBOOK_HITS, params=params)


def import_runbooks(
    files: list[dict[str, Any]], service_ids: Sequence[int] = (), team_id: int | None = None
) -> Call[RunbookImportOut]:
    """``files``: [{"filename": "disk-full.md", "content": "# Disk full\n..."}]."""
    payload = {"files": files, "service_ids": list(service_ids), "team_id": team_id}
    return Call("POST", "/runbooks/import", _RUNBOOK_IMPORT, json=payload)


# --- assistant conversations ----------------------------------------------------------------

_CONVERSATION = adapter(ConversationOut)
_CONVERSATIONS = adapter(list[ConversationOut])
_CONVERSATION_DETAIL = adapter(ConversationDetailOut)


def create_conversation(title: str = "", incident_id: int | None = None) -> Call[ConversationOut]:
    payload = {"title": title, "incident_id": incident_id}
    return Call("POST", "/assistant/conversations", _CONVERSATION, json=payload)


def list_conversations(limit: int = 50, offset: int = 0) -> Call[list[ConversationOut]]:
    params = {"limit": limit, "offset": offset}
    return Call("GET", "/assistant/conversations", _CONVERSATIONS, params=params)


def get_conversation(conversation_id: int) -> Call[ConversationDetailOut]:
    return Call("GET", f"/assistant/conversations/{conversation_id}", _CONVERSATION_DETAIL)


def append_messages(
    conversation_id: int, messages: list[dict[str, Any]], tokens_in: int = 0, tokens_out: int = 0
) -> Call[ConversationOut]:
    """``messages``: [{"role": "user"|"assistant"|"tool", "content": [{"type": ...}, ...]}]."""
    payload = {"messages": messages, "tokens_in": tokens_in, "tokens_out": tokens_out}
    return Call(
        "POST", f"/assistant/conversations/{conversation_id}/messages", _CONVERSATION, json=payload
    )


def delete_conversation(conversation_id: int) -> Call[None]:
    return Call("DELETE", f"/assistant/conversations/{conversation_id}", None)


# --- similar incidents ----------------------------------------------------------------------

_INCIDENTS = adapter(list[IncidentOut])


def similar_incidents(incident_id: int, limit: int = 5) -> Call[list[IncidentOut]]:
    return Call("GET", f"/incidents/{incident_id}/similar", _INCIDENTS, params={"limit": limit})


# --- monitors -------------------------------------------------------------------------------

_CHECK = adapter(CheckOut)
_CHECKS = adapter(list[CheckOut])
_CHECK_RESULTS = adapter(list[CheckResultOut])
_CHECK_STATS = adapter(CheckStatsOut)
_HEARTBEAT = adapter(HeartbeatOut)
_HEARTBEATS = adapter(list[HeartbeatOut])
_BEAT = adapter(BeatOut)
_INTEGRATION_HEALTH = adapter(list[IntegrationHealthOut])


def list_checks(service_id: int | None = None) -> Call[list[CheckOut]]:
    return Call("GET", "/monitors/checks", _CHECKS, params={"service_id": service_id})


def create_check(
    service_id: int, name: str, kind: str, target: str, **fields: Any
) -> Call[CheckOut]:
    """``fields``: interval_seconds, failure_threshold, timeout_seconds, http_method,
    expected_status, keyword, follow_redirects, verify_tls, tls_expiry_days, enabled."""
    body = {"service_id": service_id, "name": name, "kind": kind, "target": target, **fields}
    return Call("POST", "/monitors/checks", _CHECK, json=body)


def get_check(check_id: int) -> Call[CheckOut]:
    return Call("GET", f"/monitors/checks/{check_id}", _CHECK)


def update_check(check_id: int, **changes: Any) -> Call[CheckOut]:
    return Call("PATCH", f"/monitors/checks/{check_id}", _CHECK, json=changes)


def delete_check(check_id: int) -> Call[None]:
    return Call("DELETE", f"/monitors/checks/{check_id}", None)


def check_results(
    check_id: int, since: datetime | None = None, limit: int = 100
) -> Call[list[CheckResultOut]]:
    params = {"since": _iso(since), "limit": limit}
    return Call("GET", f"/monitors/checks/{check_id}/results", _CHECK_RESULTS, params=params)


def check_stats(check_id: int) -> Call[CheckStatsOut]:
    return Call("GET", f"/monitors/checks/{check_id}/stats", _CHECK_STATS)


def list_heartbeats(service_id: int | None = None) -> Call[list[HeartbeatOut]]:
    return Call("GET", "/monitors/heartbeats", _HEARTBEATS, params={"service_id": service_id})


def create_heartbeat(
    service_id: int, name: str, interval_seconds: int, grace_seconds: int = 0, **fields: Any
) -> Call[HeartbeatOut]:
    body = {
        "service_id": service_id,
        "name": name,
        "interval_seconds": interval_seconds,
        "grace_seconds": grace_seconds,
        **fields,
    }
    return Call("POST", "/monitors/heartbeats", _HEARTBEAT, json=body)


def get_heartbeat(monitor_id: int) -> Call[HeartbeatOut]:
    return Call("GET", f"/monitors/heartbeats/{monitor_id}", _HEARTBEAT)


def update_heartbeat(monitor_id: int, **changes: Any) -> Call[HeartbeatOut]:
    return Call("PATCH", f"/monitors/heartbeats/{monitor_id}", _HEARTBEAT, json=changes)


def regenerate_heartbeat_key(monitor_id: int) -> Call[HeartbeatOut]:
    return Call("POST", f"/monitors/heartbeats/{monitor_id}/regenerate-key", _HEARTBEAT)


def delete_heartbeat(monitor_id: int) -> Call[None]:
    return Call("DELETE", f"/monitors/heartbeats/{monitor_id}", None)


def beat(key: str) -> Call[BeatOut]:
    """Record a beat (the key is the credential; no principal needed)."""
    return Call("POST", f"/heartbeats/{key}", _BEAT)


def integration_health(service_id: int | None = None) -> Call[list[IntegrationHealthOut]]:
    params = {"service_id": service_id}
    return Call("GET", "/monitors/integrations", _INTEGRATION_HEALTH, params=params)


def update_integration(integration_id: int, **changes: Any) -> Call[IntegrationOut]:
    """``changes``: name, service_id, expect_every_seconds (null switches silence alerts off)."""
    return Call("PATCH", f"/integrations/{integration_id}", _INTEGRATION, json=changes)
