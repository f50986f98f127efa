import pytest


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Attachments of each test in its own directory."""
    settings.SERVICE_PRIVATE_ROOT = tmp_path / "private"
    return settings.SERVICE_PRIVATE_ROOT
