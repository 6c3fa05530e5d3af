"""Settings of the example site.

Works out of the box with SQLite (``example_site/db.sqlite3``), the django-q2 ORM broker
and mail printed to the console. The environment switches to the scale-out setup:

- ``DATABASE_URL`` e.g. ``postgres://user@127.0.0.1:5432/tickets``
- ``REDIS_URL`` e.g. ``redis://127.0.0.1:6379/0`` (django-q2 uses the Redis broker)
- ``EMAIL_HOST`` / ``EMAIL_PORT`` (mail goes out over SMTP)
- ``DJANGO_SECRET_KEY``, ``DJANGO_DEBUG`` (``0`` to switch debug off),
  ``DJANGO_ALLOWED_HOSTS`` (comma separated), ``BASE_URL`` (links in mail)
- ``DEMO_EMBED_PORT``: port of the demo's second origin, allowed to frame the external
  ticket page (default ``8001``)
- ``DEMO_MAIL_DIR``: without ``EMAIL_HOST``, mail is written to this folder (one file per
  message) and the console shows one line per message instead of the whole mail
"""

import os
from pathlib import Path

import dj_database_url

SITE_DIR = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-site-only-not-for-production")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") not in ("0", "false", "False", "")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"] + [
    host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host.strip()
]

INSTALLED_APPS = [
    "example_site.home",
    "example_site.crm",
    "wagtail_tickets",
    "wagtail_tickets.contrib.api",
    "wagtail_tickets.contrib.helpcentre",
    "rest_framework",
    "django_q",
    "wagtail.contrib.settings",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_site.urls"
WSGI_APPLICATION = "example_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default="sqlite:///" + str(SITE_DIR / "db.sqlite3"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # the web server and the task worker write to the same file: wait for the lock instead
    # of failing, and take it at the start of each transaction
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("nl", "Nederlands"), ("it", "Italiano")]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = SITE_DIR / "static_collected"
STATICFILES_DIRS = [SITE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = SITE_DIR / "media"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/account/"
LOGOUT_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL

WAGTAIL_SITE_NAME = "Example Support"
WAGTAILADMIN_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no avatar requests to a third party

# Mail: SMTP when EMAIL_HOST is given, else printed by the worker to its console.
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
elif os.environ.get("DEMO_MAIL_DIR"):
    EMAIL_BACKEND = "example_site.mailbackend.EmailBackend"
    EMAIL_FILE_PATH = os.environ["DEMO_MAIL_DIR"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@example.com")

# Task queue: the ORM broker by default, Redis when REDIS_URL is given. Run workers with
# ``python example_site/manage.py qcluster``.
Q_CLUSTER = {
    "name": "example_site",
    "workers": 2,
    "timeout": 90,
    "retry": 120,
    "max_attempts": 0,
    "catch_up": False,
}
if os.environ.get("REDIS_URL"):
    Q_CLUSTER["redis"] = os.environ["REDIS_URL"]
else:
    Q_CLUSTER["orm"] = "default"
if os.environ.get("DEMO_MAIL_DIR"):
    # the demo's console: one line per mail, and the worker's warnings only
    Q_CLUSTER["log_level"] = "WARNING"

# the demo's second origin (example_site/embed, started by ``dev.py demo``)
_EMBED_PORT = os.environ.get("DEMO_EMBED_PORT", "").strip()
DEMO_EMBED_PORT = int(_EMBED_PORT) if _EMBED_PORT.isdigit() else 8001
if not 0 < DEMO_EMBED_PORT < 65536:
    DEMO_EMBED_PORT = 8001

# wagtail-tickets: customers are the CRM's Customer records, linked to their users; the
# ticket pages appear inside the site's own customer-area layout.
WAGTAIL_TICKETS_CUSTOMER_MODEL = "crm.Customer"
WAGTAIL_TICKETS = {
    "CUSTOMER_USERS_FIELD": "users",
    "CUSTOMER_BASE_TEMPLATE": "example_site/customer_area.html",
    # The external ticket page may be framed here and by the demo's second origin.
    "EXTERNAL_FRAME_ANCESTORS": (
        "'self'",
        f"http://127.0.0.1:{DEMO_EMBED_PORT}",
        f"http://localhost:{DEMO_EMBED_PORT}",
    ),
    # The demo mailbox reads the local IMAP server of example_site/mailserver.py; mail
    # servers on loopback and private addresses are refused unless listed here.
    "MAIL_ALLOWED_PRIVATE_NETWORKS": ("127.0.0.1",),
}
