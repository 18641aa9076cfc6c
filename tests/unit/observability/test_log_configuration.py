"""What ``configure_logging`` (run by every ``slar`` command) writes: one JSON object per line,
without uvicorn's terminal-coloured duplicate of the message, and without httpx's line per
request (the web and AI edges call the API for every page and tool; the API logs those itself)
unless LOG_LEVEL is DEBUG."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from slar.observability.logs import configure_logging

NAMES = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in NAMES}
    yield
    for name, (handlers, level) in saved.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).setLevel(level)


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_uvicorns_coloured_copy_is_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    for name in ("uvicorn", "uvicorn.error"):  # other tests' servers may have raised them
        logging.getLogger(name).setLevel(logging.INFO)
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]", 42, extra={"color_message": "Started \x1b[36m%d\x1b[0m"}
    )
    [line] = _lines(capsys.readouterr().err)
    assert line["message"] == "Started server process [42]"
    assert "color_message" not in line


def test_httpx_request_lines_only_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("httpx").info('HTTP Request: GET http://api/me "HTTP/1.1 200 OK"')
    logging.getLogger("httpx").warning("retrying")
    assert [line["message"] for line in _lines(capsys.readouterr().err)] == ["retrying"]

    configure_logging("DEBUG", "json")
    logging.getLogger("httpx").info('HTTP Request: GET http://api/me "HTTP/1.1 200 OK"')
    assert len(_lines(capsys.readouterr().err)) == 1
