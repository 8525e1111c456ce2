import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Appends each SMS as a JSON line to a file per (local) day in ``SMS_FILE_PATH``."""

    def __init__(self, path: str | None = None):
        self.directory = Path(path or settings.SMS_FILE_PATH)

    def send(self, message) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = timezone.now()
        record = {
            "sent_at": now.isoformat(),
            "sender": message.sender,
            "to": message.to,
            "text": message.text,
            "segments": message.segments,
        }
        with (self.directory / f"sms-{timezone.localdate(now):%Y-%m-%d}.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
