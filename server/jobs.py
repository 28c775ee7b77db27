"""The job queue: huey, its store chosen by the JOB_QUEUE_URL setting.

- unset: SqliteHuey in a file of the instance folder (jobs.db), for `make demo` and other embedded setups;
- `sqlite:///PATH`: SqliteHuey in that file;
- `redis://HOST:PORT/DB`: RedisHuey, for production (docs/deploy.md);
- `immediate:`: huey's immediate mode, each job run at once inside the caller: only for tests that drive the pages
  through Flask's test client without a worker. Never in production: the job would run in the web worker.
JOB_QUEUE_NAME names the queue, so that several deployments (or parallel test runs) can share one Redis.

The web app only enqueues (a job's id; its data is in the database); the *worker*, huey's consumer started by
`doorstep worker`, runs the jobs, each in an app context of its own. Each app builds its huey on first use and
registers the tasks on it under fixed names, so the web side and the worker agree without a module-level app, and
an app that never enqueues never opens the queue's store.
"""
import os

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

IMPORT_TASK = "doorstep.import_households"
RETRIES = 2
"""A job that raises is tried again this many times (a database restart, a worker killed mid-job)."""
RETRY_DELAY = 5


def queue(app: Flask) -> Huey:
    """The app's huey, built and given its tasks on first use."""
    huey = app.extensions.get("huey")
    if huey is None:
        huey = _make(app)
        _register(app, huey)
        app.extensions["huey"] = huey
    return huey


def _make(app: Flask) -> Huey:
    url = app.config.get("JOB_QUEUE_URL") or ""
    name = app.config.get("JOB_QUEUE_NAME") or "doorstep"
    if url.startswith("immediate:"):
        return MemoryHuey(name, immediate=True)  # nothing outlives the process
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
    elif not url:
        path = os.path.join(app.instance_path, "jobs.db")
    else:
        raise ValueError(f"JOB_QUEUE_URL: unknown kind of queue {url.split(':', 1)[0]!r}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return SqliteHuey(name, filename=path)


def _register(app: Flask, huey: Huey) -> None:
    @huey.task(name=IMPORT_TASK, retries=RETRIES, retry_delay=RETRY_DELAY, context=True)
    def import_households(job_id: int, task=None):
        from .admin import import_jobs
        with app.app_context():
            # In immediate mode a retry would wait for a worker that does not exist: every attempt is the last.
            import_jobs.run(job_id, last_attempt=huey.immediate or task is None or not task.retries)

    app.extensions["doorstep_tasks"] = {IMPORT_TASK: import_households}


def enqueue_import(job_id: int) -> None:
    """Queue the import job `job_id` (a row of import_jobs) for the worker."""
    app = current_app._get_current_object()
    queue(app)
    app.extensions["doorstep_tasks"][IMPORT_TASK](job_id)


def run_worker(app: Flask, workers: int = 1) -> None:
    """Queue again the imports that a stopped worker left unfinished (huey takes a job off the queue when it starts
    it: one killed mid-job is not in the queue any more), then run huey's consumer until SIGINT (it finishes the
    job in hand) or SIGTERM (it stops at once; the job resumes at the next start)."""
    huey = queue(app)
    if huey.immediate:
        raise ValueError("JOB_QUEUE_URL is immediate: there is no queue for a worker to read")
    from .admin import import_jobs
    with app.app_context():
        for job_id in import_jobs.unfinished():
            enqueue_import(job_id)
    from .health import start_heartbeat
    start_heartbeat(app)  # /readyz reads it (server/health.py)
    huey.create_consumer(workers=workers, worker_type="thread", periodic=False).run()
