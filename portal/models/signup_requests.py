"""Pending sign-ups: an account is created only once its email confirms the link mailed to it.
Only the SHA-256 hash of a token and the argon2 hash of the password are stored."""

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class SignupRequest(db.Model):
    """What someone typed on the sign-up form, waiting for the confirmation link. `used_at` is
    set when the link creates the account (or finds the address taken meanwhile)."""

    __tablename__ = "signup_requests"
    __table_args__ = (CheckConstraint("role IN ('recruiter', 'candidate')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    # A local path to land on once confirmed (a share link...); empty for the dashboard.
    next_path: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
