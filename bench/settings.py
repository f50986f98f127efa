"""Settings of the benchmark server: the project's own, plus the bench-only URLs.

Selected with ``DJANGO_SETTINGS_MODULE=bench.settings``; production URLs and settings stay untouched.
"""

from abonent.settings import *  # noqa: F403
from abonent.settings import STORAGES

ROOT_URLCONF = "bench.urls"

# With DEBUG off the project serves static files through whitenoise's manifest storage, which
# needs ``collectstatic`` first; the benchmark renders the login page only once, so plain
# storage (no manifest, same URLs) spares a collectstatic per run. No measured path renders templates.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
