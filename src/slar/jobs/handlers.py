"""What a job handler is, and how it asks for work outside the database transaction.

A handler runs inside ONE transaction that the runner commits together with deleting the job,
so its database effects happen exactly once. Network I/O (SMTP, HTTP, SMS) must not hold that
transaction open: the handler returns ``OutsideWork`` instead, and the runner commits, calls
``run()`` with no transaction open, then stores the outcome in a second transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class OutsideWork:
    """I/O to do after the handler's transaction commits.

    ``run`` does the I/O only (no database access). ``record`` stores its result in a second
    transaction, in which the job is completed. When ``run`` raises, ``on_error`` (if any) runs
    in that second transaction instead and the job is retried with backoff (or becomes dead).
    """

    run: Callable[[], object]
    record: Callable[[Session, object, datetime], None]
    on_error: Callable[[Session, Exception, datetime], object] | None = None  # result unused


class Handler(Protocol):
    """Does the work of one job kind; see the module docstring for the transaction rules."""

    def __call__(
        self, session: Session, payload: dict[str, Any], now: datetime
    ) -> OutsideWork | None: ...


HandlerRegistry = Mapping[str, Handler]


class PermanentFailure(Exception):
    """Retrying cannot help (the payload is invalid, the target is gone): the job dies now."""
