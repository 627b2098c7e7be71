"""The server processes a benchmark starts: a free loopback port for each, and a context that
stops every one of them (and its process group) on leaving, whatever the reason."""

import os
import runpy
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from unittest import mock

from portal import PROJECT_ROOT

STOP_SECONDS = 20


def gunicorn_settings() -> dict:
    """The values gunicorn.conf.py sets, read without its side effects on this process: the
    file sets LOG_FORMAT and makes a metrics directory in the environment, which a gunicorn
    started from here would inherit (and remove on exit) and later apps would read."""
    with mock.patch.dict(os.environ, PROMETHEUS_MULTIPROC_DIR="read-only"):
        return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def stopped_at_exit() -> Iterator[list[subprocess.Popen]]:
    """The processes added to the list are stopped on leaving, whatever the reason; SIGTERM to
    this process leaves it too (as SystemExit), so a killed benchmark leaves no server behind."""
    processes: list[subprocess.Popen] = []
    previous = None
    if _in_main_thread():
        previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield processes
    finally:
        for process in processes:
            _signal_group(process, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):  # it ended meanwhile
            os.killpg(process.pid, signum)  # gunicorn's arbiter and its workers
