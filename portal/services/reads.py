"""Reads of plain columns on the hot paths: an API key, a revision, change times, a ranking."""

from typing import Any

from sqlalchemy import Executable, Result
from sqlalchemy.orm import Session


def column_rows(session: Session, statement: Executable, parameters: dict[str, Any]) -> Result:
    """Run a statement that selects columns, not objects, on the session's connection and in
    its transaction, skipping the ORM's work per statement (half of a one-row read's time on
    SQLite). Pending changes are flushed first, as `session.execute` would."""
    session.flush()
    return session.connection().execute(statement, parameters)
