"""runbooks (with full-text search) and assistant conversations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

The full-text index is raw DDL, different per database, and has no model (see
``slar.domain.runbooks.models.is_search_object``):

* SQLite: ``runbooks_fts``, an FTS5 table with external content ``runbooks`` (porter
  stemming over unicode61), kept in sync by three triggers. A later migration that rebuilds
  ``runbooks`` in batch mode (copy and rename) must recreate the triggers.
* PostgreSQL: ``runbooks.search_vector``, a generated ``tsvector`` (title weight A, body
  weight B, ``english``), with the GIN index ``ix_runbooks_search_vector``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import slar.db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE runbooks_fts USING fts5("
    "title, body, content='runbooks', content_rowid='id',"
    " tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER runbooks_fts_insert AFTER INSERT ON runbooks BEGIN"
    " INSERT INTO runbooks_fts(rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END",
    "CREATE TRIGGER runbooks_fts_delete AFTER DELETE ON runbooks BEGIN"
    " INSERT INTO runbooks_fts(runbooks_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " END",
    "CREATE TRIGGER runbooks_fts_update AFTER UPDATE OF title, body ON runbooks BEGIN"
    " INSERT INTO runbooks_fts(runbooks_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " INSERT INTO runbooks_fts(rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END",
    "INSERT INTO runbooks_fts(runbooks_fts) VALUES ('rebuild')",
]

POSTGRESQL_SEARCH = [
    "ALTER TABLE runbooks ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX ix_runbooks_search_vector ON runbooks USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "runbooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_runbooks_team_id_teams"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_runbooks_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runbooks")),
        sa.UniqueConstraint("title", name=op.f("uq_runbooks_title")),
    )
    with op.batch_alter_table("runbooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runbooks_team_id"), ["team_id"], unique=False)

    op.create_table(
        "runbook_services",
        sa.Column("runbook_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["runbook_id"],
            ["runbooks.id"],
            name=op.f("fk_runbook_services_runbook_id_runbooks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_runbook_services_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("runbook_id", "service_id", name=op.f("pk_runbook_services")),
    )
    with op.batch_alter_table("runbook_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_runbook_services_service_id"), ["service_id"], unique=False
        )

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tokens_in", sa.BigInteger(), nullable=False),
        sa.Column("tokens_out", sa.BigInteger(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("content_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "tokens_in >= 0 AND tokens_out >= 0", name=op.f("ck_conversations_tokens")
        ),
        sa.CheckConstraint(
            "message_count >= 0 AND content_bytes >= 0", name=op.f("ck_conversations_counts")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_conversations_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_conversations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversations_user_updated", ["user_id", "updated_at"], unique=False
        )

    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("content", slar.db.base.JSONType(), nullable=False),
        sa.Column("created_at", slar.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('user', 'assistant', 'tool')", name=op.f("ck_conversation_messages_role")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
        sa.UniqueConstraint(
            "conversation_id",
            "position",
            name=op.f("uq_conversation_messages_conversation_id_position"),
        ),
    )

    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_SEARCH if dialect == "postgresql" else SQLITE_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("runbooks_fts_update", "runbooks_fts_delete", "runbooks_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS runbooks_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_runbooks_search_vector")

    op.drop_table("conversation_messages")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_user_updated")
    op.drop_table("conversations")
    with op.batch_alter_table("runbook_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runbook_services_service_id"))
    op.drop_table("runbook_services")
    with op.batch_alter_table("runbooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runbooks_team_id"))
    op.drop_table("runbooks")
