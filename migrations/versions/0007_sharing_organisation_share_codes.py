"""Share codes: each organisation's unguessable invitation for candidates to share with it

Revision ID: 0007_share_codes
Revises: 0006_bulk_import
Create Date: 2026-12-02 10:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007_share_codes"
down_revision = "0006_bulk_import"
branch_labels = None
depends_on = None

# portal.models.accounts.SHARE_CODE_ALPHABET / _LENGTH when this migration was written
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12


def upgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(sa.Column("share_code", sa.String(length=16), nullable=True))
    connection = op.get_bind()
    organisations = sa.table("organisations", sa.column("id"), sa.column("share_code"))
    for (organisation_id,) in connection.execute(sa.select(organisations.c.id)).all():
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        connection.execute(
            organisations.update()
            .where(organisations.c.id == organisation_id)
            .values(share_code=code)
        )
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.alter_column("share_code", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_organisations_share_code"), ["share_code"])


def downgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_organisations_share_code"), type_="unique")
        batch_op.drop_column("share_code")
