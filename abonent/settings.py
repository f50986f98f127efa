"""Settings, read from the environment.

The defaults are the embedded setup a newcomer gets from ``make run``: SQLite, in-process
Celery tasks, a local-memory cache, the local SMS/e-mail backends and demo company
requisites. Production sets the environment variables listed in the README and uses
``abonent.settings_production``, which adds the HTTPS hardening.
"""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ABONENT_VAR_DIR", BASE_DIR / "var"))
# Local state of the embedded default (SQLite file, collected static, uploads); ignored by git.
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_dated(name: str, default: str) -> list[tuple[dt.date, Decimal]]:
    """Dated values: ``YYYY-MM-DD=value`` pairs separated by commas, oldest first."""
    pairs = []
    for item in env_list(name, default):
        day, _, value = item.partition("=")
        pairs.append((dt.date.fromisoformat(day.strip()), Decimal(value.strip())))
    return sorted(pairs)


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789abcdef")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "identity.apps.BackofficeAdminConfig",  # django.contrib.admin with the staff second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "core",
    "identity",
    "customers",
    "metering",
    "billing",
    "notifications",
    "portal",
    "payments",
    "documents",
    "channels",
    "core.apps.CaptchaConfig",  # django-simple-captcha, see the class
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the staff's second factor
    "portal.middleware.BusinessApprovalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "abonent.urls"
WSGI_APPLICATION = "abonent.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.company",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default; DATABASE_URL=postgres://... in production and in CI's second run.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'abonent.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # BEGIN IMMEDIATE: a writer takes the lock before it reads, so two concurrent submissions
    # for one meter are serialised instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file too: an in-memory shared-cache database answers "table is locked" to a
    # second writer instead of waiting, unlike the file the product runs on.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# --- Database: prepared statements (PostgreSQL) ---
# DB_PREPARED_STATEMENTS=1: server-side parameter binding, and psycopg prepares a query once a
# connection has run it DB_PREPARE_THRESHOLD times, so PostgreSQL parses and plans it once per
# connection instead of every time (a portal submission: 1.6 -> 0.9 ms of database CPU). Only with
# persistent connections straight to PostgreSQL or a session-pooling proxy: a pooler in transaction
# mode (pgbouncer's default) cannot keep a connection's prepared statements.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_PREPARED_STATEMENTS", False):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 5)}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["identity.backends.UserBackend"]  # ModelBackend, the session's user in plain SQL
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("phone", "first_name", "last_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache (rate limits, sessions' neighbours); Redis in production ---------------------------
if env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
# Embedded default: no broker, tasks run in-process at the call; production: amqp:// or redis://.
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = env("ABONENT_TIME_ZONE", "Europe/Samara")
# Celery's Django fixup closes the database connections before and after every task unless told to
# reuse them: a new PostgreSQL backend for every chunk of a close and every notification. Reused,
# they are closed by Django's own rules instead (CONN_MAX_AGE, or unusable after an error), as a
# request's are: see abonent/celery.py.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)

# --- Language, time, formats ------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The company's local zone: deadlines, "same day" and submission windows are counted in it.
TIME_ZONE = env("ABONENT_TIME_ZONE", "Europe/Samara")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["abonent.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"  # outside the web root, served only through views that check access

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # reads from the cache (Redis), writes through
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- The company ---------------------------------------------------------------------------
# Requisites printed on bills and in the payment QR (ГОСТ Р 56042-2014). Demo values by default.
COMPANY = {
    "name": env("COMPANY_NAME", "АО «Демо Энергосбыт»"),
    "short_name": env("COMPANY_SHORT_NAME", "Демо Энергосбыт"),
    "inn": env("COMPANY_INN", "6300000001"),
    "kpp": env("COMPANY_KPP", "631601001"),
    "address": env("COMPANY_ADDRESS", "443000, г. Самара, ул. Демонстрационная, д. 1"),
    "phone": env("COMPANY_PHONE", "8 800 000-00-00"),
    "bank_name": env("COMPANY_BANK_NAME", "ПАО «Демо Банк»"),
    "bic": env("COMPANY_BIC", "043601000"),
    "account": env("COMPANY_ACCOUNT", "40702810000000000001"),
    "corr_account": env("COMPANY_CORR_ACCOUNT", "30101810000000000000"),
    "sms_number": env("COMPANY_SMS_NUMBER", "1163"),
}

# --- Readings -------------------------------------------------------------------------------
# Default submission window (day of month, inclusive); staff may set dated windows in the back office.
READINGS_WINDOW_OPENS_DAY = env_int("READINGS_WINDOW_OPENS_DAY", 15)
READINGS_WINDOW_CLOSES_DAY = env_int("READINGS_WINDOW_CLOSES_DAY", 25)
# A submission implying more than FACTOR x the usual monthly use (and more than MIN_KWH),
# or more than the connection could physically deliver, needs the customer's explicit confirmation.
READINGS_IMPLAUSIBLE_FACTOR = Decimal(env("READINGS_IMPLAUSIBLE_FACTOR", "5"))
READINGS_IMPLAUSIBLE_MIN_KWH = env_int("READINGS_IMPLAUSIBLE_MIN_KWH", 1000)
# Connection capacity assumed when an account has none on record (household: 15 kW).
DEFAULT_CONNECTION_KW = Decimal(env("DEFAULT_CONNECTION_KW", "15"))

# --- Billing --------------------------------------------------------------------------------
# Every rate, day and coefficient of the billing rules (../shared/domain.md), with its documented default.
# Dated values are "YYYY-MM-DD=value" pairs separated by commas; the one in force on a day is the
# latest that started on or before it.
# Payment is due by this day of the month after the billing period (ЖК РФ ст. 155: 10th, 15th from 1 March 2026).
BILLING_PAYMENT_DUE_DAYS = env_dated("BILLING_PAYMENT_DUE_DAYS", "2000-01-01=10,2026-03-01=15")
# VAT included in household prices, percent, by date (shown on bills as "в т. ч. НДС").
BILLING_VAT_RATES = env_dated("BILLING_VAT_RATES", "2019-01-01=20,2026-01-01=22")
# Missing readings: the average of the last AVERAGE_MONTHS months with readings (at least
# AVERAGE_MIN_MONTHS) for at most AVERAGE_MAX_PERIODS periods in a row, then the consumption norm.
BILLING_AVERAGE_MONTHS = env_int("BILLING_AVERAGE_MONTHS", 6)
BILLING_AVERAGE_MIN_MONTHS = env_int("BILLING_AVERAGE_MIN_MONTHS", 3)
BILLING_AVERAGE_MAX_PERIODS = env_int("BILLING_AVERAGE_MAX_PERIODS", 3)
# The norm is multiplied by this where a working meter could be installed but is not (no meter,
# or its verification has expired); plain missing readings use the norm as it is.
BILLING_NORM_MULTIPLIER_NO_METER = Decimal(env("BILLING_NORM_MULTIPLIER_NO_METER", "1.5"))
# Late-payment penalty (ЖК РФ ст. 155 ч. 14): 1/300 of the key rate per day from the 31st day after
# the due date, 1/130 from the 91st; the rate used is capped at CAP percent until CAP_UNTIL (ПП РФ № 329).
BILLING_PENALTY_FIRST_DAY = env_int("BILLING_PENALTY_FIRST_DAY", 31)
BILLING_PENALTY_FIRST_DIVISOR = env_int("BILLING_PENALTY_FIRST_DIVISOR", 300)
BILLING_PENALTY_SECOND_DAY = env_int("BILLING_PENALTY_SECOND_DAY", 91)
BILLING_PENALTY_SECOND_DIVISOR = env_int("BILLING_PENALTY_SECOND_DIVISOR", 130)
BILLING_PENALTY_RATE_CAP = Decimal(env("BILLING_PENALTY_RATE_CAP", "9.5"))
BILLING_PENALTY_RATE_CAP_UNTIL = dt.date.fromisoformat(env("BILLING_PENALTY_RATE_CAP_UNTIL", "2027-01-01"))
# Accounts per unit of work of a period close (one transaction, one Celery task). 5,000: each task
# and transaction has a fixed cost (about 4 ms of the worker's CPU, and Celery's own), a tenth of the
# work of 2,000 accounts; a chunk holds its accounts' locks for a second or two and needs ~130 MB.
BILLING_CHUNK_SIZE = env_int("BILLING_CHUNK_SIZE", 5000)
# Documents: the fonts of every PDF (fonts-dejavu), bills per task of the e-bill mailing after a close.
DOCUMENTS_FONT_DIR = env("DOCUMENTS_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
DOCUMENTS_EBILL_CHUNK_SIZE = env_int("DOCUMENTS_EBILL_CHUNK_SIZE", 200)

# --- Messages -------------------------------------------------------------------------------
# Local backend by default (messages in the database and the log); production: the HTTP gateway.
SMS_BACKEND = env("SMS_BACKEND", "notifications.sms.LocalSmsBackend")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_SECRET = env("SMS_GATEWAY_SECRET")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)

# One-time codes (SMS): length, lifetime, wrong tries allowed, pause before a new code.
OTP_LENGTH = env_int("OTP_LENGTH", 6)
OTP_TTL_SECONDS = env_int("OTP_TTL_SECONDS", 300)
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5)
OTP_RESEND_SECONDS = env_int("OTP_RESEND_SECONDS", 60)
OTP_PER_HOUR = env_int("OTP_PER_HOUR", 5)

# Versions of the documents a customer accepts at registration (stored with each consent).
LEGAL_DOCUMENT_VERSIONS = {
    "terms": env("TERMS_VERSION", "2026-11"),
    "personal_data": env("PERSONAL_DATA_CONSENT_VERSION", "2026-11"),
}

# E-mail: the console on the embedded default; SMTP in production (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Демо Энергосбыт <noreply@example.ru>")
# Where links in e-mails point (the portal's public address).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
EMAIL_CONFIRM_MAX_AGE = env_int("EMAIL_CONFIRM_MAX_AGE", 60 * 60 * 24)

# --- Notifications (outbox, quiet hours, reminders) ----------------------------------------------
from celery.schedules import crontab  # noqa: E402

# SMS about events written in these hours (company local time) wait for their end; codes and
# security messages never wait. Empty: no quiet hours.
NOTIFICATIONS_QUIET_HOURS = env("NOTIFICATIONS_QUIET_HOURS", "21:00-09:00")
# Outbox delivery: a worker's claim on a message lasts LEASE seconds (longer than any provider's
# timeout); the sweeper queues again what was queued REQUEUE seconds ago and is still not sent.
NOTIFICATIONS_LEASE_SECONDS = env_int("NOTIFICATIONS_LEASE_SECONDS", 120)
NOTIFICATIONS_REQUEUE_SECONDS = env_int("NOTIFICATIONS_REQUEUE_SECONDS", 120)
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 10)
NOTIFICATIONS_SWEEP_BATCH = env_int("NOTIFICATIONS_SWEEP_BATCH", 5000)
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env("NOTIFICATIONS_MESSAGE_ID_DOMAIN", "abonent.local")
# Sent outbox rows are deleted after this many days (their text is emptied at once when sent).
NOTIFICATIONS_OUTBOX_KEEP_DAYS = env_int("NOTIFICATIONS_OUTBOX_KEEP_DAYS", 30)
# Reminders: days before the window's last day, before a penalty starts, before a meter's verification
# date; users or accounts per transaction; days after a close in which "bill ready" is caught up.
NOTIFICATIONS_DEADLINE_NOTICE_DAYS = env_int("NOTIFICATIONS_DEADLINE_NOTICE_DAYS", 2)
NOTIFICATIONS_PENALTY_NOTICE_DAYS = env_int("NOTIFICATIONS_PENALTY_NOTICE_DAYS", 5)
NOTIFICATIONS_VERIFICATION_NOTICE_DAYS = env_int("NOTIFICATIONS_VERIFICATION_NOTICE_DAYS", 30)
NOTIFICATIONS_BATCH_SIZE = env_int("NOTIFICATIONS_BATCH_SIZE", 500)
NOTIFICATIONS_BILLS_CATCH_UP_DAYS = env_int("NOTIFICATIONS_BILLS_CATCH_UP_DAYS", 3)
_reminders_at = dt.time.fromisoformat(env("NOTIFICATIONS_REMINDERS_AT", "10:00"))
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "notifications-sweep-outbox": {"task": "notifications.sweep_outbox", "schedule": dt.timedelta(minutes=1)},
    "notifications-daily-reminders": {
        "task": "notifications.daily_reminders",
        "schedule": crontab(hour=_reminders_at.hour, minute=_reminders_at.minute),
    },
}

# --- Payments (card acquiring, fiscal receipts, autopay) -----------------------------------------
# Acquirer: "local" (embedded test acquirer with its own card page) or "yookassa" (YooKassa API v3).
PAYMENTS_ACQUIRER = env("PAYMENTS_ACQUIRER", "local")
PAYMENTS_ACQUIRERS = {
    "local": "payments.acquirers.LocalAcquirer",
    "yookassa": "payments.acquirers.YooKassaAcquirer",
}
# The local acquirer signs its notifications (HMAC-SHA256) with this secret; when NOTIFY_URL is set it
# POSTs them there over HTTP, otherwise it hands them to the same handler in-process.
PAYMENTS_LOCAL_SECRET = env("PAYMENTS_LOCAL_SECRET", "local-acquirer-test-secret")
PAYMENTS_LOCAL_NOTIFY_URL = env("PAYMENTS_LOCAL_NOTIFY_URL")
PAYMENTS_YOOKASSA_URL = env("PAYMENTS_YOOKASSA_URL", "https://api.yookassa.ru/v3")
PAYMENTS_YOOKASSA_SHOP_ID = env("PAYMENTS_YOOKASSA_SHOP_ID")
PAYMENTS_YOOKASSA_SECRET = env("PAYMENTS_YOOKASSA_SECRET")
# Addresses YooKassa sends notifications from (its documentation); others are refused.
PAYMENTS_YOOKASSA_ALLOWED_IPS = env_list(
    "PAYMENTS_YOOKASSA_ALLOWED_IPS",
    "185.71.76.0/27,185.71.77.0/27,77.75.153.0/25,77.75.156.11/32,77.75.156.35/32,77.75.154.128/25,2a02:5180::/32",
)
PAYMENTS_HTTP_TIMEOUT = env_int("PAYMENTS_HTTP_TIMEOUT", 15)
# The largest single payment a customer may make (roubles).
PAYMENTS_MAX_AMOUNT = Decimal(env("PAYMENTS_MAX_AMOUNT", "500000"))
# Fiscal receipts (54-ФЗ): "local" (fills and signs with a test key) or "atol" (ATOL Online-like cloud service).
PAYMENTS_FISCAL = env("PAYMENTS_FISCAL", "local")
PAYMENTS_FISCALS = {"local": "payments.fiscal.LocalFiscal", "atol": "payments.fiscal.AtolFiscal"}
PAYMENTS_FISCAL_KEY_SEED = env("PAYMENTS_FISCAL_KEY_SEED", "test")
PAYMENTS_FISCAL_FN_NUMBER = env("PAYMENTS_FISCAL_FN_NUMBER", "9999078900000001")
PAYMENTS_TAXATION_SYSTEM = env("PAYMENTS_TAXATION_SYSTEM", "osn")  # общая система налогообложения
PAYMENTS_ATOL_URL = env("PAYMENTS_ATOL_URL", "https://online.atol.ru/possystem/v4")
PAYMENTS_ATOL_LOGIN = env("PAYMENTS_ATOL_LOGIN")
PAYMENTS_ATOL_PASSWORD = env("PAYMENTS_ATOL_PASSWORD")
PAYMENTS_ATOL_GROUP = env("PAYMENTS_ATOL_GROUP")
# Autopay: notices for tomorrow's charges, then today's charges, once a day (celery beat).
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "payments-autopay-daily": {"task": "payments.autopay_daily", "schedule": crontab(hour=9, minute=0)},
}

# --- Channels: SMS commands, the form without login, readings by e-mail ----------------------------
# The SMS gateway signs each inbound webhook body with HMAC-SHA256 under this secret (hex, X-Signature).
# The demo value is for the embedded default only; abonent.settings_production requires a real one.
SMS_WEBHOOK_SECRET = env("SMS_WEBHOOK_SECRET", "demo-sms-secret")
# Inbound SMS per phone in the window; over it the gateway gets 429 and the phone one notice per window.
SMS_RATE_LIMIT = env_int("SMS_RATE_LIMIT", 10)
SMS_RATE_WINDOW_SECONDS = env_int("SMS_RATE_WINDOW_SECONDS", 900)
# The readings form without login: CAPTCHA once an address or an account number was tried this many
# times in an hour; attempts allowed per address and per account number in an hour.
PUBLIC_FORM_CAPTCHA_AFTER = env_int("PUBLIC_FORM_CAPTCHA_AFTER", 3)
PUBLIC_FORM_PER_IP_HOUR = env_int("PUBLIC_FORM_PER_IP_HOUR", 30)
PUBLIC_FORM_PER_ACCOUNT_HOUR = env_int("PUBLIC_FORM_PER_ACCOUNT_HOUR", 10)
# The readings mailbox (manage.py readings_mailbox): addresses it accepts mail for, where it listens,
# messages per sender and hour (over it: 451, the sending server retries later).
READINGS_MAILBOX_ADDRESSES = [a.lower() for a in env_list("READINGS_MAILBOX_ADDRESSES", "pokazaniya@example.ru")]
READINGS_MAILBOX_HOST = env("READINGS_MAILBOX_HOST", "127.0.0.1")
READINGS_MAILBOX_PORT = env_int("READINGS_MAILBOX_PORT", 2525)
READINGS_EMAIL_PER_HOUR = env_int("READINGS_EMAIL_PER_HOUR", 20)

# --- Sign-up protection and the staff's second factor ------------------------------------------
# CAPTCHA on the public sign-up forms (django-simple-captcha). Its test mode (the answer "PASSED"
# always passes) is switched on only by abonent.settings_test, never from the environment.
CAPTCHA_TEST_MODE = False
CAPTCHA_LENGTH = env_int("CAPTCHA_LENGTH", 5)
CAPTCHA_TIMEOUT = env_int("CAPTCHA_TIMEOUT_MINUTES", 10)
CAPTCHA_FONT_SIZE = 30
# TOTP (django-otp) that staff may switch on in the back office; the issuer is what authenticator apps show.
OTP_TOTP_ISSUER = COMPANY["short_name"]
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # secret keys never shown in the device list

# --- Requests, FAQ and the back office (service, backoffice) -------------------------------------
INSTALLED_APPS += ["service", "backoffice"]
# Attachments of support requests live here: outside the web root (never under STATIC_ROOT or
# MEDIA_ROOT), served only through views that check the owner or staff.
SERVICE_PRIVATE_ROOT = Path(env("SERVICE_PRIVATE_ROOT", str(VAR_DIR / "private")))
# What a customer may attach: types (checked by content, not by name), size of one file, files per message.
SERVICE_ATTACHMENT_TYPES = env_list("SERVICE_ATTACHMENT_TYPES", "image/jpeg,image/png,application/pdf")
SERVICE_ATTACHMENT_MAX_BYTES = env_int("SERVICE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
SERVICE_ATTACHMENT_MAX_FILES = env_int("SERVICE_ATTACHMENT_MAX_FILES", 5)
SERVICE_ATTACHMENT_MAX_PIXELS = env_int("SERVICE_ATTACHMENT_MAX_PIXELS", 50_000_000)
# Requests a user may file per hour and per day, and messages they may add to requests per hour.
SERVICE_REQUESTS_PER_HOUR = env_int("SERVICE_REQUESTS_PER_HOUR", 5)
SERVICE_REQUESTS_PER_DAY = env_int("SERVICE_REQUESTS_PER_DAY", 20)
SERVICE_MESSAGES_PER_HOUR = env_int("SERVICE_MESSAGES_PER_HOUR", 30)
# Inspectors' CSV files uploaded in the back office: the largest accepted file.
BACKOFFICE_IMPORT_MAX_BYTES = env_int("BACKOFFICE_IMPORT_MAX_BYTES", 20 * 1024 * 1024)

# --- API (REST under /api/v1/, personal tokens, idempotency keys) ------------------------------
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "api"]
REST_FRAMEWORK = {
    # A bearer token first (integrations), then the app's session login (CSRF enforced).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsCustomer"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # no form posts: no cross-site forms
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    "COERCE_DECIMAL_TO_STRING": True,  # money as "1234.56": exact, never a float
}
SPECTACULAR_SETTINGS = {
    "TITLE": "abonent API",
    "DESCRIPTION": _(
        "REST API личного кабинета: счета, счётчики, показания, расход, тарифы, баланс, квитанции, оплата."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": False,
    "ENUM_NAME_OVERRIDES": {
        "ReadingStateEnum": "metering.models.Reading.State",
        "RequestKindEnum": "service.models.Request.Kind",
        "RequestStatusEnum": "service.models.Request.Status",
        "NotificationKindEnum": "notifications.models.Kind",
        "NotificationChannelEnum": "notifications.models.Channel",
        "LedgerEntryKindEnum": "billing.models.LedgerEntry.Kind",
    },
}
# Personal tokens: how long a looked-up token is kept in the cache (revoking one clears it at once).
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 300)
API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 20)
# Requests per minute: reads and writes per token (or per session user), anonymous calls per IP address.
API_RATE_READ_PER_MINUTE = env_int("API_RATE_READ_PER_MINUTE", 600)
API_RATE_WRITE_PER_MINUTE = env_int("API_RATE_WRITE_PER_MINUTE", 120)
API_RATE_ANON_PER_MINUTE = env_int("API_RATE_ANON_PER_MINUTE", 60)
# Wrong bearer tokens from one IP address per 10 minutes before it gets 429.
API_BAD_TOKENS_PER_IP = env_int("API_BAD_TOKENS_PER_IP", 30)
# A successful answer to an Idempotency-Key is replayed for at least this long.
API_IDEMPOTENCY_TTL_HOURS = env_int("API_IDEMPOTENCY_TTL_HOURS", 24)
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "api-purge-idempotency": {"task": "api.purge_idempotency_records", "schedule": crontab(hour=4, minute=30)},
}
