"""Retry policy: exponential backoff with a little jitter, and when to give up.

Pure functions, so the schedule is easy to reason about and to test.
"""

from __future__ import annotations

import random
from collections.abc import Callable

JITTER_FRACTION = 0.1


def attempt_limit(job_max_attempts: int | None, max_retries: int) -> int:
    """How many times a job may run: its own ``max_attempts``, else one plus ``MAX_RETRIES``."""
    if job_max_attempts is not None:
        return max(1, job_max_attempts)
    return max_retries + 1


def retry_delay(
    attempts: int,
    *,
    base: float,
    maximum: float,
    jitter: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt.

    ``min(base * 2**(attempts-1), maximum)``, plus up to 10 % of that so that jobs which failed
    together (a mail server outage) do not all come back in the same instant.
    """
    exponent = max(0, attempts - 1)
    delay = maximum if exponent >= 64 else min(base * 2**exponent, maximum)
    return delay * (1 + JITTER_FRACTION * jitter())
