"""Human-friendly times and durations."""

from __future__ import annotations

from datetime import datetime


def duration(seconds: float | None) -> str:
    """``95`` → ``1m 35s``; ``None`` (no data) → ``—``."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def ago(value: datetime | None, now: datetime) -> str:
    """``3 minutes ago``, ``in 2 hours``; ``never`` for ``None``."""
    if value is None:
        return "never"
    delta = (now - value).total_seconds()
    future = delta < 0
    text = _rough(abs(delta))
    if text == "just now":
        return text
    return f"in {text}" if future else f"{text} ago"


def _rough(seconds: float) -> str:
    if seconds < 45:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "1 minute"


def when(value: datetime | None) -> str:
    """An absolute UTC time for titles and tables: ``2026-03-02 09:15 UTC``."""
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def safe_url(value: object) -> str:
    """Links from alerts are shown only when they are http(s): never ``javascript:``."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else "#"
