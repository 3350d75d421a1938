"""review queue indexes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:15:00
"""

from alembic import op


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch_op:
        batch_op.create_index("ix_resources_status_updated", ["status", "updated_at"])
        batch_op.create_index(
            "ix_resources_status_provider", ["status", "provider_department_id", "updated_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch_op:
        batch_op.drop_index("ix_resources_status_provider")
        batch_op.drop_index("ix_resources_status_updated")
