"""document access records

Revision ID: 0004
Revises: 0005
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_access",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("accessed_at", UTC_TIME, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("document", sa.String(length=32), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("player_id", sa.String(length=40), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_access")),
    )
    op.create_index(op.f("ix_document_access_accessed_at"), "document_access", ["accessed_at"], unique=False)
    op.create_index(
        "ix_document_access_team_time", "document_access", ["team_id", "accessed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_document_access_team_time", table_name="document_access")
    op.drop_index(op.f("ix_document_access_accessed_at"), table_name="document_access")
    op.drop_table("document_access")
