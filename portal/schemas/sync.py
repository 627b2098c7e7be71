"""`updated_since`, as every list that can be synced incrementally reads it (one parser)."""

import re
from datetime import UTC, datetime, timedelta

import marshmallow as ma

# RFC 3339, section 5.6 (its ABNF letters are case-insensitive): a full date, "T", a full time
# and a required offset, "Z" or +hh:mm / -hh:mm. No other ISO 8601 shape is taken.
_RFC3339 = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[Tt]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<offset>[Zz]|(?P<sign>[+-])(?P<offset_hour>\d{2}):(?P<offset_minute>\d{2}))",
    re.ASCII,
)
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
INSTANT_MESSAGE = (
    "Give an RFC 3339 date-time with its offset, e.g. 2026-03-02T14:05:09Z or "
    "2026-03-02T15:05:09+01:00 (in a query string, write + as %2B)."
)


def parse_instant(text: str) -> datetime:
    """An RFC 3339 date-time as an aware UTC datetime; ValueError for anything else (no offset,
    another shape, an impossible date). A leap second (:60) is the instant after :59.999999;
    an instant before or after what Python can hold (year 1 with a positive offset, year 9999
    with a negative one) is the earliest or latest one it can."""
    found = _RFC3339.fullmatch(text)
    if found is None:
        raise ValueError(INSTANT_MESSAGE)
    part = {name: int(value) for name, value in found.groupdict("").items() if value.isdigit()}
    offset_hour, offset_minute = part.get("offset_hour", 0), part.get("offset_minute", 0)
    if part["second"] > 60 or offset_hour > 23 or offset_minute > 59:
        raise ValueError(INSTANT_MESSAGE)
    microsecond = int((found["fraction"] or "0").ljust(6, "0")[:6])
    leap = part["second"] == 60
    local = datetime(  # raises ValueError for a day the month lacks, hour 24 and the like
        part["year"],
        part["month"],
        part["day"],
        part["hour"],
        part["minute"],
        59 if leap else part["second"],
        microsecond,
    )
    sign = -1 if found["sign"] == "-" else 1
    offset = sign * timedelta(hours=offset_hour, minutes=offset_minute)
    try:
        instant = local - offset + (timedelta(seconds=1) if leap else timedelta(0))
    except OverflowError:
        return EARLIEST if offset > timedelta(0) else LATEST
    return instant.replace(tzinfo=UTC)


class Instant(ma.fields.DateTime):
    """An RFC 3339 date-time with a required offset (published as `format: date-time`)."""

    default_error_messages = {"invalid": INSTANT_MESSAGE}

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return parse_instant(value)
        except (ValueError, OverflowError):
            raise self.make_error("invalid") from None


def updated_since(stamp: str = "updated_at") -> Instant:
    """The `updated_since` query parameter of a list whose items change at `stamp`."""
    return Instant(
        load_default=None,
        metadata={
            "description": f"Only what changed at or after this instant (RFC 3339 with an "
            f"offset), ordered by `{stamp}`, then `id`. Send the latest `{stamp}` you have "
            "seen: nothing written in that same instant is missed (`>=`), and what was written "
            "then comes again. See Incremental sync in the Deletions section."
        },
    )


class UpdatedSinceSchema(ma.Schema):
    """The query of a list an integration syncs from."""

    updated_since = updated_since()


class SubmittedSinceSchema(ma.Schema):
    """The query of a list of evaluations, which change only by being submitted."""

    updated_since = updated_since("submitted_at")


class DeletionFilterSchema(ma.Schema):
    kind = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(("candidate", "scorecard")),
        metadata={"description": "Only tombstones of this kind"},
    )
    updated_since = updated_since("deleted_at")


class DeletionSchema(ma.Schema):
    """A tombstone: the object is gone, or no longer visible to your organisation."""

    kind = ma.fields.String(validate=ma.validate.OneOf(("candidate", "scorecard")))
    id = ma.fields.Integer(metadata={"description": "The id the candidate or scorecard had"})
    deleted_at = ma.fields.String(metadata={"format": "date-time"})
