"""X-Pagination says what flask-smorest documents, though the portal builds it without a
schema per request."""

from flask_smorest.pagination import PaginationMixin
from hypothesis import given
from hypothesis import strategies as st

from portal.api.base import ApiBlueprint

SMALL_OR_LARGE = st.integers(1, 30) | st.integers(1, 2**31)


@given(page=SMALL_OR_LARGE, page_size=st.integers(1, 100), item_count=st.integers(0, 300))
def test_the_pagination_header_is_the_documented_one(page, page_size, item_count):
    documented = PaginationMixin._make_pagination_metadata(page, page_size, item_count)
    assert ApiBlueprint._make_pagination_metadata(page, page_size, item_count) == documented
