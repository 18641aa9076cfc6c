"""monitors: uptime checks, their results, heartbeat monitors; expected integration traffic

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import slar.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitor_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("http_method", sa.String(length=10), nullable=False),
        sa.Column("expected_status", sa.String(length=100), nullable=False),
        sa.Column("keyword", sa.String(length=1000), nullable=False),
        sa.Column("timeout_seconds", sa.Float(), nullable=False),
        sa.Column("follow_redirects", sa.Boolean(), nullable=False),
        sa.Column("verify_tls", sa.Boolean(), nullable=False),
        sa.Column("tls_expiry_days", sa.Integer(), nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("failure_threshold", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("next_run_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_checked_at", slar.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('http', 'tcp', 'dns')", name=op.f("ck_monitor_checks_kind")),
        sa.CheckConstraint(
            "state IN ('unknown', 'up', 'down')", name=op.f("ck_monitor_checks_state")
        ),
        sa.CheckConstraint("interval_seconds >= 30", name=op.f("ck_monitor_checks_interval")),
        sa.CheckConstraint("timeout_seconds > 0", name=op.f("ck_monitor_checks_timeout")),
        sa.CheckConstraint("failure_threshold >= 1", name=op.f("ck_monitor_checks_threshold")),
        sa.CheckConstraint("consecutive_failures >= 0", name=op.f("ck_monitor_checks_failures")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_monitor_checks_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_monitor_checks_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_checks")),
    )
    with op.batch_alter_table("monitor_checks", schema=None) as batch_op:
        batch_op.create_index("ix_monitor_checks_due", ["enabled", "next_run_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_monitor_checks_service_id"), ["service_id"], unique=False
        )

    op.create_table(
        "monitor_check_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("due_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lateness_ms", sa.Float(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("cert_expires_at", slar.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["monitor_checks.id"],
            name=op.f("fk_monitor_check_results_check_id_monitor_checks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_check_results")),
    )
    with op.batch_alter_table("monitor_check_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monitor_check_results_check", ["check_id", "started_at"], unique=False
        )
        batch_op.create_index("ix_monitor_check_results_started", ["started_at"], unique=False)

    op.create_table(
        "monitor_heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("grace_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("last_beat_at", slar.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_by", slar.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('new', 'up', 'down')", name=op.f("ck_monitor_heartbeats_state")
        ),
        sa.CheckConstraint("interval_seconds >= 30", name=op.f("ck_monitor_heartbeats_interval")),
        sa.CheckConstraint("grace_seconds >= 0", name=op.f("ck_monitor_heartbeats_grace")),
        sa.CheckConstraint("length(key) >= 32", name=op.f("ck_monitor_heartbeats_key_length")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_monitor_heartbeats_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_monitor_heartbeats_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_heartbeats")),
        sa.UniqueConstraint("key", name=op.f("uq_monitor_heartbeats_key")),
    )
    with op.batch_alter_table("monitor_heartbeats", schema=None) as batch_op:
        batch_op.create_index("ix_monitor_heartbeats_due", ["enabled", "due_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_monitor_heartbeats_service_id"), ["service_id"], unique=False
        )

    # A plain ADD/DROP COLUMN on both backends (SQLite >= 3.35): no batch table rebuild of
    # ``integrations``, whose rebuild would cascade-delete the alerts that reference it.
    op.add_column("integrations", sa.Column("expect_every_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("integrations", "expect_every_seconds")
    with op.batch_alter_table("monitor_heartbeats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitor_heartbeats_service_id"))
        batch_op.drop_index("ix_monitor_heartbeats_due")
    op.drop_table("monitor_heartbeats")
    with op.batch_alter_table("monitor_check_results", schema=None) as batch_op:
        batch_op.drop_index("ix_monitor_check_results_started")
        batch_op.drop_index("ix_monitor_check_results_check")
    op.drop_table("monitor_check_results")
    with op.batch_alter_table("monitor_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitor_checks_service_id"))
        batch_op.drop_index("ix_monitor_checks_due")
    op.drop_table("monitor_checks")
