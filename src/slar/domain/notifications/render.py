"""What a message says: subject, text, the short SMS form and the webhook JSON, per purpose.

Pure: values in, values out. ``Rendered.body_for(channel)`` is exactly what a channel sends,
and is what a ``Delivery`` stores (webhooks store their JSON), so history shows the real message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slar.domain.notifications.rules import EMAIL, SMS, WEBHOOK

SMS_MAX = 1600  # the Messages API's limit; longer bodies are refused
PRODUCT = "SLAR"
REDACTED_CODE = "(the verification code is not kept after sending)"


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    id: int
    title: str
    description: str
    status: str
    urgency: str
    severity: str
    service_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    short: str
    data: dict[str, Any] = field(default_factory=dict)

    def body_for(self, channel: str) -> str:
        """The body a channel carries: SMS the short form, webhooks JSON, e-mail the text."""
        if channel == SMS:
            return self.short
        if channel == WEBHOOK:
            return json.dumps(
                {"subject": self.subject, "text": self.text, **self.data}, sort_keys=True
            )
        return self.text


def incident_url(public_url: str, incident_id: int) -> str:
    return f"{public_url.rstrip('/')}/incidents/{incident_id}"


def _sms(text: str) -> str:
    return text if len(text) <= SMS_MAX else text[: SMS_MAX - 1] + "…"


def page(incident: IncidentFacts, *, recipient: str, reason: str, public_url: str) -> Rendered:
    """A page: what is wrong, how bad, where to act."""
    url = incident_url(public_url, incident.id)
    urgency = incident.urgency.upper()
    subject = f"[{PRODUCT}] #{incident.id} {incident.title} ({incident.service_name})"
    lines = [
        f"Hello {recipient},",
        "",
        f"Incident #{incident.id} needs you: {incident.title}",
        "",
        f"Service:  {incident.service_name}",
        f"Urgency:  {incident.urgency}",
        f"Severity: {incident.severity}",
        f"Status:   {incident.status}",
        f"Opened:   {incident.created_at.isoformat()}",
    ]
    if reason:
        lines.append(f"Why you:  {reason}")
    if incident.description:
        lines += ["", incident.description[:4000]]
    lines += ["", f"Acknowledge or resolve it: {url}"]
    short = _sms(
        f"[{PRODUCT}] #{incident.id} {urgency} {incident.service_name}: {incident.title} {url}"
    )
    data = {
        "event": "incident.page",
        "reason": reason,
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "status": incident.status,
            "urgency": incident.urgency,
            "severity": incident.severity,
            "service": incident.service_name,
            "created_at": incident.created_at.isoformat(),
            "url": url,
        },
    }
    return Rendered(subject=subject, text="\n".join(lines), short=short, data=data)


def test_message(*, recipient: str, channel: str, label: str) -> Rendered:
    text = (
        f"Hello {recipient}, this is a test notification from {PRODUCT} to your {channel} "
        f"contact method {label!r}. If you can read it, pages will reach you here."
    )
    return Rendered(
        subject=f"[{PRODUCT}] Test notification",
        text=text,
        short=_sms(f"[{PRODUCT}] Test notification to {label}: pages will reach you here."),
        data={"event": "notification.test"},
    )


def verification(code: str) -> Rendered:
    text = (
        f"Your {PRODUCT} verification code is {code}. It expires in 15 minutes. "
        "If you did not ask for it, ignore this message."
    )
    return Rendered(
        subject=f"[{PRODUCT}] Verification code {code}",
        text=text,
        short=f"{PRODUCT} verification code: {code}",
        data={"event": "notification.verification"},
    )


def _local(instant: datetime, timezone: str) -> str:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return instant.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def handoff(
    *,
    recipient: str,
    schedule_id: int,
    schedule_name: str,
    start: datetime,
    end: datetime | None,
    timezone: str,
) -> Rendered:
    """An upcoming shift, in the recipient's own time zone (``end`` None: open-ended)."""
    begins = _local(start, timezone)
    until = f" until {_local(end, timezone)}" if end is not None else ""
    text = f"Hello {recipient}, you are on call for {schedule_name} from {begins}{until}."
    return Rendered(
        subject=f"[{PRODUCT}] You are on call for {schedule_name} from {begins}",
        text=text,
        short=_sms(f"[{PRODUCT}] On call for {schedule_name} from {begins}{until}"),
        data={
            "event": "oncall.handoff",
            "schedule": {"id": schedule_id, "name": schedule_name},
            "start": start.isoformat(),
            "end": end.isoformat() if end is not None else None,
        },
    )


def channel_label(channel: str) -> str:
    return {EMAIL: "e-mail", SMS: "SMS", WEBHOOK: "webhook"}.get(channel, channel.title())
