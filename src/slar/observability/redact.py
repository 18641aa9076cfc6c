"""Keep credentials out of the logs.

A browser cannot set headers on a WebSocket, so ``/ws/chat`` also takes its token as
``?token=...``. Uvicorn logs every WebSocket handshake with its query string
(``"WebSocket /ws/chat?token=eyJ..." [accepted]`` on ``uvicorn.error``, whatever
``access_log`` says), and an HTTP client may log a URL it called. This filter, installed on the
one log handler, rewrites the value of any credential-like query parameter before a record is
written, whichever logger it came from.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
SECRET_PARAMS = ("token", "access_token", "api_key", "apikey", "key", "password", "secret")

_SECRET_IN_QUERY = re.compile(
    r"(?P<name>[?&;](?:" + "|".join(SECRET_PARAMS) + r")=)(?P<value>[^&;#\s\"'<>]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with the value of every credential-like query parameter replaced."""
    if "=" not in text:
        return text
    return _SECRET_IN_QUERY.sub(lambda m: m["name"] + REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (format string and arguments merged) when it carries a
    credential in a query string; other records pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the formatter's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
