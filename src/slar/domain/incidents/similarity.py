"""Pure scoring of how alike two incidents are: title words and shared labels.

Used to show a responder (or the AI assistant) earlier incidents of the same service that
looked like this one, with what was done about them. Cheap and explainable on purpose: the
Jaccard overlap of title words (stop words and bare numbers left out: ``web-01`` and
``web-02`` share ``web``) and of ``key=value`` labels. No SQLAlchemy: values in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

T = TypeVar("T")

TITLE_WEIGHT = 0.7
LABEL_WEIGHT = 0.3
WINDOW = 500
"""Recent incidents of the service that are scored (bounds the work per request)."""
LIMIT_MAX = 50

_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "was",
        "were",
        "with",
    ]
)


@dataclass(frozen=True, slots=True)
class IncidentFeatures:
    id: int
    title: str
    labels: Mapping[str, str]
    created_at: datetime


def title_words(title: str) -> frozenset[str]:
    words = (w.lower() for w in _WORD.findall(title))
    return frozenset(w for w in words if w not in STOP_WORDS and not w.isdigit())


def label_pairs(labels: Mapping[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((str(k), str(v)) for k, v in labels.items())


def jaccard(a: AbstractSet[T], b: AbstractSet[T]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def similarity(a: IncidentFeatures, b: IncidentFeatures) -> float:
    """0 (nothing in common) to 1 (same title words and labels). When neither incident has
    labels the score is the title overlap alone."""
    titles = jaccard(title_words(a.title), title_words(b.title))
    labels_a, labels_b = label_pairs(a.labels), label_pairs(b.labels)
    if not labels_a and not labels_b:
        return titles
    return TITLE_WEIGHT * titles + LABEL_WEIGHT * jaccard(labels_a, labels_b)


def most_similar(
    target: IncidentFeatures, candidates: Iterable[IncidentFeatures], *, limit: int
) -> Sequence[tuple[IncidentFeatures, float]]:
    """Up to ``limit`` candidates with something in common with ``target`` (itself excluded),
    most similar first; ties go to the more recent incident."""
    scored = [
        (c, score) for c in candidates if c.id != target.id and (score := similarity(target, c)) > 0
    ]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].created_at.timestamp(), -pair[0].id))
    return scored[:limit]
