"""Organisations, the people who sign in, invitations, API keys and the audit log."""

import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

# The words live in portal.vocabulary; re-exported for older callers.
from portal.vocabulary import ROLES as ROLES
from portal.vocabulary import SCOPES as SCOPES

# Share codes avoid look-alike characters (0/O, 1/I/L) so they can be read out and typed.
SHARE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHARE_CODE_LENGTH = 12  # about 59 bits: not guessable, still short enough to type


def new_share_code() -> str:
    return "".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(SHARE_CODE_LENGTH))


class Organisation(db.Model):
    """A company hiring a CPO. `share_code` is its invitation to candidates: whoever has it (in a
    share link or typed) may share their profile with the organisation."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    share_code: Mapped[str] = mapped_column(String(16), unique=True, default=new_share_code)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(UserMixin, db.Model):
    """Someone who signs in. Emails are stored lower-cased, so uniqueness ignores case."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('recruiter', 'candidate', 'admin', 'interviewer')", name="role_known"
        ),
        CheckConstraint(
            "role = 'candidate' OR organisation_id IS NOT NULL", name="staff_in_organisation"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Part of the session identity: bumping it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_staff(self) -> bool:
        """Recruiters and admins: everything of their organisation."""
        return self.role in ("recruiter", "admin")

    @property
    def is_interviewer(self) -> bool:
        """Staff who see only the interviews assigned to them."""
        return self.role == "interviewer"


class Invitation(db.Model):
    """A one-time, expiring link for a colleague to join an organisation as a recruiter or an
    interviewer."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("role IN ('recruiter', 'interviewer')", name="role_invitable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), default="recruiter", server_default="recruiter")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User] = relationship()


class ApiKey(db.Model):
    """An integration's credential: shown once, stored as a hash, limited to its scopes."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @hybrid_property
    def active(self) -> bool:
        """Not revoked; in a query, the same condition in SQL."""
        return self.revoked_at is None

    @active.inplace.expression
    @classmethod
    def _active_expression(cls):
        return cls.revoked_at.is_(None)


class AuditEvent(db.Model):
    """Who did what, when and from where: sign-ins, key changes and refusals."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_organisation_occurred", "organisation_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # The email typed at a failed sign-in, a key's prefix...: what identifies the subject.
    subject: Mapped[str] = mapped_column(String(254), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()
    api_key: Mapped[ApiKey | None] = relationship()
