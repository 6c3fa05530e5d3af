#!/usr/bin/env python3
"""Developer entry point: ``python3 dev.py demo`` and ``python3 dev.py test``.

Both commands bootstrap a virtualenv on a fresh machine (Python 3.11+ is all they need):
they create it when missing and pip-install this project with its extras from
pyproject.toml. The install is skipped when pyproject.toml, the extras and the Wagtail pin
are unchanged since the last run (a hash is stored in the virtualenv), so repeated runs
start at once.

- ``demo``: migrate the example site, load the demo data (``tickets_demo``, which prints
  the logins and creates the Support mailbox), start a task worker (``qcluster``), the demo
  mailbox's IMAP server on 127.0.0.1:1143 (when that port is free) and serve on
  http://127.0.0.1:8000/.
- ``test``: run pytest; extra arguments are passed on (``python3 dev.py test -k mail -x``).
  "No tests collected" counts as a failure.
- ``bench``: the performance benchmarks (``bench/run`` calls this; arguments are passed
  on, see docs/PERFORMANCE.md).
- ``setup``: only create or update the virtualenv.

Environment:

- ``DEV_VENV``: virtualenv folder (default ``.venv`` beside this file).
- ``DEV_WAGTAIL``: a pip requirement pinning Wagtail, e.g. ``wagtail==7.0.*``.
- ``DEMO_ADDRESS``: where ``demo`` serves (default ``127.0.0.1:8000``).
- ``DEMO_EMBED_PORT``: port of the second origin whose page embeds the external ticket
  page (default ``8001``; the example settings allow 8001 to frame it).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

from example_site.mailserver import DEMO_PORT, port_is_free

ROOT = Path(__file__).resolve().parent
STAMP_NAME = ".wagtail-tickets-install.json"
STAMP_VERSION = 1
PYTEST_NO_TESTS_COLLECTED = 5
EXTRAS = {
    "demo": ["demo"],
    "test": ["test"],
    "bench": ["demo", "test", "bench"],
    "setup": ["demo", "test"],
}


def say(text: str) -> None:
    print(f"dev.py: {text}", flush=True)


def venv_dir() -> Path:
    configured = os.environ.get("DEV_VENV", "").strip()
    path = Path(configured) if configured else ROOT / ".venv"
    return path if path.is_absolute() else (ROOT / path)


def venv_python(path: Path) -> Path:
    if os.name == "nt":
        return path / "Scripts" / "python.exe"
    return path / "bin" / "python"


def install_hash(wagtail_pin: str) -> str:
    digest = hashlib.sha256()
    digest.update((ROOT / "pyproject.toml").read_bytes())
    digest.update(f"\0{wagtail_pin}\0{STAMP_VERSION}".encode())
    return digest.hexdigest()


def read_stamp(path: Path) -> dict:
    try:
        return json.loads((path / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return {}


def ensure_venv(extras: list[str]) -> Path:
    """Create the virtualenv if needed and install the project unless nothing changed."""
    path = venv_dir()
    python = venv_python(path)
    if not python.exists():
        say(f"creating virtualenv {path}")
        venv.EnvBuilder(with_pip=True, clear=path.exists()).create(path)
    wagtail_pin = os.environ.get("DEV_WAGTAIL", "").strip()
    wanted = install_hash(wagtail_pin)
    stamp = read_stamp(path)
    installed = set(stamp.get("extras", [])) if stamp.get("hash") == wanted else set()
    if set(extras) <= installed:
        return python
    needed = sorted(installed | set(extras))
    requirements = [f".[{','.join(needed)}]"]
    if wagtail_pin:
        requirements.append(wagtail_pin)
    say(f"installing {' '.join(requirements)} into {path}")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, cwd=ROOT
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--editable", *requirements],
        check=True,
        cwd=ROOT,
    )
    (path / STAMP_NAME).write_text(json.dumps({"hash": wanted, "extras": needed}))
    return python


def run_tests(python: Path, args: list[str]) -> int:
    code = subprocess.call([str(python), "-m", "pytest", *args], cwd=ROOT)
    if code == PYTEST_NO_TESTS_COLLECTED:
        say("pytest collected no tests: that is a failure")
        return 1
    return code


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A child in its own process group, so stopping it also stops what it started
    (runserver's autoreloader runs the server in a child of its own)."""
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=os.name == "posix")


def stop(process: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    if process.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(process.pid, sig)
        else:
            process.terminate()
        process.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()


def interrupt_on_sigterm() -> None:
    """A process manager's SIGTERM stops the demo as Ctrl-C does, children included."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def start_mail_server(python: Path, env: dict[str, str]) -> list[subprocess.Popen]:
    """The demo mailbox's IMAP server (example_site/mailserver.py), unless something already
    listens on its port: then the demo mailbox reads from that."""
    if not port_is_free(DEMO_PORT):
        say(f"127.0.0.1:{DEMO_PORT} is in use: not starting the demo mailbox's IMAP server")
        return []
    server = [str(python), str(ROOT / "example_site" / "mailserver.py"), "--port", str(DEMO_PORT)]
    return [start(server, env)]


def run_demo(python: Path, args: list[str]) -> int:
    address = os.environ.get("DEMO_ADDRESS", "127.0.0.1:8000")
    manage = [str(python), str(ROOT / "example_site" / "manage.py")]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    subprocess.run([*manage, "migrate", "--noinput"], check=True, cwd=ROOT, env=env)
    subprocess.run([*manage, "tickets_demo"], check=True, cwd=ROOT, env=env)
    interrupt_on_sigterm()
    embed_port = os.environ.get("DEMO_EMBED_PORT", "8001")
    children = [
        *start_mail_server(python, env),
        start([*manage, "qcluster"], env),
        start(
            [
                str(python),
                str(ROOT / "example_site" / "embed" / "serve.py"),
                *("--port", embed_port, "--site", f"http://{address}"),
            ],
            env,
        ),
    ]
    say(f"demo site on http://{address}/ (customer area /account/, admin /admin/); Ctrl-C stops")
    say(f"another website embedding the external ticket page: http://127.0.0.1:{embed_port}/")
    say(
        "mail to the Support mailbox: python example_site/manage.py send_demo_mail "
        "--subject '...' --body '...', then import_ticket_mail (or wait up to 5 minutes)"
    )
    server = start([*manage, "runserver", address, *args], env)
    children.insert(0, server)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            stop(child)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036  (the message beats a traceback)
        say("Python 3.11 or newer is required")
        return 2
    if not argv or argv[0] not in EXTRAS:
        print(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    try:
        python = ensure_venv(EXTRAS[command])
    except subprocess.CalledProcessError as exc:
        say(f"installing failed ({exc})")
        return 1
    if command == "test":
        return run_tests(python, args)
    if command == "demo":
        return run_demo(python, args)
    if command == "bench":
        return subprocess.call([str(python), "-m", "bench.runner", *args], cwd=ROOT)
    say(f"virtualenv ready: {python}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
