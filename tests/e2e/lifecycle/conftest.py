"""Staff for the review-loop tests (the admin area's accounts and bearer headers)."""

from tests.e2e.admin.conftest import Staff, staff

__all__ = ["Staff", "staff"]
