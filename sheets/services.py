"""Imports: upload, check (the dry run), confirm and import; large files go to a Celery worker."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outbox.services import outbox_add

from .importer import Result, run_import
from .models import ImportJob, ImportStatus
from .reader import SheetError, read_sheet

PROGRESS_TTL = 3600
logger = logging.getLogger(__name__)


def progress_key(job_id: int) -> str:
    return f"import-progress-{job_id}"


def import_progress(job: ImportJob) -> int:
    """Rows gone through by the running check or import, as a percentage (kept in the cache: the run's
    own transaction hides its writes until it ends)."""
    if not job.is_running or not job.rows_total:
        return 100 if not job.is_running else 0
    return min(99, int(100 * (cache.get(progress_key(job.pk)) or 0) / job.rows_total))


def import_create(*, by, filename: str, content: bytes) -> ImportJob:
    """Store an upload and check it: at once when small, in a worker when large. Unreadable files are refused."""
    sheet = read_sheet(content, filename)  # SheetError: the whole file is refused, nothing stored
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=by,
            filename=filename[:200],
            content=content,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            rows_total=len(sheet.rows),
        )
        _dispatch(job, commit=False)
    _run_here(job, commit=False)
    return job


def import_confirm(*, job: ImportJob, by) -> ImportJob:
    """Import a checked upload: it is checked again first, and saved only if still clean."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk, created_by=by)
        if job.status != ImportStatus.CHECKED:
            raise ValidationError(_("Only a checked upload without errors can be imported."))
        job.status = ImportStatus.IMPORTING
        job.save(update_fields=["status"])
        _dispatch(job, commit=True)
    _run_here(job, commit=True)
    return job


def _in_worker(job: ImportJob) -> bool:
    return job.rows_total >= settings.HARDSHIP["IMPORT_ASYNC_ROWS"]


def _dispatch(job: ImportJob, *, commit: bool) -> None:
    """A large upload's run, in the outbox of the job's transaction (published after commit, or by the sweep)."""
    if _in_worker(job):
        step = "import" if commit else "check"
        outbox_add(task="sheets.tasks.import_run_task", calls=[(f"import:{job.pk}:{step}", [job.pk, commit])])


def _run_here(job: ImportJob, *, commit: bool) -> None:
    """A small upload is checked or imported in the request, once the job is committed."""
    if not _in_worker(job):
        import_run(job_id=job.pk, commit=commit)


def import_run(*, job_id: int, commit: bool) -> None:
    """Check (or, with `commit`, import) the stored upload; its findings go on the job."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == ImportStatus.DONE or (commit and job.status != ImportStatus.IMPORTING):
        return  # run twice (a redelivered task): the first run did the work
    cache.set(progress_key(job.pk), 0, PROGRESS_TTL)
    with translation.override(job.language):
        try:
            sheet = read_sheet(bytes(job.content), job.filename)
        except SheetError as exc:
            result = Result()
            result.error(None, "", str(exc))
        else:
            try:
                result = run_import(
                    sheet=sheet,
                    user=job.created_by,
                    commit=commit,
                    progress=lambda n: cache.set(progress_key(job.pk), n, PROGRESS_TTL),
                )
            except Exception:
                # Everything the run wrote was rolled back with its transaction: say so rather than hang.
                logger.exception("import %s stopped", job.pk)
                result = Result()
                result.error(None, "", _("The import stopped on an unexpected error; nothing was saved."))
    _finish(job, result, commit)


def _finish(job: ImportJob, result: Result, commit: bool) -> None:
    job.errors, job.plan = result.errors, result.plan
    job.created_count, job.updated_count = result.count("create"), result.count("update")
    job.finished_at = timezone.now()
    fields = ["errors", "plan", "created_count", "updated_count", "finished_at", "status"]
    if result.errors:
        job.status = ImportStatus.INVALID
    elif commit:
        job.status, job.content = ImportStatus.DONE, b""
        fields.append("content")
    else:
        job.status = ImportStatus.CHECKED
    job.save(update_fields=fields)
    cache.delete(progress_key(job.pk))
