import pytest


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Attachments of each test in its own directory."""
    settings.SERVICE_PRIVATE_ROOT = tmp_path / "private"
    return settings.SERVICE_PRIVATE_ROOT


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    """These tests read the SMS an answer sends, at whatever hour they run; quiet hours are
    tested in tests/notifications."""
    settings.NOTIFICATIONS_QUIET_HOURS = ""
