"""Shared field helpers of the parsers: times, keys, stringifying, links, depth."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from slar.integrations._fields import (
    MAX_DEPTH,
    Errors,
    bounded_key,
    check_depth,
    compact_json,
    http_link,
    is_blank,
    parse_timestamp,
    stringify,
    truncate,
)
from slar.integrations.events import Link, PayloadInvalid


def nested_list(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-14T09:12:43Z", datetime(2024, 5, 14, 9, 12, 43, tzinfo=UTC)),
        ("2024-05-14T09:12:43.218345678Z", datetime(2024, 5, 14, 9, 12, 43, 218345, tzinfo=UTC)),
        ("2024-05-14T11:12:43+02:00", datetime(2024, 5, 14, 9, 12, 43, tzinfo=UTC)),
        ("2024-05-14t09:12:43z", datetime(2024, 5, 14, 9, 12, 43, tzinfo=UTC)),
        ("2024-05-14 09:12:43", datetime(2024, 5, 14, 9, 12, 43, tzinfo=UTC)),
        ("2024-05-14", datetime(2024, 5, 14, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
    ],
)
def test_iso_timestamps(text: str, expected: datetime | None) -> None:
    parsed = parse_timestamp(text, allow_epoch=False)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() is not None
        assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value", ["yesterday", "", "2024-13-01T00:00:00Z", "0001-01-01T00:00:00+01:00", [], {}, True]
)
def test_invalid_timestamps(value: object) -> None:
    with pytest.raises(ValueError, match=r".+"):
        parse_timestamp(value, allow_epoch=True)


def test_epoch_timestamps_in_seconds_and_milliseconds() -> None:
    expected = datetime(2024, 5, 14, 9, 12, 43, tzinfo=UTC)
    assert parse_timestamp(1715677963, allow_epoch=True) == expected
    assert parse_timestamp(1715677963000, allow_epoch=True) == expected
    assert parse_timestamp("1715677963000", allow_epoch=True) == expected
    assert parse_timestamp(1715677963.5, allow_epoch=True) == expected.replace(microsecond=500000)
    for bad in (float("nan"), float("inf"), -1, 10**30):
        with pytest.raises(ValueError, match=r".*"):
            parse_timestamp(bad, allow_epoch=True)
    with pytest.raises(ValueError, match="number"):
        parse_timestamp(1715677963, allow_epoch=False)


def test_bounded_key() -> None:
    assert bounded_key("k" * 255) == "k" * 255
    hashed = bounded_key("k" * 256)
    assert hashed.startswith("sha256:")
    assert len(hashed) == 71
    assert bounded_key("k" * 256) == hashed
    assert bounded_key("\ud800" * 300).startswith("sha256:")  # lone surrogates hash too


def test_truncate() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcd", 3) == "ab…"


def test_stringify_scalars_and_containers() -> None:
    assert stringify("x") == "x"
    assert stringify(None) == ""
    assert stringify(True) == "true"
    assert stringify(3) == "3"
    assert stringify(1.5) == "1.5"
    assert stringify(float("nan")) == "NaN"
    assert stringify({"a": [1, None, "é"]}) == '{"a":[1,null,"é"]}'
    assert stringify(("t",)) == '["t"]'
    assert stringify({1, 2}) == '"<set>"'
    assert stringify(10**5000) == '"<int>"'


def test_compact_json_matches_json_dumps_when_short() -> None:
    value = {"a": [1, 2.5, None, True, {"b": 'c\n"q"'}], "d": {}}
    assert compact_json(value, 1000) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_compact_json_is_bounded_on_deep_and_huge_values() -> None:
    deep = nested_list(100_000)
    text = compact_json(deep, 50)
    assert len(text) == 50
    assert text == "[" * 49 + "…"
    huge = list(range(1_000_000))
    assert len(compact_json(huge, 1024)) == 1024


def test_check_depth_limit_is_exact() -> None:
    check_depth({"x": nested_list(MAX_DEPTH - 1)})
    with pytest.raises(PayloadInvalid) as caught:
        check_depth({"x": nested_list(MAX_DEPTH)})
    # Paths are named for the first levels; deeper ones report their ancestor.
    assert caught.value.errors == [f"x[0][0] is nested too deeply (more than {MAX_DEPTH} levels)"]


def test_check_depth_names_the_path_and_survives_extreme_depth() -> None:
    with pytest.raises(PayloadInvalid) as caught:
        check_depth({"payload": {"custom_details": {"trace": nested_list(10_000)}}})
    assert caught.value.errors == [
        f"payload.custom_details.trace is nested too deeply (more than {MAX_DEPTH} levels)"
    ]


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://example.com/a", Link("https://example.com/a", "t")),
        (" HTTP://example.com ", Link("HTTP://example.com", "t")),
        ("javascript:alert(1)", None),
        ("JavaScript://example.com/%0aalert(1)", None),
        ("data:text/html,x", None),
        ("/relative", None),
        ("https://", None),
        ("http:///path", None),
        ("", None),
        (None, None),
        (42, None),
        ("https://example.com/" + "a" * 3000, None),
    ],
)
def test_http_link(href: object, expected: Link | None) -> None:
    assert http_link(href, "t") == expected


def test_blank_and_placeholder() -> None:
    assert is_blank("  ")
    assert is_blank("$ALERT_CYCLE_KEY")
    assert not is_blank("$5 budget exceeded")
    assert not is_blank("x")


def test_errors_are_capped() -> None:
    errors = Errors()
    for index in range(25):
        errors.add(f"e{index}")
    with pytest.raises(PayloadInvalid) as caught:
        errors.raise_if_any()
    assert caught.value.errors[:2] == ["e0", "e1"]
    assert caught.value.errors[-1] == "and 5 more errors"
    assert len(caught.value.errors) == 21
    Errors().raise_if_any()  # nothing to raise
