"""The hand-written iCalendar text: CRLF, folding at 75 octets, escaping, UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from slar.domain.schedules.ical import CalendarEvent, escape_text, fold, render_calendar

STAMP = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_a_calendar_with_one_event() -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
    text = render_calendar(
        name="Primary, EU; night",
        events=[
            CalendarEvent(
                uid="shift-1-2-20260302T140000Z@slar",
                start=start,
                end=start + timedelta(hours=23),
                summary="On call: Ada",
                description="line one\nline two",
            )
        ],
        stamp=STAMP,
    )
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert "X-WR-CALNAME:Primary\\, EU\\; night" in lines
    event = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT") + 1]
    assert "DTSTART:20260302T140000Z" in event  # 09:00 at -05:00, in UTC
    assert "DTEND:20260303T130000Z" in event
    assert "DTSTAMP:20260302T090000Z" in event
    assert "UID:shift-1-2-20260302T140000Z@slar" in event
    assert "DESCRIPTION:line one\\nline two" in event


def test_escaping() -> None:
    assert escape_text("a\\b;c,d\r\ne\x07") == "a\\\\b\\;c\\,d\\ne"


@given(st.text(min_size=0, max_size=400))
def test_folded_lines_are_at_most_75_octets_and_unfold_to_the_original(value: str) -> None:
    line = "SUMMARY:" + escape_text(value)
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line


def test_multibyte_characters_are_never_split() -> None:
    line = "SUMMARY:" + "é" * 100
    for piece in fold(line).split("\r\n"):
        piece.encode().decode()  # would raise on a split character
        assert len(piece.encode()) <= 75
