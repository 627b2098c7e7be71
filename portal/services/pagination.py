"""One page of a SQL query, counted in SQL."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return (self.total + self.page_size - 1) // self.page_size

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, statement: Select, page: int, page_size: int) -> Page:
    """Run `statement` for one page; `statement` must already be ordered."""
    total = (
        session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    )
    offset = (page - 1) * page_size
    # Past the end there is nothing to fetch (and a huge offset would overflow the database).
    items = (
        session.scalars(statement.limit(page_size).offset(offset)).all() if offset < total else []
    )
    return Page(items=list(items), total=total, page=page, page_size=page_size)
