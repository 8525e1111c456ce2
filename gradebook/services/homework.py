"""Homework on a lesson: its text and files (a file is never deleted, only marked removed)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..models import Homework, HomeworkFile, JournalChange, Lesson
from .journal import history, require_editable

MAX_FILES = 10

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old Office formats
ZIP = b"PK\x03\x04"  # OOXML and OpenDocument
# A file name's ending → the first bytes its content must start with (None: plain UTF-8 text).
ALLOWED_TYPES: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
    "doc": (OLE,),
    "xls": (OLE,),
    "ppt": (OLE,),
    "docx": (ZIP,),
    "xlsx": (ZIP,),
    "pptx": (ZIP,),
    "odt": (ZIP,),
    "ods": (ZIP,),
    "odp": (ZIP,),
    "rtf": (b"{\\rtf",),
    "txt": None,
}
# The types a browser may show inline; everything else is downloaded.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "txt": "text/plain; charset=utf-8",
}


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _is_text(head: bytes) -> bool:
    """UTF-8 text without NUL bytes (a character cut at the end of the sample is fine)."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.reason == "unexpected end of data"
    return True


def validate_homework_file(upload) -> None:
    """A file of an allowed type (by its name's ending and by its content) and at most
    ``JOURNAL_HOMEWORK_FILE_MAX_BYTES``; raises ValidationError otherwise."""
    limit = settings.JOURNAL_HOMEWORK_FILE_MAX_BYTES
    name = os.path.basename(upload.name or "")
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is too large: a file is at most %(limit)s.") % {"name": name, "limit": filesizeformat(limit)},
            code="too_large",
        )
    extension = _extension(name)
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("%(name)s: attach a document, a table, a presentation, a PDF or a picture (%(types)s).")
            % {"name": name, "types": ", ".join(sorted(ALLOWED_TYPES))},
            code="wrong_type",
        )
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    signatures = ALLOWED_TYPES[extension]
    ok = _is_text(head) if signatures is None else head.startswith(signatures)
    if not ok:
        raise ValidationError(
            _("%(name)s is not really a .%(extension)s file.") % {"name": name, "extension": extension},
            code="wrong_content",
        )


def _active_files(homework: Homework | None) -> list[HomeworkFile]:
    if homework is None:
        return []
    return list(homework.files.filter(removed_at__isnull=True).order_by("created_at", "pk"))


def _homework_text(text: str, files: Iterable[HomeworkFile]) -> str:
    """Homework as the history keeps it: the text, then the names of its files in brackets."""
    names = [file.name for file in files]
    if not names:
        return text
    return f"{text} [{', '.join(names)}]".strip()


@transaction.atomic
def homework_set(*, lesson: Lesson, text: str, files: Iterable = (), by) -> Homework:
    """Set the lesson's homework text and attach files (uploads) to it. Every file is checked before
    anything is written; an unchanged text without new files writes nothing."""
    require_editable(by, lesson)
    text = (text or "").strip()
    files = list(files)
    for upload in files:
        validate_homework_file(upload)
    homework = Homework.objects.select_for_update().filter(lesson=lesson).first()
    current_files = _active_files(homework)
    if len(current_files) + len(files) > MAX_FILES:
        raise ValidationError(
            _("Homework holds at most %(limit)d files.") % {"limit": MAX_FILES}, code="too_many_files"
        )
    if homework is None and not text and not files:
        raise ValidationError(_("Write the homework or attach a file."), code="empty")
    old = _homework_text(homework.text, current_files) if homework else ""
    if homework is not None and homework.text == text and not files:
        return homework
    if homework is None:
        homework = Homework(school_id=lesson.school_id, lesson=lesson)
    homework.text, homework.recorded_by = text, by
    homework.save()
    for upload in files:
        HomeworkFile.objects.create(
            homework=homework,
            file=upload,
            name=os.path.basename(upload.name)[:255],
            size=upload.size,
        )
    new = _homework_text(text, _active_files(homework))
    history(lesson=lesson, student=None, kind=JournalChange.Kind.HOMEWORK, old=old, new=new, by=by)
    signals.homework_set.send(sender=Homework, homework=homework, by=by)
    return homework


@transaction.atomic
def homework_file_remove(*, file: HomeworkFile, by) -> Homework:
    """Take a file off the homework. The file is kept (marked removed): the history refers to it."""
    homework = file.homework
    require_editable(by, homework.lesson)
    file = HomeworkFile.objects.select_for_update().get(pk=file.pk)
    if file.removed_at is not None:
        raise ValidationError(_("The file was already removed."), code="removed")
    old = _homework_text(homework.text, _active_files(homework))
    file.removed_at = timezone.now()
    file.save(update_fields=["removed_at", "updated_at"])
    new = _homework_text(homework.text, _active_files(homework))
    history(lesson=homework.lesson, student=None, kind=JournalChange.Kind.HOMEWORK, old=old, new=new, by=by)
    signals.homework_set.send(sender=Homework, homework=homework, by=by)
    return homework
