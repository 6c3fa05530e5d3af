"""The example site as a real installation: its settings follow the environment, it migrates
from scratch, loads the demo, and its protected customer area shows the tickets inside the
site's own layout. Runs in a subprocess with the example site's settings and its own SQLite
file (never the test database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_site" / "manage.py"
ENVIRONMENT_KEYS = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "DJANGO_DEBUG",
    "BASE_URL",
    "DEMO_EMBED_PORT",
    "DEMO_MAIL_DIR",
)

# migrates a fresh example site and runs its commands in subprocesses
pytestmark = pytest.mark.slow


def site_env(**values: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ENVIRONMENT_KEYS and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="example_site.settings", **values)
    return env


def run_python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


SHOW_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "q_cluster": settings.Q_CLUSTER,
    "email_backend": settings.EMAIL_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "email_port": getattr(settings, "EMAIL_PORT", 0),
    "email_file_path": str(getattr(settings, "EMAIL_FILE_PATH", "")),
    "base_url": settings.WAGTAILADMIN_BASE_URL,
    "customer_model": settings.WAGTAIL_TICKETS_CUSTOMER_MODEL,
    "tickets": settings.WAGTAIL_TICKETS,
}))
"""


def show_settings(tmp_path, **env) -> dict:
    result = run_python(SHOW_SETTINGS, site_env(**env), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_default_to_sqlite_the_orm_broker_and_console_mail(tmp_path):
    shown = show_settings(tmp_path)
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert Path(shown["name"]) == ROOT / "example_site" / "db.sqlite3"
    assert shown["q_cluster"]["orm"] == "default"
    assert "redis" not in shown["q_cluster"]
    assert shown["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert shown["customer_model"] == "crm.Customer"
    assert shown["tickets"]["CUSTOMER_USERS_FIELD"] == "users"
    assert shown["tickets"]["CUSTOMER_BASE_TEMPLATE"] == "example_site/customer_area.html"


def test_settings_follow_the_environment(tmp_path):
    shown = show_settings(
        tmp_path,
        DATABASE_URL="postgres://tickets@db.internal:5433/tickets",
        REDIS_URL="redis://cache.internal:6380/2",
        EMAIL_HOST="smtp.internal",
        EMAIL_PORT="2525",
    )
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["name"] == "tickets"
    assert shown["q_cluster"]["redis"] == "redis://cache.internal:6380/2"
    assert "orm" not in shown["q_cluster"]
    assert shown["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (shown["email_host"], shown["email_port"]) == ("smtp.internal", 2525)


def test_the_demo_environment_reaches_links_frames_and_mail(tmp_path):
    default = show_settings(tmp_path)
    assert default["tickets"]["EXTERNAL_FRAME_ANCESTORS"] == [
        "'self'",
        "http://127.0.0.1:8001",
        "http://localhost:8001",
    ]
    assert default["base_url"] == "http://127.0.0.1:8000"
    assert "log_level" not in default["q_cluster"]
    shown = show_settings(
        tmp_path,
        BASE_URL="http://127.0.0.1:8300",
        DEMO_EMBED_PORT="8301",
        DEMO_MAIL_DIR=str(tmp_path / "mail"),
    )
    assert shown["base_url"] == "http://127.0.0.1:8300"
    assert shown["tickets"]["EXTERNAL_FRAME_ANCESTORS"] == [
        "'self'",
        "http://127.0.0.1:8301",
        "http://localhost:8301",
    ]
    assert shown["email_backend"] == "example_site.mailbackend.EmailBackend"
    assert shown["email_file_path"] == str(tmp_path / "mail")
    assert shown["q_cluster"]["log_level"] == "WARNING"
    # a port that is not one falls back to the default
    shown = show_settings(tmp_path, DEMO_EMBED_PORT="80; script-src *")
    assert "http://127.0.0.1:8001" in shown["tickets"]["EXTERNAL_FRAME_ANCESTORS"]


BROWSE = """
import django
django.setup()
from django.test import Client

anonymous = Client()
home = anonymous.get("/")
assert home.status_code == 200, home.status_code
assert b"Welcome to Example Support" in home.content
assert b"/accounts/login/" in home.content
account = anonymous.get("/account/")
assert account.status_code == 302 and account["Location"].startswith("/accounts/login/"), account
tickets = anonymous.get("/tickets/")
assert tickets.status_code == 302 and "/accounts/login/" in tickets["Location"], tickets
login_page = anonymous.get("/accounts/login/?next=/account/")
assert login_page.status_code == 200 and b'name="password"' in login_page.content

customer = Client()
response = customer.post(
    "/accounts/login/", {"username": "customer", "password": "demo-password", "next": "/account/"}
)
assert response.status_code == 302 and response["Location"] == "/account/", response
account = customer.get("/account/")
assert account.status_code == 200
assert b"Acme Ltd" in account.content
assert b'data-name="my_tickets"' in account.content and b'data-name="overview"' in account.content
my_tickets = customer.get("/tickets/")
assert my_tickets.status_code == 200
text = my_tickets.content.decode()
assert "Printer shows error E-52" in text
assert 'class="customer-area__nav"' in text, "ticket pages are not inside the site's layout"
assert "Example Support" in text
company = customer.get("/tickets/?scope=company").content.decode()
assert "VPN access for our new colleague" in company
assert customer.get("/tickets/new/").status_code == 200
# the REST API: the same tickets through the session, and the customer's token page
api = customer.get("/api/tickets/tickets/", HTTP_ACCEPT="application/json")
assert api.status_code == 200, api.content[:500]
assert "Printer shows error E-52" in api.content.decode()
assert customer.get("/api/tickets/account/tokens/").status_code == 200
logout = customer.post("/accounts/logout/")
assert logout.status_code == 302 and logout["Location"] == "/", logout
assert customer.get("/account/").status_code == 302

other = Client()
assert other.login(username="customer2", password="demo-password")
text = other.get("/tickets/").content.decode()
assert "Cannot log in to the download portal" in text
assert "Printer shows error E-52" not in text
assert "VPN access" not in other.get("/tickets/?scope=company").content.decode()

agent = Client()
assert agent.login(username="agent", password="demo-password")
assert agent.get("/admin/").status_code == 200
print("browsed the example site")
"""


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """The example site migrated from scratch into its own SQLite file, with the demo data."""
    folder = tmp_path_factory.mktemp("example_site")
    env = site_env(DATABASE_URL=f"sqlite:///{folder / 'site.sqlite3'}")
    for command in (["migrate", "--noinput"], ["tickets_demo"]):
        result = subprocess.run(
            [sys.executable, str(MANAGE), *command],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return folder, env, result.stdout


def test_demo_prints_the_logins(demo_site):
    _folder, _env, output = demo_site
    for username in ("customer", "colleague", "customer2", "agent", "admin"):
        assert f"  {username} " in output
    assert "demo-password" in output


def test_browse_the_example_site(demo_site):
    folder, env, _output = demo_site
    result = run_python(BROWSE, env, folder)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert "browsed the example site" in result.stdout


def test_example_site_has_no_missing_migrations(tmp_path):
    result = subprocess.run(
        [sys.executable, str(MANAGE), "makemigrations", "--check", "--dry-run"],
        cwd=tmp_path,
        env=site_env(DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
