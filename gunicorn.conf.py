"""gunicorn settings for production; each value can be overridden from the environment."""

import multiprocessing
import os

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
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
