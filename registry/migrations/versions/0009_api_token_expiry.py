"""api token expiry

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:45:00
"""

from alembic import op
import sqlalchemy as sa

from registry.db import UTCDateTime


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("expires_at")
