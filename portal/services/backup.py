"""Export and import of an installation's data as one JSON document: the backup, and the way
from SQLite to PostgreSQL (or back).

The document is written one line per row, so both directions stream in constant memory, and it
is still plain JSON that any tool can read:

    {"format": "cpo-readiness-portal-export", "version": 1, "schema": "<migration>", "tables": [
    {"table": "organisations", "columns": ["id", ...], "rows": [
    [1, "acme", ...],
    [2, "globex", ...]
    ]},
    ...
    ], "sha256": "<digest of every line above this one>"}

Tables come in foreign-key order and rows in primary-key order, so an export imported into an
empty database and exported again gives the same bytes. An import checks the whole file (its
layout, every row, the digest, the schema version) before it writes anything, then writes every
row in one transaction.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from alembic.migration import MigrationContext
from sqlalchemy import (
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.services.errors import DomainError

FORMAT = "cpo-readiness-portal-export"
VERSION = 1
BATCH = 1000


class ImportRefused(DomainError):
    """The file cannot be imported here; nothing was written."""

    status = 422


@dataclass(frozen=True)
class Report:
    tables: int
    rows: int


def tables() -> list[Table]:
    """Every table the portal owns, parents before children."""
    return list(db.metadata.sorted_tables)


def schema_revision(session: Session) -> str | None:
    return MigrationContext.configure(session.connection()).get_current_revision()


# --- values ------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):  # a stored upload of an unfinished import
        return base64.b64encode(value).decode("ascii")
    return value


def _decoder(column) -> Any:
    if isinstance(column.type, DateTime) or isinstance(
        getattr(column.type, "impl", None), DateTime
    ):
        return lambda value: None if value is None else datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return lambda value: None if value is None else date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return lambda value: None if value is None else base64.b64decode(value, validate=True)
    if isinstance(column.type, Float):
        return lambda value: None if value is None else float(value)
    return lambda value: value


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


# --- export ------------------------------------------------------------------------------------


def _rows(session: Session, table: Table) -> Iterator[list[Any]]:
    statement = select(table).order_by(*table.primary_key.columns)
    result = session.execute(
        statement, execution_options={"stream_results": True, "yield_per": BATCH}
    )
    for row in result:
        yield [_encode(value) for value in row]


def _document_lines(session: Session) -> Iterator[str]:
    head = {"format": FORMAT, "version": VERSION, "schema": schema_revision(session)}
    yield _line(head)[:-1] + ', "tables": ['
    every = tables()
    for index, table in enumerate(every):
        columns = [column.name for column in table.columns]
        yield f'{{"table": {_line(table.name)}, "columns": {_line(columns)}, "rows": ['
        previous = None
        for row in _rows(session, table):
            if previous is not None:
                yield previous + ","
            previous = _line(row)
        if previous is not None:
            yield previous
        yield "]}" + ("," if index < len(every) - 1 else "")


def export(session: Session, out: IO[str]) -> Report:
    """Write the whole installation to `out`. On PostgreSQL every table is read from one
    snapshot, so writes made while a production database is exported cannot leave a row in the
    file without its parent (which the import would refuse)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    digest = hashlib.sha256()
    rows = 0
    for line in _document_lines(session):
        data = line + "\n"
        digest.update(data.encode())
        out.write(data)
        rows += line.startswith("[")
    out.write(f'], "sha256": "{digest.hexdigest()}"}}\n')
    return Report(len(tables()), rows)


# --- import ------------------------------------------------------------------------------------


class _Reader:
    """The file's lines with their numbers, hashed as they are read."""

    def __init__(self, source: IO[str]):
        self.source = source
        self.number = 0
        self.digest = hashlib.sha256()

    def next(self, *, hashed: bool = True) -> str:
        raw = self.source.readline()
        self.number += 1
        if not raw.endswith("\n"):
            raise self.refused("the file ends too early (truncated)")
        if hashed:
            self.digest.update(raw.encode())
        return raw[:-1]

    def refused(self, why: str) -> ImportRefused:
        return ImportRefused(f"Not imported: line {self.number}: {why}. Nothing was written.")


def _json(reader: _Reader, line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise reader.refused("this is not a line of a portal export (corrupt)") from None


def _header(reader: _Reader) -> dict[str, Any]:
    """The export's first line: its format, version and schema."""
    head = reader.next()
    if not head.endswith(', "tables": ['):
        raise reader.refused("this file is not a portal export")
    header = _json(reader, head[: -len(', "tables": [')] + "}")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise reader.refused("this file is not a portal export")
    if header.get("version") != VERSION:
        raise reader.refused(f"export format version {header.get('version')} is not {VERSION}")
    return header


def _tables_in(reader: _Reader) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    """After the header, check the layout line by line; yield each table with its rows in
    batches."""
    every = tables()
    for index, table in enumerate(every):
        opening = reader.next()
        if not opening.endswith(', "rows": ['):
            raise reader.refused(f"expected the table {table.name}")
        described = _json(reader, opening[: -len(', "rows": [')] + "}")
        columns = [column.name for column in table.columns]
        if described != {"table": table.name, "columns": columns}:
            raise reader.refused(f"expected the table {table.name} with columns {columns}")
        closing = "]}" + ("," if index < len(every) - 1 else "")
        batch: list[dict[str, Any]] = []
        while True:
            line = reader.next()
            if line == closing:
                break
            batch.append(_row(reader, table, _json(reader, line.removesuffix(","))))
            if len(batch) == BATCH:
                yield table, batch
                batch = []
        yield table, batch
    final = reader.next(hashed=False)
    expected = f'], "sha256": "{reader.digest.hexdigest()}"}}'
    if final != expected:
        raise reader.refused("the checksum does not match: the file was changed or damaged")
    if reader.source.read(1):
        raise reader.refused("there is more after the end of the export")


def _row(reader: _Reader, table: Table, values: Any) -> dict[str, Any]:
    """One exported row as the insert takes it; anything that does not fit refuses the file."""
    columns = list(table.columns)
    if not isinstance(values, list) or len(values) != len(columns):
        raise reader.refused(f"a row of {table.name} does not have {len(columns)} values")
    try:
        return {
            column.name: _decoder(column)(value)
            for column, value in zip(columns, values, strict=True)
        }
    except (TypeError, ValueError, binascii.Error):
        raise reader.refused(f"a row of {table.name} has a value of the wrong kind") from None


def _check_empty(session: Session) -> None:
    for table in tables():
        if session.scalar(select(func.count()).select_from(table)):
            raise ImportRefused(
                f"Not imported: the database is not empty (the table {table.name} has rows). "
                "Import into a freshly migrated database. Nothing was written."
            )


def verify(session: Session, source: IO[str]) -> Report:
    """Check the whole file against this database's schema; write nothing."""
    reader = _Reader(source)
    header = _header(reader)
    current = schema_revision(session)
    if header.get("schema") != current:
        raise ImportRefused(
            f"Not imported: the export was made at migration {header.get('schema')}, this "
            f"database is at {current}. Migrate one of them to match. Nothing was written."
        )
    rows = sum(len(batch) for _, batch in _tables_in(reader))
    return Report(len(tables()), rows)


def import_(session: Session, open_source) -> Report:
    """Import the file (`open_source()` opens it afresh) into an empty database: all or nothing."""
    _check_empty(session)
    with open_source() as source:
        report = verify(session, source)
    with open_source() as source:
        reader = _Reader(source)
        _header(reader)
        try:
            for table, batch in _tables_in(reader):
                if batch:
                    session.execute(insert(table), batch)
            _advance_sequences(session)
            session.commit()
        except Exception:
            session.rollback()
            raise
    return report


def _advance_sequences(session: Session) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not move."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or not keys[0].autoincrement:
            continue
        sequence = session.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": keys[0].name},
        )
        if sequence:
            following = (session.scalar(select(func.max(keys[0]))) or 0) + 1
            session.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, false)"),
                {"sequence": sequence, "value": following},
            )
