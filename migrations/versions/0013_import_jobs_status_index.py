"""An index on import_jobs.status: the sweeps and /metrics find the unfinished jobs by it

Revision ID: 0013_import_jobs_status
Revises: 0012_integrations
Create Date: 2026-11-28 07:20:00

"""

from alembic import op

revision = "0013_import_jobs_status"
down_revision = "0012_integrations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_import_jobs_status", "import_jobs", ["status"])


def downgrade():
    op.drop_index("ix_import_jobs_status", table_name="import_jobs")
