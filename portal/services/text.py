"""What counts as blank in text people type: the ASCII white space both JSON Schema and
Python regular expressions agree on, so the API's published patterns and the rules match."""

BLANK = " \t\n\r\f\v"


def trimmed(text: str) -> str:
    return text.strip(BLANK)
