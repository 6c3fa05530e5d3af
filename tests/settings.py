"""Settings of the test project: SQLite by default, PostgreSQL when DATABASE_URL is set."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "wagtail_tickets",
    "tests.testapp",
    "django_q",
    "wagtail_tickets.contrib.modeladmin",
    "wagtail_tickets.contrib.api",
    "wagtail_tickets.contrib.helpcentre",
    "rest_framework",
    "wagtail_modeladmin",
    "wagtail.contrib.settings",
    "wagtail.contrib.forms",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "django.contrib.admin",
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
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "sqlite:///" + str(BASE_DIR / "test.sqlite3"))
    )
}
if os.environ.get("TEST_DATABASE_NAME"):
    # several test runs against one server at once (CI matrix, parallel jobs) need own names
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = []

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("nl", "Nederlands"), ("it", "Italiano")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Amsterdam"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT", str(BASE_DIR / "media"))

LOGIN_URL = "/login/"
WAGTAIL_SITE_NAME = "wagtail-tickets tests"
WAGTAILADMIN_BASE_URL = "http://testserver"

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

WAGTAIL_TICKETS_CUSTOMER_MODEL = "testapp.Company"
WAGTAIL_TICKETS = {
    "CUSTOMER_USERS_FIELD": "users",
    # the mail tests' IMAP servers listen on 127.0.0.1 (tests/test_netguard.py proves
    # the refusal without this)
    "MAIL_ALLOWED_PRIVATE_NETWORKS": ("127.0.0.1",),
}

Q_CLUSTER = {
    "name": "tests",
    "orm": "default",
    "sync": True,
    "workers": 1,
    "timeout": 60,
    "retry": 120,
}
