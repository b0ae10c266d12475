"""registration lifecycle: changes requested, withdrawal, waiting list, captain links

Revision ID: 0002
Revises: 0004
Create Date: 2026-12-06 06:00:00

Existing teams keep their status; their captain links start at version 1. The partial unique indexes
now cover every live team (waiting or holding a slot), so a waitlisted team blocks a duplicate too.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('pending', 'confirmed', 'rejected')"
NEW_STATUSES = (
    "status IN ('pending', 'confirmed', 'rejected', 'changes_requested', 'withdrawn', 'waitlisted')"
)
OLD_LIVE = "status IN ('pending', 'confirmed')"
NEW_LIVE = "status IN ('pending', 'confirmed', 'changes_requested', 'waitlisted')"
UNIQUE_INDEXES = (
    ("uq_teams_active_name_per_church", ["church_id", "name_key"]),
    ("uq_teams_active_captain_email", ["captain_email"]),
)


def _unique_indexes(predicate: str) -> None:
    for name, columns in UNIQUE_INDEXES:
        op.drop_index(name, table_name="teams")
        op.create_index(name, "teams", columns, unique=True, postgresql_where=sa.text(predicate))


def upgrade() -> None:
    timestamp = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)
    op.add_column("teams", sa.Column("review_items", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("teams", sa.Column("review_deadline", timestamp, nullable=True))
    op.add_column("teams", sa.Column("waitlisted_at", timestamp, nullable=True))
    op.add_column(
        "teams",
        sa.Column("captain_link_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column("documents", sa.Column("replaced_at", timestamp, nullable=True))
    # "changes_requested" is 17 characters.
    op.alter_column("teams", "status", type_=sa.String(length=20), existing_nullable=False)
    op.drop_constraint(op.f("ck_teams_status"), "teams", type_="check")
    op.create_check_constraint(op.f("ck_teams_status"), "teams", NEW_STATUSES)
    _unique_indexes(NEW_LIVE)
    op.create_index(
        "ix_teams_review_deadline",
        "teams",
        ["review_deadline"],
        unique=False,
        postgresql_where=sa.text("status = 'changes_requested'"),
    )
    op.create_index(op.f("ix_documents_sha256"), "documents", ["sha256"], unique=False)


def downgrade() -> None:
    # The statuses the old schema does not know become `rejected` (they hold no slot either way,
    # except changes_requested, which goes back to pending review).
    op.execute("UPDATE teams SET status = 'pending' WHERE status = 'changes_requested'")
    op.execute("UPDATE teams SET status = 'rejected' WHERE status IN ('withdrawn', 'waitlisted')")
    op.drop_index(op.f("ix_documents_sha256"), table_name="documents")
    op.drop_index("ix_teams_review_deadline", table_name="teams")
    _unique_indexes(OLD_LIVE)
    op.drop_constraint(op.f("ck_teams_status"), "teams", type_="check")
    op.create_check_constraint(op.f("ck_teams_status"), "teams", OLD_STATUSES)
    op.alter_column("teams", "status", type_=sa.String(length=16), existing_nullable=False)
    op.drop_column("documents", "replaced_at")
    op.drop_column("teams", "captain_link_version")
    op.drop_column("teams", "waitlisted_at")
    op.drop_column("teams", "review_deadline")
    op.drop_column("teams", "review_items")
