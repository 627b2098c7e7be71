"""Domain failures; the web and API faces translate them into their own answers."""


class DomainError(Exception):
    """A request the domain refuses; `status` is the HTTP status that fits it best."""

    status = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    status = 404


class ValidationFailed(DomainError):
    """Input that breaks a rule; `errors` maps each field (dotted path) to its messages."""

    status = 422

    def __init__(
        self, errors: dict[str, list[str]], detail: str = "The request has invalid fields."
    ):
        super().__init__(detail)
        self.errors = errors


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"dotted.path": [messages]}."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(flatten_messages(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, str):
        messages = [messages]
    return {prefix or "_schema": [str(message) for message in messages]}


class Unauthenticated(DomainError):
    """No valid credentials came with a request that needs them."""

    status = 401

    def __init__(self, detail: str, *, token_rejected: bool = False):
        super().__init__(detail)
        self.token_rejected = token_rejected


class Forbidden(DomainError):
    """The caller is known but may not do this (a missing scope, the wrong role)."""

    status = 403


class Conflict(DomainError):
    status = 409


class StaleWrite(DomainError):
    """A write based on a revision that someone else has since replaced; nothing was saved."""

    status = 412


class Unavailable(DomainError):
    """A part of the portal that cannot work on this server right now (a missing install)."""

    status = 503
