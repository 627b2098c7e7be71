"""Incremental sync: what changed since a moment, and what was deleted.

An integration polls a list with `updated_since`, the latest `updated_at` it has seen. The list
then holds only the rows changed at or after that instant, oldest change first, ties by id.
`>=` rather than `>`: a row written in the same instant as the last one seen is never missed;
the price is that the rows of that instant come again, which a client applying changes by id
does not notice.

Deletions leave tombstones (`Deletion`: organisation, kind, id, deleted_at) written in the same
transaction as the delete, one for each organisation that could see the object: the owner of a
deleted candidate or scorecard, and each organisation a self-registered candidate withdraws
their profile from. Tombstones are kept (they are small), so a client that comes back after
months still learns of every deletion since its last poll.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from portal.models import Deletion
from portal.models.types import utcnow
from portal.services.access import Actor
from portal.services.errors import Forbidden
from portal.services.pagination import Page, paginate

# Which tombstones a caller sees: those of the kinds it may read.
KIND_SCOPES = {"candidate": "candidates:read", "scorecard": "scorecards:read"}


def changed_since(
    statement: Select,
    since: datetime | None,
    changed_at: ColumnElement,
    *ids: ColumnElement,
    changed: Callable[[datetime], ColumnElement[bool]] | None = None,
) -> Select:
    """`statement` limited to the rows changed at or after `since`, ordered by `changed_at`,
    then `ids`. `changed(since)` may give an equivalent condition that an index serves
    better than `changed_at >= since`. Without `since`, `statement` is unchanged (the list keeps
    its own order)."""
    if since is None:
        return statement
    condition = changed(since) if changed is not None else changed_at >= since
    return statement.where(condition).order_by(None).order_by(changed_at, *ids)


# --- tombstones --------------------------------------------------------------------------------


def record_deletion(
    session: Session, organisation_ids: Iterable[int], kind: str, object_id: int
) -> None:
    """Tombstones of one deleted (or no longer shared) object, in the caller's transaction."""
    now = utcnow()
    for organisation_id in dict.fromkeys(organisation_ids):
        session.add(
            Deletion(
                organisation_id=organisation_id, kind=kind, object_id=object_id, deleted_at=now
            )
        )


def readable_kinds(actor: Actor, kind: str | None = None) -> list[str]:
    """The kinds of tombstones the caller may read (`kind`: only that one): those its scopes
    read; refused when that leaves none."""
    actor.require_organisation()
    if kind is not None:
        actor.require_scope(KIND_SCOPES[kind])
        return [kind]
    kinds = [name for name, scope in KIND_SCOPES.items() if scope in actor.scopes]
    if not kinds:
        raise Forbidden("This needs the candidates:read or the scorecards:read scope.")
    return kinds


_DELETION_ORDER = (Deletion.deleted_at, Deletion.object_id, Deletion.id)


def deletion_page(
    session: Session,
    actor: Actor,
    *,
    kind: str | None = None,
    since: datetime | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """The organisation's tombstones of the kinds the caller reads, oldest first (by
    `deleted_at`, then the object's id); with `since`, those at or after it."""
    kinds = readable_kinds(actor, kind)
    statement = (
        select(Deletion)
        .where(Deletion.organisation_id == actor.organisation_id, Deletion.kind.in_(kinds))
        .order_by(*_DELETION_ORDER)
    )
    statement = changed_since(statement, since, *_DELETION_ORDER)
    return paginate(session, statement, page, page_size)


def tombstone(deletion: Deletion) -> dict:
    """A tombstone as the API shows it."""
    return {
        "kind": deletion.kind,
        "id": deletion.object_id,
        "deleted_at": deletion.deleted_at.isoformat(),
    }
