"""Fields with the portal's rules for user-typed text."""

import unicodedata

import marshmallow as ma

SEARCH_MAX_LENGTH = 200


def _printable(value: str) -> None:
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ma.ValidationError("Remove control characters.")


class SearchText(ma.fields.String):
    """Free text for a search box: trimmed, at most 200 characters, no control characters."""

    def __init__(self, **kwargs):
        super().__init__(validate=[ma.validate.Length(max=SEARCH_MAX_LENGTH), _printable], **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()
