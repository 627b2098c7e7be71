"""Fields with the portal's rules for user-typed text."""

import re

import marshmallow as ma

SEARCH_MAX_LENGTH = 200
# Unicode category Cc (C0 and C1 controls), in a form both Python and JSON Schema accept.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"


class SearchText(ma.fields.String):
    """Free text for a search box: at most 200 characters, no control characters."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=[
                ma.validate.Length(max=SEARCH_MAX_LENGTH),
                ma.validate.Regexp(
                    re.compile(NO_CONTROL_CHARACTERS), error="Remove control characters."
                ),
            ],
            **kwargs,
        )
