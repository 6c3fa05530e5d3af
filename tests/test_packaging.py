"""The distribution: the built wheel carries every file of the package (templates, static
files, translations, migrations), and installed from the wheel (not editable) into a fresh
virtualenv it migrates, loads the demo data and serves the customer area.

Building the sdist and the wheel takes seconds and always runs. Installing into a fresh
virtualenv downloads Wagtail and friends: marked ``packaging``, it runs in CI (``CI`` set)
or with ``RUN_PACKAGING_TESTS=1``.
"""

from __future__ import annotations

import email.parser
import os
import re
import socket
import subprocess
import sys
import tarfile
import textwrap
import time
import urllib.error
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wagtail_tickets"
SKIPPED_PARTS = {"__pycache__"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}
LANGUAGES = ("de", "nl", "it")

# builds the sdist and the wheel in a subprocess (and, marked packaging, a virtualenv)
pytestmark = pytest.mark.slow


def source_files() -> set[str]:
    """Every file of the package in the source tree, as wheel paths."""
    files = set()
    for path in PACKAGE.rglob("*"):
        if not path.is_file() or SKIPPED_PARTS & set(path.parts):
            continue
        if path.suffix in SKIPPED_SUFFIXES:
            continue
        files.add(path.relative_to(ROOT).as_posix())
    return files


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """sdist and wheel built the way a release is: the wheel is built from the sdist, so a
    file missing from either shows up."""
    outdir = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return outdir


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    (path,) = dist.glob("wagtail_tickets-*-py3-none-any.whl")
    return path


@pytest.fixture(scope="module")
def wheel_names(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_has_every_file_of_the_package(wheel_names):
    missing = sorted(source_files() - wheel_names)
    assert not missing, f"not in the wheel: {missing}"


def test_wheel_carries_templates_static_files_locale_and_migrations(wheel_names):
    def under(prefix: str, suffix: str = "") -> list[str]:
        return [n for n in wheel_names if n.startswith(prefix) and n.endswith(suffix)]

    assert under("wagtail_tickets/templates/wagtail_tickets/customer/", ".html")
    assert under("wagtail_tickets/static/wagtail_tickets/css/", ".css")
    assert under("wagtail_tickets/static/wagtail_tickets/js/", ".js")
    assert "wagtail_tickets/migrations/0001_initial.py" in wheel_names
    assert "wagtail_tickets/management/commands/tickets_demo.py" in wheel_names
    assert "wagtail_tickets/templatetags/wagtail_tickets_tags.py" in wheel_names
    for language in LANGUAGES:
        assert f"wagtail_tickets/locale/{language}/LC_MESSAGES/django.mo" in wheel_names
        assert f"wagtail_tickets/locale/{language}/LC_MESSAGES/django.po" in wheel_names


def test_wheel_leaves_out_tests_and_the_example_site(wheel_names):
    assert not [n for n in wheel_names if n.startswith(("tests/", "example_site/"))]
    assert not [n for n in wheel_names if n.endswith((".pyc", ".sqlite3"))]


def test_wheel_metadata(wheel, wheel_names):
    (metadata_name,) = [n for n in wheel_names if n.endswith(".dist-info/METADATA")]
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
    assert metadata["Name"] == "wagtail-tickets"
    assert metadata["Requires-Python"] == ">=3.11"
    extras = set(metadata.get_all("Provides-Extra"))
    assert {"redis", "postgres", "modeladmin", "test", "demo"} <= extras
    assert "nh3" not in extras  # a dependency, never an extra
    requires = " ".join(metadata.get_all("Requires-Dist"))
    for dependency in (
        "Django", "wagtail", "bleach==6.4.0", "nh3", "django-q2", "django-templated-mail"
    ):  # fmt: skip
        assert dependency in requires
    assert metadata.get_payload().lstrip().startswith("# wagtail-tickets")


def test_sdist_carries_the_package_data(dist):
    (sdist,) = dist.glob("wagtail_tickets-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = sorted(source_files() - names)
    assert not missing, f"not in the sdist: {missing}"


SMOKE_SETTINGS = """
SECRET_KEY = "packaging-smoke-test"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "wagtail_tickets", "django_q",
    "wagtail.contrib.settings", "wagtail.users", "wagtail.snippets", "wagtail.documents",
    "wagtail.images", "wagtail.search", "wagtail.admin", "wagtail", "modelcluster", "taggit",
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "smoke_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "smoke.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("nl", "Nederlands"), ("it", "Italiano")]
STATIC_URL = "/static/"
MEDIA_ROOT = "media"
LOGIN_URL = "/login/"
WAGTAILADMIN_BASE_URL = "http://testserver"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {"name": "smoke", "orm": "default", "sync": True, "timeout": 60, "retry": 120}
"""

SMOKE_URLS = """
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("tickets/", include("wagtail_tickets.urls")),
    path("", include(wagtail_urls)),
]
"""

SMOKE_SCRIPT = """
import sys
from pathlib import Path

import django

django.setup()

import wagtail_tickets
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse
from django.utils import translation

package = Path(wagtail_tickets.__file__).resolve().parent
assert "site-packages" in package.parts, package
assert not (package / "__editable__").exists()
repo = Path(sys.argv[1]).resolve()
assert repo not in package.parents, package

get_template("wagtail_tickets/customer/base.html")
assert finders.find("wagtail_tickets/css/customer.css")
for language in ("de", "nl", "it"):
    assert (package / "locale" / language / "LC_MESSAGES" / "django.mo").is_file()
with translation.override("de"):
    assert translation.gettext("My Tickets") != "My Tickets", "no German catalogue"

call_command("migrate", verbosity=0)
call_command("tickets_demo", verbosity=0)  # the customer model is the user model here
call_command("check", fail_level="ERROR")

client = Client()
assert client.login(username="customer", password="demo-password")
response = client.get(reverse("wagtail_tickets:my_tickets"))
assert response.status_code == 200, response.status_code
assert b"Printer shows error E-52" in response.content
other = Client()
assert other.login(username="customer2", password="demo-password")
assert b"Printer shows error E-52" not in other.get(reverse("wagtail_tickets:my_tickets")).content
print("wheel smoke test passed")
"""


needs_install = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("RUN_PACKAGING_TESTS")),
    reason="installs the wheel with its dependencies into a fresh virtualenv: set CI=true or "
    "RUN_PACKAGING_TESTS=1",
)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The ``python`` of a fresh virtualenv with the wheel (not editable) installed."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    return python


def outside_env(**extra: str) -> dict[str, str]:
    """This process's environment without what points at the test project."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "VIRTUAL_ENV")
    }
    env.update(extra)
    return env


@pytest.mark.packaging
@needs_install
def test_wheel_installs_into_a_fresh_virtualenv_and_works(installed, tmp_path):
    python = installed
    project = tmp_path / "project"
    project.mkdir()
    (project / "smoke_settings.py").write_text(textwrap.dedent(SMOKE_SETTINGS))
    (project / "smoke_urls.py").write_text(textwrap.dedent(SMOKE_URLS))
    (project / "smoke.py").write_text(textwrap.dedent(SMOKE_SCRIPT))
    env = outside_env(DJANGO_SETTINGS_MODULE="smoke_settings", PYTHONPATH=str(project))
    result = subprocess.run(
        [str(python), "smoke.py", str(ROOT)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert "wheel smoke test passed" in result.stdout


# The installation guide on a stock site ---------------------------------------------------

GUIDE = ROOT / "docs" / "installation.md"


def guide_block(first_line: str) -> str:
    """The code block of docs/installation.md whose first line starts with ``first_line``:
    what the test applies is what the guide says, word for word."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", GUIDE.read_text(), flags=re.S)
    found = [block for block in blocks if block.startswith(first_line)]
    assert len(found) == 1, f"the guide has {len(found)} blocks starting with {first_line!r}"
    return found[0]


def follow_the_guide(site: Path) -> None:
    """Steps 2 and 3 of the guide and its layout for a stock site, applied to the files
    ``wagtail start mysite`` made."""
    settings = site / "mysite" / "settings" / "base.py"
    text = settings.read_text()
    text, replaced = re.subn(
        r"^INSTALLED_APPS = \[\n.*?^\]\n",
        lambda _m: guide_block("INSTALLED_APPS = ["),
        text,
        count=1,
        flags=re.S | re.M,
    )
    assert replaced == 1
    text += "\n" + guide_block("Q_CLUSTER = {")
    text += "\n" + guide_block('WAGTAIL_TICKETS = {"CUSTOMER_BASE_TEMPLATE"')
    settings.write_text(text)

    urls = site / "mysite" / "urls.py"
    admin_line = '    path("admin/", include(wagtailadmin_urls)),\n'
    assert admin_line in urls.read_text()
    urls.write_text(
        urls.read_text().replace(admin_line, admin_line + guide_block('    path("tickets/"'))
    )

    base = site / "mysite" / "templates" / "base.html"
    content = "{% block content %}"
    assert base.read_text().count(content) == 1
    navigation = guide_block("{% block navigation %}").strip()
    base.write_text(base.read_text().replace(content, navigation + "\n\n        " + content))
    account = site / "mysite" / "templates" / "account" / "base.html"
    account.parent.mkdir()
    account.write_text(guide_block('{% extends "base.html" %}'))


SETUP_SCRIPT = """
from django.contrib.auth import get_user_model
from wagtail_tickets.models import TicketType

TicketType.objects.create(name="Support", signed_in_level=20)
user = get_user_model().objects.create_user("carla", "carla@example.com", "carla-password")
print("set up", user.pk)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()[-3000:]
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # the server answers
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds} s")


@pytest.mark.packaging
@pytest.mark.browser
@needs_install
def test_the_installation_guide_works_on_a_wagtail_start_site(
    installed, tmp_path, chromium, screenshot
):
    """A stock ``wagtail start`` site, the installed wheel and nothing but the guide's
    steps: migrate, a type every signed-in user may open tickets on, and a customer who
    logs in through the shipped login page and finds My Tickets in the site's layout."""
    bin_dir = installed.parent
    site = tmp_path / "site"
    site.mkdir()
    env = outside_env()
    run = {"cwd": site, "env": env, "capture_output": True, "text": True, "timeout": 600}
    started = subprocess.run([str(bin_dir / "wagtail"), "start", "mysite", str(site)], **run)
    assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
    follow_the_guide(site)

    manage = [str(installed), "manage.py"]
    migrated = subprocess.run([*manage, "migrate", "--noinput"], **run)
    assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-5000:]
    assert "W040" not in migrated.stdout + migrated.stderr
    checked = subprocess.run([*manage, "check", "--database", "default"], **run)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-5000:]
    assert "wagtail_tickets." not in checked.stdout + checked.stderr
    assert "W040" not in checked.stdout + checked.stderr
    setup = subprocess.run([*manage, "shell", "-c", SETUP_SCRIPT], **run)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-5000:]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(base + "/accounts/login/", server)
        page = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.goto(base + "/tickets/")
        assert page.url.startswith(base + "/accounts/login/?next=")
        assert page.locator("nav.account-nav").count() == 1  # the guide's layout
        screenshot(page, "stock-login.png", min_bytes=3000)
        page.fill("[name=username]", "carla")
        page.fill("[name=password]", "carla-password")
        page.locator(".wt-customer form [type=submit]").click()
        page.wait_for_url(base + "/tickets/")
        assert page.locator("h1", has_text="My Tickets").count() == 1
        nav = page.locator("nav.account-nav")
        assert nav.locator("[data-name=my_tickets]").count() == 1
        assert nav.locator("[data-name=logout]").count() == 1
        assert page.locator("a[href='/tickets/new/']").count() >= 1  # the signed-in level
        screenshot(page, "stock-my-tickets.png", min_bytes=3000)
        page.goto(base + "/accounts/")
        assert page.locator(".wt-account__item[data-name=my_tickets]").count() == 1
        screenshot(page, "stock-account.png", min_bytes=3000)
        other = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
        other.goto(base + "/accounts/password/reset/")
        assert other.locator("[name=email]").count() == 1
        screenshot(other, "stock-password-reset.png", min_bytes=3000)
    finally:
        server.terminate()
        server.wait(timeout=30)
