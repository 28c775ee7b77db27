"""Import jobs: an uploaded household list, stored, then imported by the worker (server/jobs.py) with its progress
in the database, so that any web worker can show it.

Terms:
- the *upload* is the file as sent, stored in UPLOAD_FOLDER under a random name (never the sender's file name), at
  most IMPORT_MAX_BYTES; it and its spool (importer.py) are deleted when the job ends, done or failed;
- a job's *states*: queued (waiting for the worker), checking (reading and checking rows), importing (writing the
  good households), done (the report is final, whether anything was written or not) and failed (the file was
  refused, or the job stopped on an error after its retries: `failure` says which).
A job is idempotent: a retried job checks the file again if it had not finished checking, and otherwise resumes
after the last chunk it committed (`written`, committed with that chunk); a finished job is never run again, and a
job already running in this worker is not started twice. One worker process serves a deployment (docs/deploy.md):
two would each resume the same unfinished job when they start.
"""
import os
import secrets
import threading

from flask import current_app
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import ImportJob, utcnow
from . import importer, uploads
from .importer import ImportReport
from .uploads import Problem, Refused

FINISHED = ("done", "failed")
_running: set[int] = set()  # jobs running in this process, so that a job queued twice runs once
_running_lock = threading.Lock()
CHUNK_BYTES = 1024 * 1024
_STOPPED = Problem("The import stopped on an error after {tries} tries: the households counted here were imported "
                   "before it. Upload the file again to import the rest.")


def upload_folder() -> str:
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    os.makedirs(folder, exist_ok=True)
    return folder


def max_bytes() -> int:
    return current_app.config["IMPORT_MAX_BYTES"]


def _paths(job: ImportJob) -> tuple[str, str]:
    path = os.path.join(upload_folder(), job.upload)
    return path, path + ".spool"


def store(stream) -> tuple[str, int]:
    """Copy an uploaded file (a binary stream) into the upload folder; returns its stored name and size. Raises
    Refused, keeping nothing, past IMPORT_MAX_BYTES."""
    name = secrets.token_hex(16) + ".upload"
    path = os.path.join(upload_folder(), name)
    size, limit = 0, max_bytes()
    try:
        with open(path, "wb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise Refused("The file is larger than {limit} MB.", limit=limit // uploads.MB)
                out.write(chunk)
        if size == 0:
            raise Refused("The file is empty.")
        uploads.check(path)
    except BaseException:
        _remove(path)
        raise
    return name, size


def create(stream, commune_id: int, skip_bad: bool, user_id: int | None) -> ImportJob:
    """Store the upload, add its job and queue it; raises Refused for a file refused before any row is read."""
    from ..jobs import enqueue_import
    name, size = store(stream)
    job = ImportJob(commune_id=commune_id, user_id=user_id, skip_bad=skip_bad, upload=name, size=size,
                    state="queued", errors=[])
    db.session.add(job)
    db.session.flush()
    audit.record("import_started", by_user_id=user_id, target=f"commune:{commune_id}", job=job.id,
                 commune=commune_id, bytes=size, skip_bad=skip_bad)
    db.session.commit()
    try:
        enqueue_import(job.id)
    except Exception:  # the queue is down: the job waits as queued, and the worker queues it again when it starts
        current_app.logger.exception("import job %s could not be queued", job.id)
    return job


def unfinished() -> list[int]:
    """The ids of the jobs not done or failed, oldest first."""
    return list(db.session.execute(select(ImportJob.id).where(ImportJob.state.not_in(FINISHED))
                                   .order_by(ImportJob.id)).scalars())


def run(job_id: int, last_attempt: bool = True) -> None:
    """The worker's task: run (or resume) job `job_id`. An error is raised again for huey to retry, except on the
    last attempt, where the job is marked failed."""
    with _running_lock:
        if job_id in _running:
            return
        _running.add(job_id)
    try:
        _run_once(job_id, last_attempt)
    finally:
        with _running_lock:
            _running.discard(job_id)


def _run_once(job_id: int, last_attempt: bool) -> None:
    job = db.session.get(ImportJob, job_id)
    if job is None or job.state in FINISHED:
        return
    try:
        _run(job)
    except Exception:
        db.session.rollback()
        if not last_attempt:
            raise
        job = db.session.get(ImportJob, job_id)
        _finish(job, "failed", failure=Problem(_STOPPED.message, {"tries": 1 + _retries()}))
        current_app.logger.exception("import job %s failed", job_id)


def _retries() -> int:
    from ..jobs import RETRIES
    return RETRIES


def _run(job: ImportJob) -> None:
    path, spool = _paths(job)
    if job.state in ("queued", "checking") or not os.path.exists(spool):
        if not _check(job, path, spool):
            return
    _write(job, spool)


def _check(job: ImportJob, path: str, spool: str) -> bool:
    """The checking state; True when the job goes on to write."""
    job.state, job.started_at, job.rows_done, job.rows_total = "checking", job.started_at or utcnow(), 0, 0
    db.session.commit()

    def progress(line: int, lines: int) -> None:
        job.rows_done, job.rows_total = line, max(lines, line)
        db.session.commit()

    if not os.path.exists(path):
        _finish(job, "failed", failure=Problem("The uploaded file is gone: upload it again."))
        return False
    report = ImportReport()
    readable = importer.check(path, job.commune_id, spool, report,
                              max_rows=current_app.config["IMPORT_MAX_ROWS"], progress=progress)
    if not readable:
        line, column, message, values = report.errors[0]
        _finish(job, "failed", failure=Problem(message, values))
        return False
    job.data_rows, job.error_count = report.rows, report.error_count
    job.errors = [list(error) for error in report.errors]
    with open(spool, encoding="utf-8") as f:
        job.spooled = sum(1 for _ in f)
    if report.error_count and not job.skip_bad:
        _finish(job, "done")
        return False
    job.state, job.rows_done, job.rows_total, job.written = "importing", 0, report.rows, 0
    db.session.commit()
    return True


def _write(job: ImportJob, spool: str) -> None:
    report = ImportReport(households=job.households, residents=job.residents, skipped_existing=job.skipped_existing)

    def progress(done: int, rows: int) -> None:  # in the chunk's own transaction
        job.written, job.rows_done = done, min(job.rows_done + rows, job.rows_total)
        job.households, job.residents = report.households, report.residents
        job.skipped_existing = report.skipped_existing

    importer.write(spool, job.commune_id, report, job.user_id, start=job.written, progress=progress)
    _finish(job, "done")


def _finish(job: ImportJob, state: str, failure: Problem | None = None) -> None:
    job.state, job.finished_at = state, utcnow()
    if state == "done":
        job.rows_done = job.rows_total = max(job.rows_total, job.rows_done)
    job.failure = failure and {"message": failure.message, "values": failure.values}
    audit.record("import_finished", by_user_id=job.user_id, target=f"commune:{job.commune_id}", job=job.id,
                 commune=job.commune_id, state=state, rows=job.data_rows, households=job.households,
                 residents=job.residents, skipped_existing=job.skipped_existing, errors=job.error_count)
    db.session.commit()
    for path in _paths(job):
        _remove(path)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
