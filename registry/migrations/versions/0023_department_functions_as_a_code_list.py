"""department functions as a code list

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 07:35:30.890544

部门职能 was free text: "公安局" where the element dictionary says "公安" made the county's
own population base look like a duplicate collector. Values the code list knows by a name
stem ("公安局" → 公安, "县市场监督管理局" → 市场监管) become that code. Anything else is left
as it was: it may be a function a county configured (DEPARTMENT_FUNCTIONS_EXTRA), which a
migration cannot see; the admin page offers the code list for it, and the service refuses
unknown values from now on.
"""

from alembic import op
import sqlalchemy as sa

import registry.db  # noqa: F401
from catalog_schemas.codes import DEPARTMENT_FUNCTIONS, LocalCodes

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    codes = LocalCodes()
    rows = bind.execute(
        sa.text("SELECT id, function FROM departments WHERE function IS NOT NULL")
    ).all()
    for department_id, function in rows:
        if function in DEPARTMENT_FUNCTIONS:
            continue
        code = codes.propose_function(function)
        if code is not None:
            bind.execute(
                sa.text("UPDATE departments SET function = :code WHERE id = :id"),
                {"code": code, "id": department_id},
            )


def downgrade() -> None:
    pass  # the codes are valid free text as well
