from .base import BaseSmsBackend

outbox: list = []


class SmsBackend(BaseSmsBackend):
    """Keeps messages in ``ediary.sms.backends.locmem.outbox``: for tests, like Django's mail."""

    def send(self, message) -> None:
        outbox.append(message)
