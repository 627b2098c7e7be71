"""Idempotency keys: the first answer to a POST creation, kept so a retry gets it again."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class IdempotencyKey(db.Model):
    """One `Idempotency-Key` of one caller for one operation (e.g. `POST /api/v1/candidates`).

    Inserted as pending (`status` NULL) before the creation runs, so the unique constraint
    decides which of two concurrent retries does the work; completed with the 2xx answer.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("caller", "operation", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(40))  # "key:<api key id>" or "user:<user id>"
    operation: Mapped[str] = mapped_column(String(200))  # "POST /api/v1/scorecards"
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the request body
    status: Mapped[int | None] = mapped_column(SmallInteger)  # NULL while the request runs
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
