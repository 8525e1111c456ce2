import sys

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes each SMS to standard output: the development default."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message) -> None:
        self.stream.write(
            f"SMS from {message.sender} to {message.to} ({message.segments} segment(s)):\n{message.text}\n"
        )
        self.stream.flush()
