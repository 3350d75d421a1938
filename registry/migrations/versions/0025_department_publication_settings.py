"""department publication settings

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 16:00:00

What the catalog's feeds (CKAN, DCAT-AP) and exports say about a department's entries,
set by the department: licence, contact point and a landing-page pattern. All optional;
an unset value falls back to the catalog's defaults (services/publication.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import registry.db  # noqa: F401  (the column types the models use)

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

COLUMNS = (
    ("licence_id", 64),
    ("contact_name", 100),
    ("contact_email", 200),
    ("contact_phone", 50),
    ("landing_page", 500),
)


def upgrade() -> None:
    with op.batch_alter_table("departments") as batch:
        for name, length in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("departments") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
