import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    """Fast password hashing, and no cached prices, windows or rate-limit counters across tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()
