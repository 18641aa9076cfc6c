"""Grafana alerting webhook contact point: the Alertmanager v4 shape plus a few fields.

Grafana sends ``version: "1"``, ``title``, ``state``, ``message`` and ``orgId`` besides the
Alertmanager fields, and per alert ``dashboardURL``, ``panelURL``, ``silenceURL``, ``values``.
The Alertmanager mapping applies (see ``alertmanager``), with these differences:

- incident title: the body's ``title`` without its ``[FIRING:n]`` / ``[RESOLVED]`` prefix,
  falling back to the Alertmanager rule when that leaves nothing;
- an alert without ``annotations.description`` takes the body's ``message``;
- links: ``generatorURL`` ("Alert rule"), ``dashboardURL`` ("Dashboard"), ``panelURL``
  ("Panel"), and ``annotations.runbook_url``;
- ``groupKey`` may be missing in some Grafana versions: the dedup key is then
  ``"sha256:" + hexdigest`` of the sorted ``groupLabels`` (``{}`` when absent), so the same
  group still lands on the same incident;
- ``source`` defaults to ``"grafana"`` when ``externalURL`` is empty.
"""

from __future__ import annotations

import json
import re

from slar.integrations._fields import (
    Errors,
    opt_str,
    require_object,
    sha256_hex,
    string_labels,
)
from slar.integrations.alertmanager import GroupOptions, parse_grouped
from slar.integrations.events import ParsedBatch

# "[FIRING:2] ", "[FIRING:1, RESOLVED:1] ", "[RESOLVED] " — Grafana's default title prefix.
_STATUS_PREFIX = re.compile(r"^\s*\[(?:FIRING|RESOLVED)\b[^\]]*\]\s*", re.IGNORECASE)

_LINK_FIELDS = (
    ("generatorURL", "Alert rule"),
    ("dashboardURL", "Dashboard"),
    ("panelURL", "Panel"),
)


def parse_grafana(body: object) -> ParsedBatch:
    """Parse a Grafana webhook; raise ``PayloadInvalid`` naming bad fields."""
    obj = require_object(body)
    errors = Errors()
    title = opt_str(obj, "title", "", errors) or ""
    message = opt_str(obj, "message", "", errors) or ""
    # groupLabels errors are reported by the shared core; here only the fallback is needed.
    group_labels = string_labels(obj.get("groupLabels"), "groupLabels", Errors())
    options = GroupOptions(
        default_source="grafana",
        fallback_group_key="sha256:" + sha256_hex(_canonical(group_labels)),
        fallback_description=message.strip(),
        title=strip_status_prefix(title),
        link_fields=_LINK_FIELDS,
    )
    return parse_grouped(obj, errors, options)


def strip_status_prefix(title: str) -> str:
    """``"[FIRING:2] HighCPU (web)"`` -> ``"HighCPU (web)"``."""
    return _STATUS_PREFIX.sub("", title, count=1).strip()


def _canonical(labels: dict[str, str]) -> str:
    return json.dumps(labels, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


__all__ = ["parse_grafana", "strip_status_prefix"]
