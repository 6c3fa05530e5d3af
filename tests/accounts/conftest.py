import pytest


@pytest.fixture(autouse=True)
def _accounts_urls(settings):
    """The test project with the package's account pages at /accounts/, and fresh rate
    limit counters (kept in Django's cache)."""
    from django.core.cache import cache

    settings.ROOT_URLCONF = "tests.accounts.urls"
    cache.clear()
    yield
    cache.clear()
