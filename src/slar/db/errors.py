"""Recognising "the database is not there" as opposed to a bug."""

from __future__ import annotations

from sqlalchemy import exc


def is_unavailable(error: BaseException) -> bool:
    """True when ``error`` means the database cannot be reached or the pool is exhausted.

    Such failures become 503 with ``Retry-After`` at the edges (senders retry 5xx, not 4xx).
    """
    if isinstance(error, exc.TimeoutError):  # pool exhausted: shed load
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, exc.OperationalError):
            text = str(error.orig).lower() if error.orig is not None else ""
            return not ("no such table" in text or "syntax error" in text)
        if isinstance(error, exc.InterfaceError):
            return True
    return False
