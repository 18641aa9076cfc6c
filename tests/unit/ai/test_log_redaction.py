"""Credentials in query strings never reach the logs (the chat socket takes ``?token=``)."""

from __future__ import annotations

import logging

from slar.observability.redact import REDACTED, RedactSecrets, redact


def test_credential_parameters_are_redacted_and_the_rest_is_kept() -> None:
    line = '127.0.0.1:5 - "WebSocket /ws/chat?token=eyJa.b-c_d" [accepted]'
    assert redact(line) == f'127.0.0.1:5 - "WebSocket /ws/chat?token={REDACTED}" [accepted]'
    assert redact("/x?q=disk&API_KEY=s3cr3t&limit=5") == f"/x?q=disk&API_KEY={REDACTED}&limit=5"
    assert redact("GET /runbooks/search?q=token+budget") == "GET /runbooks/search?q=token+budget"
    assert redact("no query at all") == "no query at all"


def test_the_filter_rewrites_the_formatted_message() -> None:
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", "/ws/chat?token=abc.def"),
        None,
    )
    assert RedactSecrets().filter(record) is True
    assert record.getMessage() == f'127.0.0.1:5 - "WebSocket /ws/chat?token={REDACTED}" [accepted]'
    assert "abc.def" not in repr(record.__dict__)
