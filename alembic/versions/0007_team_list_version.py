"""team list version

`read_model_versions` holds one counter per read model. The review list's ("team_list") moves once
per committed transaction that changes a team, a player, a document or a church, so every instance
can check in one lookup whether the list it keeps is still current.

The bump is a deferred constraint trigger: it runs at commit, so the counter row is locked only from
the commit's start to its end and a writer never waits for it while holding other locks (no new
deadlock, no new serialisation of registrations). A transaction-local setting makes the first row
change do the update and the others skip it. TRUNCATE (tests, restores) bumps it too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("teams", "players", "documents", "churches")


def upgrade() -> None:
    op.create_table(
        "read_model_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_read_model_versions")),
    )
    op.execute("INSERT INTO read_model_versions (name) VALUES ('team_list')")
    op.execute(
        """
        CREATE FUNCTION bump_team_list_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('icct26.team_list_bumped', true) = 'on' THEN
                RETURN NULL;
            END IF;
            UPDATE read_model_versions SET version = version + 1 WHERE name = 'team_list';
            PERFORM set_config('icct26.team_list_bumped', 'on', true);
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER team_list_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_team_list_version()"
        )
        op.execute(
            f"CREATE TRIGGER team_list_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_team_list_version()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER team_list_truncated ON {table}")
        op.execute(f"DROP TRIGGER team_list_changed ON {table}")
    op.execute("DROP FUNCTION bump_team_list_version()")
    op.drop_table("read_model_versions")
