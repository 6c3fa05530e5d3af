"""The test project with the user model as customer model: the site after someone changed
``WAGTAIL_TICKETS_CUSTOMER_MODEL`` (tests/test_customer_model_check.py)."""

from tests.settings import *  # noqa: F403

WAGTAIL_TICKETS_CUSTOMER_MODEL = "auth.User"
