"""audit cause as text: a reason of any accepted length fits

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column(
            "cause", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column(
            "cause", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=True
        )
