"""Production settings: the base settings plus HTTPS hardening.

``DJANGO_SETTINGS_MODULE=abonent.settings_production``; SECRET_KEY, DATABASE_URL, REDIS_URL,
CELERY_BROKER_URL and ALLOWED_HOSTS come from the environment (see the README).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import env_bool, env_int

DEBUG = False
CAPTCHA_TEST_MODE = False  # whatever imported settings say
SECRET_KEY = os.environ["SECRET_KEY"]
# The SMS gateway's webhook secret: required, and never the demo one.
SMS_WEBHOOK_SECRET = os.environ["SMS_WEBHOOK_SECRET"]
if SMS_WEBHOOK_SECRET in ("", "demo-sms-secret"):
    raise ImproperlyConfigured("SMS_WEBHOOK_SECRET must be set to the secret shared with the SMS gateway")
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
