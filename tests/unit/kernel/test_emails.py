"""E-mail syntax: private domains are accepted (self-hosted), garbage is refused with a reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slar.kernel.emails import normalise_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("admin@slar.local", "admin@slar.local"),
        (" Bob@Demo.SLAR.local ", "Bob@demo.slar.local"),
        ("a.b+tag@x-y.example.com", "a.b+tag@x-y.example.com"),
        ("oncall@localhost", "oncall@localhost"),
    ],
)
def test_valid_addresses_are_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("nope", "needs one '@'"),
        ("@example.com", "needs one '@'"),
        ("a b@example.com", "before the '@'"),
        ("a..b@example.com", "before the '@'"),
        ("a@-example.com", "not a domain name"),
        ("a@example..com", "not a domain name"),
    ],
)
def test_invalid_addresses_say_why(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalise_email(raw)


@given(st.text(max_size=80))
def test_any_text_is_normalised_or_refused(raw: str) -> None:
    try:
        result = normalise_email(raw)
    except ValueError:
        return
    assert result.count("@") >= 1
    assert normalise_email(result) == result
