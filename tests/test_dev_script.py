"""dev.py, the README's two commands: the virtualenv install is skipped when nothing changed,
redone when pyproject.toml or the Wagtail pin changes, and "no tests collected" fails; the
demo's addresses and ports, its summary and how it stops."""

from __future__ import annotations

import http.server
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# two of these tests run pytest in a subprocess (marked slow); the rest are quick


@pytest.fixture
def dev(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("DEV_VENV", str(tmp_path / "venv"))
    monkeypatch.delenv("DEV_WAGTAIL", raising=False)
    return module


def fake_venv(dev, extras: list[str], digest: str) -> Path:
    """A virtualenv folder whose python cannot run: any install attempt fails loudly."""
    path = dev.venv_dir()
    python = dev.venv_python(path)
    python.parent.mkdir(parents=True)
    python.write_text("not a python\n")
    (path / dev.STAMP_NAME).write_text(json.dumps({"hash": digest, "extras": extras}))
    return python


def test_install_is_skipped_when_nothing_changed(dev):
    python = fake_venv(dev, ["demo", "test"], dev.install_hash(""))
    assert dev.ensure_venv(["test"]) == python
    assert dev.ensure_venv(["demo"]) == python


@pytest.mark.parametrize(
    "stamp_extras, pin, wanted",
    [
        (["test"], "", ["demo"]),  # another extra is needed
        (["test"], "wagtail==7.0.*", ["test"]),  # another Wagtail pin
    ],
)
def test_install_runs_when_something_changed(dev, monkeypatch, stamp_extras, pin, wanted):
    fake_venv(dev, stamp_extras, dev.install_hash(""))
    monkeypatch.setenv("DEV_WAGTAIL", pin)
    with pytest.raises((subprocess.CalledProcessError, OSError)):
        dev.ensure_venv(wanted)


def test_hash_follows_pyproject_and_pin(dev):
    assert dev.install_hash("") != dev.install_hash("wagtail==7.0.*")
    assert dev.install_hash("") == dev.install_hash("")


@pytest.mark.slow
def test_no_tests_collected_is_a_failure(dev):
    code = dev.run_tests(
        Path(sys.executable),
        ["-q", "-p", "no:randomly", "-k", "no_test_is_called_like_this", "tests/test_docs.py"],
    )
    assert code == 1


@pytest.mark.slow
def test_a_failing_run_keeps_its_exit_code(dev):
    assert dev.run_tests(Path(sys.executable), ["-q", "tests/no_such_file.py"]) == 4


# The demo ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address,url",
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("8300", "http://127.0.0.1:8300"),
        ("0.0.0.0:8300", "http://127.0.0.1:8300"),
        ("localhost:8300", "http://localhost:8300"),
        ("[::1]:8300", "http://[::1]:8300"),
        ("[::]:8300", "http://127.0.0.1:8300"),
    ],
)
def test_the_demo_address_gives_the_url_people_open(dev, address, url):
    assert dev.site_url(address) == url


@pytest.mark.parametrize("address", ["", "host", "127.0.0.1:", "127.0.0.1:99999", "1:0"])
def test_an_address_without_a_port_is_a_message(dev, address):
    with pytest.raises(ValueError, match="DEMO_ADDRESS"):
        dev.site_url(address)


@pytest.mark.parametrize("value", ["abc", "0", "70000", "-1", "80 80"])
def test_a_bad_port_setting_is_a_message(dev, monkeypatch, value):
    monkeypatch.setenv("DEMO_EMBED_PORT", value)
    with pytest.raises(ValueError, match="DEMO_EMBED_PORT"):
        dev.port_setting("DEMO_EMBED_PORT", 8001)


def test_a_port_setting_or_its_default(dev, monkeypatch):
    monkeypatch.delenv("DEMO_EMBED_PORT", raising=False)
    assert dev.port_setting("DEMO_EMBED_PORT", 8001) == (8001, False)
    monkeypatch.setenv("DEMO_EMBED_PORT", " 8401 ")
    assert dev.port_setting("DEMO_EMBED_PORT", 8001) == (8401, True)


@pytest.fixture
def foreign_server():
    """Another program listening on a free port of 127.0.0.1 (the port is yielded)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_a_foreign_server_on_the_default_imap_port_is_never_used(
    dev, monkeypatch, capsys, foreign_server
):
    monkeypatch.delenv("DEMO_IMAP_PORT", raising=False)
    monkeypatch.setattr(dev, "DEMO_PORT", foreign_server)
    port = dev.choose_imap_port()
    assert port != foreign_server and dev.port_is_free(port)
    said = capsys.readouterr().out
    assert f"127.0.0.1:{foreign_server} is in use by another program" in said
    assert f"takes 127.0.0.1:{port} instead" in said


def test_a_chosen_imap_port_in_use_stops_the_demo_with_a_message(
    dev, monkeypatch, capsys, foreign_server
):
    monkeypatch.setenv("DEMO_IMAP_PORT", str(foreign_server))
    with pytest.raises(ValueError, match="in use by another program"):
        dev.choose_imap_port()
    # run_demo says so and stops before migrating anything (this python cannot run)
    assert dev.run_demo(Path("/nonexistent/python"), []) == 2
    assert f"127.0.0.1:{foreign_server} (DEMO_IMAP_PORT) is in use" in capsys.readouterr().out


def test_a_free_chosen_imap_port_is_taken(dev, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    monkeypatch.setenv("DEMO_IMAP_PORT", str(free))
    assert dev.choose_imap_port() == free


def test_the_children_get_the_demo_address_embed_port_and_quiet_mail(dev, monkeypatch):
    for name in ("BASE_URL", "DEMO_MAIL_DIR", "EMAIL_HOST"):
        monkeypatch.delenv(name, raising=False)
    env = dev.demo_environment("http://127.0.0.1:8300", 8301)
    assert env["BASE_URL"] == "http://127.0.0.1:8300"
    assert env["DEMO_EMBED_PORT"] == "8301"
    assert env["DEMO_MAIL_DIR"].endswith("sent_mail")
    monkeypatch.setenv("BASE_URL", "https://support.example.com")
    monkeypatch.setenv("EMAIL_HOST", "smtp.example.com")
    env = dev.demo_environment("http://127.0.0.1:8300", 8301)
    assert env["BASE_URL"] == "https://support.example.com"
    assert "DEMO_MAIL_DIR" not in env


def test_the_summary_names_the_addresses_and_the_virtualenvs_python(dev, capsys):
    dev.print_summary(dev.ROOT / ".venv" / "bin" / "python", "http://127.0.0.1:8300", 8301, 1144)
    said = capsys.readouterr().out
    assert "http://127.0.0.1:8300/admin/" in said and "http://127.0.0.1:8301/" in said
    assert "127.0.0.1:1144" in said
    assert ".venv/bin/python example_site/manage.py send_demo_mail" in said
    assert said.rstrip().endswith("Ctrl-C stops the demo")


def test_waiting_for_the_server_ends_when_it_answers_or_stops(dev):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert dev.wait_until_answering(url, 10, running)  # a 501 is an answer too
    finally:
        server.shutdown()
        server.server_close()
        running.kill()
        running.wait()
    started = time.monotonic()
    assert not dev.wait_until_answering(url, 10, running)  # its process has ended
    assert time.monotonic() - started < 1


# A child that starts a grandchild in its process group; it leaves on SIGINT, unless told
# to ignore it (then only SIGKILL stops it).
CHILD = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    if sys.argv[1] == "stubborn":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    else:
        # polite whatever it inherited (a shell's background job starts with SIGINT ignored)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print(grandchild.pid, flush=True)
    time.sleep(60)
    """
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return True


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_stopping_takes_seconds_and_leaves_no_process(dev, capsys):
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, kind],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for kind in ("polite", "stubborn")
    ]
    grandchildren = [int(child.stdout.readline()) for child in children]
    started = time.monotonic()
    # the grace leaves a loaded machine time to deliver the polite child's interrupt
    dev.stop_all(children, grace=3.0)
    took = time.monotonic() - started
    assert took < 6, took
    assert [child.returncode for child in children] == [-signal.SIGINT, -signal.SIGKILL]
    time.sleep(0.2)
    assert not any(alive(pid) for pid in grandchildren)
    assert "did not stop within 3 seconds: killed" in capsys.readouterr().out
    for child in children:
        child.stdout.close()


def test_a_demo_address_another_program_holds_stops_the_demo(
    dev, monkeypatch, capsys, foreign_server
):
    monkeypatch.setenv("DEMO_ADDRESS", f"127.0.0.1:{foreign_server}")
    assert dev.run_demo(Path("/nonexistent/python"), []) == 2
    assert f"127.0.0.1:{foreign_server} is in use by another program" in capsys.readouterr().out


# The browser tests' JavaScript ------------------------------------------------------------


def test_npm_ci_runs_once_per_lock_and_never_without_npm(dev, monkeypatch, tmp_path):
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3}')
    calls = []

    def fake_call(command, cwd):
        calls.append(command)
        (Path(cwd) / "node_modules").mkdir(exist_ok=True)
        return 0

    monkeypatch.setattr(dev.subprocess, "call", fake_call)
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    assert dev.ensure_node_modules(tmp_path) is False and calls == []
    monkeypatch.setattr(dev.shutil, "which", lambda name: "/usr/bin/npm")
    assert dev.ensure_node_modules(tmp_path) is True
    assert calls == [["/usr/bin/npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"]]
    assert dev.ensure_node_modules(tmp_path) is True and len(calls) == 1
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "changed": 1}')
    assert dev.ensure_node_modules(tmp_path) is True and len(calls) == 2


def test_a_failing_npm_ci_is_reported_not_raised(dev, monkeypatch, tmp_path, capsys):
    (tmp_path / "package-lock.json").write_text("{}")
    monkeypatch.setattr(dev.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(dev.subprocess, "call", lambda command, cwd: 1)
    assert dev.ensure_node_modules(tmp_path) is False
    assert "npm ci failed" in capsys.readouterr().out
