"""fixtures and net run rate: knockout places fed by earlier matches, overs per innings, balls faced

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-06 06:00:00

Existing matches keep working: their teams stay set, they get the default quota of 20 overs, and their
innings have no overs recorded (net run rate unknown until overs are entered).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.alter_column("matches", "team1_pk", existing_type=ID, nullable=True)
    op.alter_column("matches", "team2_pk", existing_type=ID, nullable=True)
    op.add_column("matches", sa.Column("team1_from_pk", ID, nullable=True))
    op.add_column("matches", sa.Column("team2_from_pk", ID, nullable=True))
    op.add_column(
        "matches", sa.Column("overs_per_innings", sa.Integer(), server_default=sa.text("20"), nullable=False)
    )
    op.add_column("matches", sa.Column("team1_balls", sa.Integer(), nullable=True))
    op.add_column("matches", sa.Column("team2_balls", sa.Integer(), nullable=True))
    for place in ("team1_from_pk", "team2_from_pk"):
        op.create_foreign_key(
            op.f(f"fk_matches_{place}_matches"), "matches", "matches", [place], ["id"], ondelete="SET NULL"
        )
        op.create_index(op.f(f"ix_matches_{place}"), "matches", [place], unique=False)
    op.create_check_constraint(
        op.f("ck_matches_overs_per_innings"), "matches", "overs_per_innings BETWEEN 1 AND 50"
    )


def downgrade() -> None:
    # The old schema needs both teams: knockout matches still waiting for a winner cannot be kept.
    op.execute("DELETE FROM matches WHERE team1_pk IS NULL OR team2_pk IS NULL")
    op.drop_constraint(op.f("ck_matches_overs_per_innings"), "matches", type_="check")
    for place in ("team1_from_pk", "team2_from_pk"):
        op.drop_index(op.f(f"ix_matches_{place}"), table_name="matches")
        op.drop_constraint(op.f(f"fk_matches_{place}_matches"), "matches", type_="foreignkey")
    op.drop_column("matches", "team2_balls")
    op.drop_column("matches", "team1_balls")
    op.drop_column("matches", "overs_per_innings")
    op.drop_column("matches", "team2_from_pk")
    op.drop_column("matches", "team1_from_pk")
    op.alter_column("matches", "team2_pk", existing_type=ID, nullable=False)
    op.alter_column("matches", "team1_pk", existing_type=ID, nullable=False)
