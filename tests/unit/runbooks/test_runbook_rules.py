"""Runbook rules: titles from markdown, bounds, and search text that can never be FTS5 syntax."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slar.domain.runbooks import rules
from slar.kernel.errors import InvalidInput, TooLarge


def test_title_is_the_first_level_one_heading_outside_code() -> None:
    content = "intro\n```sh\n# not a title: a shell comment\n```\n## Sub\n#  Disk full  ##\n# Later"
    assert rules.title_from_markdown("disk.md", content) == "Disk full"


def test_title_falls_back_to_the_file_name_without_md() -> None:
    assert rules.title_from_markdown("ops/Restart the API.md", "no heading\n#nospace") == (
        "Restart the API"
    )
    assert rules.title_from_markdown("C:\\docs\\failover.MARKDOWN", "") == "failover"
    assert rules.title_from_markdown("notes.txt", "#\n") == "notes.txt"


def test_titles_are_trimmed_and_bounded() -> None:
    assert rules.clean_title("  Disk \n full ") == "Disk full"
    with pytest.raises(InvalidInput) as blank:
        rules.clean_title("   ", field="files[2].title")
    assert blank.value.details["field"] == "files[2].title"
    with pytest.raises(InvalidInput):
        rules.clean_title("x" * (rules.TITLE_MAX + 1))


def test_body_bound_is_in_utf8_bytes_and_nul_is_refused() -> None:
    rules.check_body("é" * (rules.BODY_MAX_BYTES // 2))
    with pytest.raises(TooLarge) as large:
        rules.check_body("é" * (rules.BODY_MAX_BYTES // 2 + 1))
    assert large.value.code == "runbook.too_large"
    with pytest.raises(InvalidInput) as nul:
        rules.check_body("binary\x00file")
    assert nul.value.code == "runbook.invalid_body"


def test_web_search_grammar() -> None:
    parsed = rules.parse_query('disk "connection pool" or -replica cpu')
    assert parsed.alternatives == ((("disk",), ("connection", "pool")), (("cpu",),))
    assert parsed.excluded == (("replica",),)
    assert rules.fts5_query('disk "connection pool" or -replica cpu') == (
        '(("disk" AND "connection pool") OR ("cpu")) NOT ("replica")'
    )
    assert rules.fts5_query("-only -excluded") is None
    assert rules.fts5_query('!!! *** "" ()') is None
    assert rules.fts5_query("x-ray") == '("x" AND "ray")'  # a hyphen inside a word is no NOT


def test_the_wide_pass_wants_any_term() -> None:
    parsed = rules.parse_query("disk full -replica")
    assert parsed.widens
    assert rules.fts5_any_query(parsed) == '("disk" OR "full") NOT ("replica")'
    assert not rules.parse_query("disk").widens


def test_ranks_of_whole_matches_are_above_partial_ones() -> None:
    assert rules.tiered_rank(0.0, every_term=True) >= 1.0
    assert rules.tiered_rank(1e9, every_term=False) < 1.0
    assert rules.tiered_rank(2.0, every_term=True) > rules.tiered_rank(1.0, every_term=True)


@pytest.fixture(scope="module")
def fts5() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter')")
    connection.execute("INSERT INTO docs VALUES ('Disk full', 'free space on the volume')")
    return connection


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_a_valid_fts5_query(fts5: sqlite3.Connection, text: str) -> None:
    """Whatever is typed, FTS5 parses what we give it (no ``fts5: syntax error``)."""
    for match in (rules.fts5_query(text), rules.fts5_any_query(rules.parse_query(text))):
        if match and not rules.parse_query(text).empty:
            fts5.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (match,)).fetchall()


@given(
    st.lists(
        st.sampled_from(['"', "*", ":", "(", ")", "NEAR", "AND", "OR", "NOT", "^", "-", "+", "{"]),
        max_size=12,
    ).map(" ".join)
)
def test_fts5_operators_typed_by_a_user_are_words_or_nothing(
    fts5: sqlite3.Connection, text: str
) -> None:
    match = rules.fts5_query(text)
    if match is not None:
        fts5.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (match,)).fetchall()
