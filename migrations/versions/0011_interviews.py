"""Interviews: the interviewer role, interview plans, evaluations and their ratings, and the
framework's suggested interview questions

Revision ID: 0011_interviews
Revises: 0010_signup_requests
Create Date: 2026-11-27 17:25:45.321420

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_interviews"
down_revision = "0010_signup_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "competency_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_competency_questions_competency_id_competencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competency_questions")),
        sa.UniqueConstraint(
            "competency_id", "position", name=op.f("uq_competency_questions_competency_id_position")
        ),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("scorecard_version", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("recommendation", sa.String(length=12), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "recommendation IS NULL OR recommendation IN ('strong_no', 'no', 'mixed', 'yes', 'strong_yes')",
            name=op.f("ck_evaluations_recommendation_known"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'superseded')",
            name=op.f("ck_evaluations_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_evaluations_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["users.id"],
            name=op.f("fk_evaluations_interviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_evaluations_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_evaluations_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_evaluations_submitted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_key_id"],
            ["api_keys.id"],
            name=op.f("fk_evaluations_submitted_by_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluations_supersedes_id_evaluations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_evaluations_supersedes_id")),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evaluations_organisation_candidate",
            ["organisation_id", "candidate_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_evaluations_scorecard_candidate", ["scorecard_id", "candidate_id"], unique=False
        )
        batch_op.create_index(
            "uq_evaluations_one_draft",
            ["scorecard_id", "candidate_id", "interviewer_id"],
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )
        batch_op.create_index(
            "uq_evaluations_one_submitted",
            ["scorecard_id", "candidate_id", "interviewer_id"],
            unique=True,
            sqlite_where=sa.text("status = 'submitted'"),
            postgresql_where=sa.text("status = 'submitted'"),
        )

    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("interviewer_id", sa.Integer(), nullable=False),
        sa.Column("focus", sa.JSON(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_interviews_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_interviews_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["users.id"],
            name=op.f("fk_interviews_interviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_interviews_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_interviews_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
        sa.UniqueConstraint(
            "scorecard_id",
            "candidate_id",
            "interviewer_id",
            name=op.f("uq_interviews_scorecard_id_candidate_id_interviewer_id"),
        ),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index("ix_interviews_candidate", ["candidate_id"], unique=False)
        batch_op.create_index(
            "ix_interviews_interviewer", ["interviewer_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_interviews_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "evaluation_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 5",
            name=op.f("ck_evaluation_ratings_rating_range"),
        ),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_evaluation_ratings_competency_id_competencies"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_ratings_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_ratings")),
        sa.UniqueConstraint(
            "evaluation_id",
            "competency_id",
            name=op.f("uq_evaluation_ratings_evaluation_id_competency_id"),
        ),
    )
    with op.batch_alter_table("evaluation_ratings", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_ratings_competency", ["competency_id"], unique=False)

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=20), server_default="recruiter", nullable=False)
        )
        batch_op.create_check_constraint("role_invitable", "role IN ('recruiter', 'interviewer')")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint(
            "role_known", "role IN ('recruiter', 'candidate', 'admin', 'interviewer')"
        )


def downgrade():
    interviewers = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM users WHERE role = 'interviewer'")
    )
    if interviewers:
        # The older schema has no interviewer role, and making them recruiters would widen
        # what they can see: remove (or re-role) them by hand first.
        raise RuntimeError(
            f"{interviewers} interviewer accounts exist; remove them before downgrading."
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint(
            "role_known", "role IN ('recruiter', 'candidate', 'admin')"
        )

    op.execute("DELETE FROM invitations WHERE role = 'interviewer'")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_invitations_role_invitable"), type_="check")
        batch_op.drop_column("role")

    with op.batch_alter_table("evaluation_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_ratings_competency")

    op.drop_table("evaluation_ratings")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interviews_organisation_id"))
        batch_op.drop_index("ix_interviews_interviewer")
        batch_op.drop_index("ix_interviews_candidate")

    op.drop_table("interviews")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_evaluations_one_submitted",
            sqlite_where=sa.text("status = 'submitted'"),
            postgresql_where=sa.text("status = 'submitted'"),
        )
        batch_op.drop_index(
            "uq_evaluations_one_draft",
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )
        batch_op.drop_index("ix_evaluations_scorecard_candidate")
        batch_op.drop_index("ix_evaluations_organisation_candidate")

    op.drop_table("evaluations")
    op.drop_table("competency_questions")
