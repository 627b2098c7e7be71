"""Ranking rows: a level slot per competency, match_profiles and interview_levels

Revision ID: 0005_matching
Revises: 0004_candidates
Create Date: 2026-11-27 14:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_matching"
down_revision = "0004_candidates"
branch_labels = None
depends_on = None

SLOTS = 24  # portal.models.matching.SLOTS when this migration was written


def _level_columns():
    return [sa.Column(f"l{slot}", sa.SmallInteger(), nullable=True) for slot in range(1, SLOTS + 1)]


def upgrade():
    with op.batch_alter_table("competencies") as batch_op:
        batch_op.add_column(sa.Column("slot", sa.Integer(), nullable=True))
    # Existing competencies take slots in id order, as the loader would have given them.
    op.execute(
        "UPDATE competencies SET slot = "
        "(SELECT COUNT(*) FROM competencies AS earlier WHERE earlier.id <= competencies.id)"
    )
    with op.batch_alter_table("competencies") as batch_op:
        batch_op.alter_column("slot", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_competencies_slot"), ["slot"])

    op.create_table(
        "match_profiles",
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("years_product", sa.Integer(), nullable=False),
        sa.Column("years_leadership", sa.Integer(), nullable=False),
        sa.Column("education", sa.SmallInteger(), nullable=False),
        *_level_columns(),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_match_profiles_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_match_profiles_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_match_profiles")),
    )
    op.create_index("ix_match_profiles_organisation", "match_profiles", ["organisation_id"])
    op.create_table(
        "interview_levels",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        *_level_columns(),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_interview_levels_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_interview_levels_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "candidate_id", name=op.f("pk_interview_levels")
        ),
    )
    op.create_index(op.f("ix_interview_levels_candidate_id"), "interview_levels", ["candidate_id"])
    _backfill_match_profiles()


def _backfill_match_profiles():
    """One row per existing candidate, from its profile and self-assessments (levels in tenths;
    self-assessed levels are whole numbers, so no rounding tie can occur)."""
    levels = ", ".join(
        f"MAX(CASE WHEN c.slot = {slot} THEN CAST(ROUND(a.level * 10) AS INTEGER) END)"
        for slot in range(1, SLOTS + 1)
    )
    names = ", ".join(f"l{slot}" for slot in range(1, SLOTS + 1))
    op.execute(
        f"INSERT INTO match_profiles (candidate_id, organisation_id, years_product, "  # noqa: S608
        f"years_leadership, education, {names}) "
        "SELECT cand.id, cand.organisation_id, "
        "CAST(ROUND(cand.years_product * 10) AS INTEGER), "
        "CAST(ROUND(cand.years_leadership * 10) AS INTEGER), "
        "CASE cand.education WHEN 'bachelor' THEN 1 WHEN 'master' THEN 2 "
        "WHEN 'doctorate' THEN 3 ELSE 0 END, "
        f"{levels} "
        "FROM candidates AS cand "
        "LEFT JOIN assessments AS a ON a.candidate_id = cand.id AND a.source = 'self' "
        "LEFT JOIN competencies AS c ON c.id = a.competency_id "
        "GROUP BY cand.id, cand.organisation_id, cand.years_product, cand.years_leadership, "
        "cand.education"
    )


def downgrade():
    op.drop_index(op.f("ix_interview_levels_candidate_id"), table_name="interview_levels")
    op.drop_table("interview_levels")
    op.drop_index("ix_match_profiles_organisation", table_name="match_profiles")
    op.drop_table("match_profiles")
    with op.batch_alter_table("competencies") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_competencies_slot"), type_="unique")
        batch_op.drop_column("slot")
