"""Optimistic concurrency: a write that lost a race to another writer is refused, not lost."""

from collections.abc import Callable
from functools import wraps

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.services.errors import StaleWrite


def refuses_lost_race(message: str) -> Callable:
    """Turn SQLAlchemy's version-counter conflict, raised at any flush, into StaleWrite."""

    def decorator(write: Callable) -> Callable:
        @wraps(write)
        def guarded(session: Session, *args, **kwargs):
            try:
                return write(session, *args, **kwargs)
            except StaleDataError:
                session.rollback()
                raise StaleWrite(message) from None

        return guarded

    return decorator
