"""gunicorn settings for production; each value can be overridden from the environment."""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# No max_requests: recycling every worker after N requests restarted them all within seconds
# of each other under load (throughput fell from 94 to 10 requests/s). Workers hold no state
# that grows, so they live until a deploy restarts them one by one.
max_requests = 0
# gunicorn 27 opens a control socket in the user's home by default; nothing here uses it.
control_socket_disable = True
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# The path as the portal logs it (portal.observability puts it in the environ): no query
# string, and a route's pattern instead of a share code or token in the path.
access_log_format = (
    '%(h)s "%(m)s %({portal.log_path}e)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
)

# --- logs: JSON lines unless LOG_FORMAT=text ----------------------------------------------
# The workers read LOG_FORMAT too: under gunicorn the portal logs JSON unless told otherwise.
os.environ.setdefault("LOG_FORMAT", "json")
# One access line per request: gunicorn's, with the fields the portal hands it (the endpoint,
# the client through TRUSTED_PROXIES, who called), instead of a second line from the portal.
os.environ.setdefault("ACCESS_LOG", "server")


def _json_formatter():
    """gunicorn's own lines with the portal's field names (portal/observability.py); an access
    line adds the request's fields. A class of pythonjsonlogger's, made here: importing the
    portal in the master would hand its modules to every worker, stale after a reload."""
    from pythonjsonlogger.json import JsonFormatter

    class GunicornJsonFormatter(JsonFormatter):
        def add_fields(self, log_data, record, message_dict):
            super().add_fields(log_data, record, message_dict)
            if record.name == "gunicorn.access" and isinstance(record.args, dict):
                atoms = record.args
                log_data.update(
                    remote_addr=atoms["h"],
                    method=atoms["m"],
                    path=atoms["{portal.log_path}e"],
                    status=int(atoms["s"]),
                    bytes=atoms["B"] or 0,
                    duration_ms=round(atoms["D"] / 1000, 2),
                    request_id=atoms["{x-request-id}o"],
                )
                portal_fields = atoms["{portal.access}e"]
                if isinstance(portal_fields, dict):  # absent ("-") if the portal never saw it
                    log_data.update(portal_fields)

    return GunicornJsonFormatter(
        ["levelname", "name", "message", "process"],
        rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
        timestamp="time",
        defaults={"request_id": "-"},  # the master's lines belong to no request
    )


def _stream(name: str) -> dict:
    return {"class": "logging.StreamHandler", "formatter": "json", "stream": f"ext://sys.{name}"}


if os.environ["LOG_FORMAT"] == "json":
    logconfig_dict = {
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
        "handlers": {"stdout": _stream("stdout"), "stderr": _stream("stderr")},
        "formatters": {"json": {"()": _json_formatter}},
    }

# --- metrics: every worker's counts in one directory, summed by each scrape ----------------
# Set before any worker imports prometheus_client (it reads the variable on import); a
# directory made here is removed on exit (the mark survives this file being read again).
_TEMPORARY_MARK = "PORTAL_TEMPORARY_METRICS_DIR"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-metrics-")
    os.environ[_TEMPORARY_MARK] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    """Counts start from zero with each gunicorn: files left by a previous one go (one
    directory per gunicorn: another's files would be removed and summed)."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    """A dead worker's live gauges stop counting; its counters stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get(_TEMPORARY_MARK) == os.environ["PROMETHEUS_MULTIPROC_DIR"]:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
