"""Bulk import: failed rows as rows (import_failures), the updated count, an error summary

Revision ID: 0006_bulk_import
Revises: 0005_matching
Create Date: 2026-12-02 10:00:00

"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006_bulk_import"
down_revision = "0005_matching"
branch_labels = None
depends_on = None

PROBLEMS_MAX = 50  # portal.services.bulk_import.PROBLEMS_MAX when this migration was written


def upgrade():
    op.create_table(
        "import_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_jobs.id"],
            name=op.f("fk_import_failures_job_id_import_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_failures")),
        sa.UniqueConstraint("job_id", "position", name=op.f("uq_import_failures_job_id_position")),
    )
    with op.batch_alter_table("import_jobs") as batch_op:
        batch_op.add_column(sa.Column("updated", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("columns", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("problems", sa.JSON(), nullable=True))
    _move_failures_to_rows()
    with op.batch_alter_table("import_jobs") as batch_op:
        batch_op.alter_column("problems", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("failures")


def _move_failures_to_rows():
    """Each job's failures list becomes rows, and its distinct messages the summary."""
    connection = op.get_bind()
    jobs = sa.table(
        "import_jobs",
        sa.column("id", sa.Integer),
        sa.column("failures", sa.JSON),
        sa.column("problems", sa.JSON),
    )
    failures = sa.table(
        "import_failures",
        sa.column("job_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("ref", sa.String),
        sa.column("name", sa.String),
        sa.column("errors", sa.JSON),
        sa.column("cells", sa.JSON),
    )
    for job_id, listed in connection.execute(sa.select(jobs.c.id, jobs.c.failures)).all():
        listed = json.loads(listed) if isinstance(listed, str) else (listed or [])
        problems: dict[tuple[str, str], dict] = {}
        rows = []
        for position, failure in enumerate(listed, start=1):
            errors = failure.get("errors") or {}
            rows.append(
                {
                    "job_id": job_id,
                    "position": position,
                    "ref": str(failure.get("row", ""))[:255],
                    "name": str(failure.get("name", ""))[:200],
                    "errors": errors,
                    "cells": None,
                }
            )
            for field, messages in errors.items():
                for message in messages:
                    key = (field, message)
                    if key in problems:
                        problems[key]["rows"] += 1
                    elif len(problems) < PROBLEMS_MAX:
                        problems[key] = {
                            "field": field,
                            "message": message,
                            "rows": 1,
                            "first": str(failure.get("row", "")),
                        }
        if rows:
            connection.execute(sa.insert(failures), rows)
        connection.execute(
            sa.update(jobs).where(jobs.c.id == job_id).values(problems=list(problems.values()))
        )


def downgrade():
    with op.batch_alter_table("import_jobs") as batch_op:
        batch_op.add_column(sa.Column("failures", sa.JSON(), nullable=True))
    connection = op.get_bind()
    jobs = sa.table("import_jobs", sa.column("id", sa.Integer), sa.column("failures", sa.JSON))
    failures = sa.table(
        "import_failures",
        sa.column("job_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("ref", sa.String),
        sa.column("name", sa.String),
        sa.column("errors", sa.JSON),
    )
    listed: dict[int, list] = {}
    statement = sa.select(
        failures.c.job_id, failures.c.ref, failures.c.name, failures.c.errors
    ).order_by(failures.c.job_id, failures.c.position)
    for job_id, ref, name, errors in connection.execute(statement):
        errors = json.loads(errors) if isinstance(errors, str) else errors
        listed.setdefault(job_id, []).append(
            {"row": int(ref) if ref.isdigit() else ref, "name": name, "errors": errors}
        )
    for (job_id,) in connection.execute(sa.select(jobs.c.id)).all():
        connection.execute(
            sa.update(jobs).where(jobs.c.id == job_id).values(failures=listed.get(job_id, []))
        )
    with op.batch_alter_table("import_jobs") as batch_op:
        batch_op.alter_column("failures", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("problems")
        batch_op.drop_column("columns")
        batch_op.drop_column("updated")
    op.drop_table("import_failures")
