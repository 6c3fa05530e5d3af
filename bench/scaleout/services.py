"""The processes of the scale-out run: each started on 127.0.0.1 in its own session (so a
SIGKILL takes its children too), stopped when the run ends, and stopping by itself if the
run dies (the helpers of our own exit when their standard input closes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "bench.scaleout.settings"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                message = f"{process.args[:3]} exited with {process.returncode}"
                raise RuntimeError(message) from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {port} after {seconds:.0f} s") from None
            time.sleep(0.1)


class Service:
    """One named process that can be killed and started again with the same command."""

    def __init__(self, name: str, command: list[str], env: dict, port: int | None = None):
        self.name, self.command, self.env, self.port = name, command, env, port
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    def start(self) -> Service:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        if self.port is not None:
            wait_for_port(self.port, self.process)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (a qcluster's children die with it)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart(self) -> None:
        self.kill()
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        if not self.alive():
            return
        try:
            self.process.stdin.close()
        except OSError:
            pass
        self.kill(signal.SIGTERM)


def django_env(**extra: str) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS, PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def redis(port: int) -> Service:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no"]
    return Service("redis", command, dict(os.environ), port)


def s3(port: int) -> Service:
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return Service("s3", command, dict(os.environ), port)


def smtp_sink(port: int, path: Path) -> Service:
    command = [sys.executable, "-m", "bench.scaleout.smtp_sink", str(port), str(path)]
    return Service("smtp", command, django_env(), port)


def imap(port: int, user: str, password: str) -> Service:
    command = [sys.executable, "-m", "tests.mail.imap_server", str(port), user, password]
    return Service(f"imap {port}", command, django_env(), port)


def web(port: int, env: dict) -> Service:
    command = [sys.executable, "-m", "gunicorn", "bench.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"]
    command += ["--log-level", "warning"]
    return Service(f"web {port}", command, env, port)


def balancer(port: int, backends: list[int]) -> Service:
    command = [sys.executable, "-m", "bench.scaleout.balancer", str(port)]
    command += [str(backend) for backend in backends]
    return Service("balancer", command, django_env(), port)


def qcluster(number: int, env: dict) -> Service:
    command = [sys.executable, "-m", "django", "qcluster"]
    return Service(f"worker {number}", command, env)
