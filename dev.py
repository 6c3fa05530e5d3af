#!/usr/bin/env python3
"""Developer entry point: ``python3 dev.py demo`` and ``python3 dev.py test``.

Both commands bootstrap a virtualenv on a fresh machine (Python 3.11+ is all they need):
they create it when missing and pip-install this project with its extras from
pyproject.toml. The install is skipped when pyproject.toml, the extras and the Wagtail pin
are unchanged since the last run (a hash is stored in the virtualenv), so repeated runs
start at once.

- ``demo``: migrate the example site, load the demo data (``tickets_demo``, which creates
  the Support mailbox), start a task worker (``qcluster``), the demo mailbox's IMAP server
  on 127.0.0.1:1143 (or the next free port) and the page of a second website embedding the
  external ticket page, serve on http://127.0.0.1:8000/ and, once it answers, print the
  logins and addresses. Mail is written to ``example_site/sent_mail/`` with one line per
  message on the console. Ctrl-C stops everything within seconds.
- ``test``: run pytest; extra arguments are passed on (``python3 dev.py test -k mail -x``).
  "No tests collected" counts as a failure. When npm exists it first runs ``npm ci`` (once
  per change of package-lock.json) for the accessibility test's axe-core.
- ``bench``: the performance benchmarks (``bench/run`` calls this; arguments are passed
  on, see docs/PERFORMANCE.md).
- ``setup``: only create or update the virtualenv.

Environment:

- ``DEV_VENV``: virtualenv folder (default ``.venv`` beside this file).
- ``DEV_WAGTAIL``: a pip requirement pinning Wagtail, e.g. ``wagtail==7.0.*``.
- ``DEMO_ADDRESS``: where ``demo`` serves (default ``127.0.0.1:8000``); links in mail
  point there (unless ``BASE_URL`` is set).
- ``DEMO_EMBED_PORT``: port of the second origin whose page embeds the external ticket
  page (default ``8001``; the example settings allow that port to frame it).
- ``DEMO_IMAP_PORT``: port of the demo mailbox's IMAP server on 127.0.0.1 (default
  ``1143``, or the next free port when another program has it; a port set here that is
  taken stops the demo with a message).
- ``DEMO_MAIL_DIR``: where the demo writes its mail (default ``example_site/sent_mail``;
  ``EMAIL_HOST`` sends it over SMTP instead).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


NPM_STAMP = ".wagtail-tickets-npm.sha256"


def ensure_node_modules(root: Path = ROOT) -> bool:
    """``npm ci`` for the JavaScript the browser tests inject (axe-core, pinned in
    package-lock.json), when npm exists and the lock changed since the last install.
    No install scripts run and no browser is downloaded. Whether node_modules is ready."""
    lock = root / "package-lock.json"
    if not lock.exists():
        return False
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = root / "node_modules" / NPM_STAMP
    if stamp.exists() and stamp.read_text().strip() == wanted:
        return True
    npm = shutil.which("npm")
    if npm is None:
        say("npm is missing: the accessibility test cannot run (it skips, and fails in CI)")
        return False
    say("installing the browser tests' JavaScript (npm ci)")
    command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
    if subprocess.call(command, cwd=root) != 0:
        say("npm ci failed: the accessibility test cannot run")
        return False
    stamp.write_text(wanted)
    return True


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


# how long stopping waits for the children before it kills them
STOP_GRACE = 5.0


def signal_group(process: subprocess.Popen, sig: int) -> None:
    """``sig`` to the child's process group (POSIX), or to the child alone."""
    if process.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(process.pid, sig)
        elif sig == getattr(signal, "SIGKILL", None):
            process.kill()
        else:
            process.terminate()
    except ProcessLookupError:
        pass


def stop_all(children: list[subprocess.Popen], grace: float = STOP_GRACE) -> None:
    """Stop every child at once: SIGINT to each process group, as Ctrl-C in a terminal
    would (the task worker's processes then stop together; on SIGTERM its sentinel dies
    first and the worker waits for it forever), one shared wait of at most ``grace``
    seconds, then SIGKILL for whatever is left."""
    for child in children:
        signal_group(child, signal.SIGINT)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            name = " ".join(Path(str(arg)).name for arg in child.args[1:3])
            say(f"{name} did not stop within {grace:g} seconds: killed")
            signal_group(child, signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
            child.wait()


def stop(process: subprocess.Popen) -> None:
    """Stop one child (see ``stop_all``)."""
    stop_all([process])


def interrupt_on_sigterm() -> None:
    """A process manager's SIGTERM stops the demo as Ctrl-C does, children included."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def site_url(address: str) -> str:
    """The address people open for runserver's ``address`` ("8300", "127.0.0.1:8300",
    "0.0.0.0:8300", "[::1]:8300")."""
    host, colon, port = address.strip().rpartition(":")
    if not colon:
        host, port = "", address.strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"DEMO_ADDRESS {address!r} has no port between 1 and 65535")
    host = host.strip("[]")
    if host in ("", "0", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{int(port)}"


def ensure_free(address: str) -> None:
    """A ``ValueError`` when another program listens where the demo would serve (the
    summary would otherwise send people to that program)."""
    host, _colon, port = address.strip().rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        free = port_is_free(int(port), host)
    except (OSError, ValueError):
        return  # an address runserver itself will judge
    if not free:
        raise ValueError(f"{address} is in use by another program: set DEMO_ADDRESS")


def port_setting(name: str, default: int) -> tuple[int, bool]:
    """``(port, chosen)``: the port in the environment variable ``name`` (chosen) or
    ``default``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default, False
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"{name} {value!r} is not a port between 1 and 65535")
    return int(value), True


# how many ports after the default one the demo tries for its IMAP server
IMAP_PORT_TRIES = 20


def choose_imap_port() -> int:
    """The port of the demo mailbox's IMAP server. A port set in ``DEMO_IMAP_PORT`` must
    be free (the demo never reads a mailbox some other program serves); without it the
    demo takes 1143 or, when another program has it, the next free port, and says so."""
    port, chosen = port_setting("DEMO_IMAP_PORT", DEMO_PORT)
    if chosen:
        if not port_is_free(port):
            raise ValueError(
                f"127.0.0.1:{port} (DEMO_IMAP_PORT) is in use by another program: "
                "the demo mailbox would read that server's mail. Choose a free port."
            )
        return port
    for candidate in range(port, port + IMAP_PORT_TRIES):
        if port_is_free(candidate):
            if candidate != port:
                say(
                    f"127.0.0.1:{port} is in use by another program: the demo mailbox's "
                    f"IMAP server takes 127.0.0.1:{candidate} instead (DEMO_IMAP_PORT "
                    "chooses one)"
                )
            return candidate
    raise ValueError(
        f"127.0.0.1:{port} to {port + IMAP_PORT_TRIES - 1} are in use: set DEMO_IMAP_PORT "
        "to a free port"
    )


def start_mail_server(python: Path, env: dict[str, str], port: int) -> list[subprocess.Popen]:
    """The demo mailbox's IMAP server (example_site/mailserver.py) on 127.0.0.1:``port``."""
    server = [str(python), str(ROOT / "example_site" / "mailserver.py"), "--port", str(port)]
    return [start(server, env)]


def wait_until_answering(url: str, seconds: float, process: subprocess.Popen) -> bool:
    """Whether ``url`` answers (any HTTP status) within ``seconds``, while ``process`` (the
    server) runs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except (OSError, ValueError):
            time.sleep(0.3)
    return False


def shown_path(path: Path) -> str:
    """``path`` relative to the project when inside it (``.venv/bin/python``)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# how long the summary waits for the startup mail to be sent, and for the server to answer
MAIL_WAIT = 20
SERVER_WAIT = 60


def demo_environment(url: str, embed_port: int) -> dict[str, str]:
    """The children's environment: links in mail point at ``url``; the example settings
    let the embedding page's port frame the external page; mail goes to files with one
    line each on the console unless the site sends it over SMTP."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", DEMO_EMBED_PORT=str(embed_port))
    env.setdefault("BASE_URL", url)
    if not env.get("EMAIL_HOST"):
        env.setdefault("DEMO_MAIL_DIR", str(ROOT / "example_site" / "sent_mail"))
    return env


def print_summary(python: Path, url: str, embed_port: int, imap_port: int) -> None:
    """The addresses and what to try, last, after the startup output."""
    manage = f"{shown_path(python)} example_site/manage.py"
    say(f"demo site: {url}/ (customer area {url}/account/, admin {url}/admin/)")
    say(f"another website embedding the external ticket page: http://127.0.0.1:{embed_port}/")
    say(
        f"demo mailbox: IMAP on 127.0.0.1:{imap_port}; send it mail with: {manage} "
        "send_demo_mail --subject '...' --body '...', then "
        f"{manage} import_ticket_mail (or wait up to 5 minutes)"
    )
    say("Ctrl-C stops the demo")


def run_demo(python: Path, args: list[str]) -> int:
    try:
        address = os.environ.get("DEMO_ADDRESS", "").strip() or "127.0.0.1:8000"
        url = site_url(address)
        ensure_free(address)
        embed_port, _chosen = port_setting("DEMO_EMBED_PORT", 8001)
        imap_port = choose_imap_port()
    except ValueError as exc:
        say(str(exc))
        return 2
    manage = [str(python), str(ROOT / "example_site" / "manage.py")]
    env = demo_environment(url, embed_port)
    subprocess.run([*manage, "migrate", "--noinput"], check=True, cwd=ROOT, env=env)
    subprocess.run(
        [*manage, "tickets_demo", "--imap-port", str(imap_port)], check=True, cwd=ROOT, env=env
    )
    interrupt_on_sigterm()
    children: list[subprocess.Popen] = []
    try:
        children += start_mail_server(python, env, imap_port)
        children.append(start([*manage, "qcluster"], env))
        if port_is_free(embed_port):
            embed = ROOT / "example_site" / "embed" / "serve.py"
            children.append(
                start([str(python), str(embed), "--port", str(embed_port), "--site", url], env)
            )
        else:
            say(f"127.0.0.1:{embed_port} is in use: no embedding page (DEMO_EMBED_PORT)")
        server = start([*manage, "runserver", address, *args], env)
        children.insert(0, server)
        if wait_until_answering(url + "/", SERVER_WAIT, server):
            logins = [*manage, "tickets_demo", "--logins", "--wait-for-mail", str(MAIL_WAIT)]
            subprocess.run(logins, cwd=ROOT, env=env, check=False)
            print_summary(python, url, embed_port, imap_port)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all(children)


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
        ensure_node_modules()
        return run_tests(python, args)
    if command == "demo":
        return run_demo(python, args)
    if command == "bench":
        return subprocess.call([str(python), "-m", "bench.runner", *args], cwd=ROOT)
    say(f"virtualenv ready: {python}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
