"""Fields with the portal's rules for user-typed text."""

import re

import marshmallow as ma

SEARCH_MAX_LENGTH = 200
# Unicode category Cc (C0 and C1 controls), in a form both Python and JSON Schema accept.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"


class Pattern(ma.validate.Regexp):
    """A regular expression the whole value must match, published as the field's `pattern`
    (JSON Schema reads `^...$` as the whole string; Python's `$` alone would let a final
    newline through)."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class SearchText(ma.fields.String):
    """Free text for a search box: at most 200 characters, no control characters."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=[
                ma.validate.Length(max=SEARCH_MAX_LENGTH),
                Pattern(re.compile(NO_CONTROL_CHARACTERS), error="Remove control characters."),
            ],
            **kwargs,
        )


class StrictBoolean(ma.fields.Boolean):
    """JSON true or false only: 0, 1 and "yes" are refused rather than guessed at."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictFloat(ma.fields.Float):
    """A JSON number only; numeric strings and booleans are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class WholeNumber(ma.fields.Integer):
    """A JSON number with no fraction (4 or 4.0, as JSON Schema's integer); strings are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._deserialize(int(value), attr, data, **kwargs)


# Text people type holds no NUL character (PostgreSQL cannot store one); text that must say
# something also has a character that is not white space. Both patterns are published in the
# OpenAPI document, so clients know the rules.
plain_text = Pattern(r"^[^\u0000]*$", error="Remove the NUL character.")
not_blank = Pattern(
    r"^[ \t\n\r\f\v]*[^ \t\n\r\f\v\u0000][^\u0000]*$",
    error="Enter some text, not only spaces.",
)
