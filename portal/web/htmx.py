"""Full page or fragment from one template, and the htmx response headers, in one place."""

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    """A targeted htmx swap wants one block; boosts and history restores want the whole page."""
    headers = request.htmx
    return bool(headers) and not headers.boosted and not headers.history_restore_request


def render(template: str, block: str, status: int = 200, **context) -> Response:
    """Render `template`, or only its `block` (named like the DOM id it fills) for htmx swaps."""
    body = (
        render_block(template, block, **context)
        if wants_fragment()
        else render_template(template, **context)
    )
    return make_response(body, status)
