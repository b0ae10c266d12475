"""admin token version: password, role and active changes revoke earlier tokens

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-06 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing accounts start at version 0, which tokens issued before this revision also mean
    # (they carry no version): they stay valid until the account's next change.
    op.add_column(
        "admin_users", sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("admin_users", "token_version")
