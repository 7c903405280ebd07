"""gunicorn's settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

The throughput benchmark (benchmarks/throughput.py) runs the portal with this same file.

Thread workers ("gthread") keep HTTP/1.1 connections alive between requests, as browsers and
a proxy's connection pool both do; gunicorn's default "sync" worker closes every connection
after one response. The portal's work is mostly Python (routing, queries, templates) under the
GIL, so it scales with processes, not threads: one worker process per CPU, plus one so a core
is not left idle while a worker waits on the database, and a few threads in each to overlap
that waiting and to hold idle keep-alive connections.

Any of these can be changed without editing the file: ``WEB_CONCURRENCY`` sets the number of
workers, ``GUNICORN_THREADS`` the threads in each, and command-line options (``--bind``,
``--workers``...) override the file.
"""

import os

from portal.config import worker_count

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
# WEB_CONCURRENCY, or the CPUs this process may run on (its affinity) plus one. The app
# reads the same number, and in production refuses to count sign-in guesses in each
# worker's own memory when there is more than one (portal/config.py).
workers = worker_count()
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# Seconds an idle keep-alive connection is held open: longer than the gap between a page and
# its next request from the same client, shorter than a proxy's upstream idle timeout.
keepalive = 5
# A worker silent for this long is restarted. (Thread workers keep answering their
# heartbeat while a request runs, so this does not cut a slow request short.)
timeout = 30
graceful_timeout = 20
# The worker heartbeat file lives in memory, not on a disk that may stall (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
