"""Pure escalation logic: the policy snapshot taken at trigger time, and the next step.

Values in, values out: no database, no clock. The engine persists the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # user | schedule | team
    id: int


@dataclass(frozen=True, slots=True)
class Level:
    delay_minutes: int
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class PolicySnapshot:
    """The policy as it was when the incident triggered (later edits do not change it)."""

    policy_id: int
    name: str
    repeat_count: int
    levels: tuple[Level, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "name": self.name,
            "repeat_count": self.repeat_count,
            "levels": [
                {
                    "delay_minutes": level.delay_minutes,
                    "targets": [{"kind": t.kind, "id": t.id} for t in level.targets],
                }
                for level in self.levels
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PolicySnapshot:
        return cls(
            policy_id=int(data["policy_id"]),
            name=str(data.get("name", "")),
            repeat_count=int(data.get("repeat_count", 0)),
            levels=tuple(
                Level(
                    delay_minutes=int(level["delay_minutes"]),
                    targets=tuple(Target(str(t["kind"]), int(t["id"])) for t in level["targets"]),
                )
                for level in data.get("levels", [])
            ),
        )


@dataclass(frozen=True, slots=True)
class Position:
    """Where an incident is in its policy: ``level`` (0-based) of pass ``loop`` (0-based)."""

    level: int
    loop: int


@dataclass(frozen=True, slots=True)
class Next:
    """What follows a level that just fired: the next position and when, or exhaustion."""

    position: Position | None
    due_at: datetime | None


def after(policy: PolicySnapshot, fired: Position, fired_at: datetime) -> Next:
    """The step after ``fired``: the next level after its delay; after the last level, the
    first level again while passes remain (``repeat_count`` extra passes); else nothing."""
    if not policy.levels:
        return Next(None, None)
    delay = timedelta(minutes=policy.levels[fired.level].delay_minutes)
    if fired.level + 1 < len(policy.levels):
        return Next(Position(fired.level + 1, fired.loop), fired_at + delay)
    if fired.loop < policy.repeat_count:
        return Next(Position(0, fired.loop + 1), fired_at + delay)
    return Next(None, None)


def jump(policy: PolicySnapshot, current: Position) -> Position | None:
    """The level after ``current`` (wrapping into the next pass), or None when ``current`` is
    the last level of the last pass."""
    if current.level + 1 < len(policy.levels):
        return Position(current.level + 1, current.loop)
    if current.loop < policy.repeat_count:
        return Position(0, current.loop + 1)
    return None


def manual_target(
    policy: PolicySnapshot, pending: Position, due_at: datetime | None, now: datetime
) -> Position | None:
    """The level a manual escalation pages now, given the incident's ``pending`` position and
    when it is due (``None``: nothing is pending, the policy is exhausted).

    A level still waiting for its delay is the next one: it is paged early. A level whose time
    has come is already paging (or has paged), so the one after it is next; None when there
    is none."""
    if due_at is not None and due_at > now:
        return pending
    return jump(policy, pending)
