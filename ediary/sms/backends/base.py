class SmsError(Exception):
    """The message was not sent; trying again later may work (a timeout, a 5xx, a 429)."""


class PermanentSmsError(SmsError):
    """The gateway refused the message for good (a 4xx other than 429): trying again cannot help."""


class BaseSmsBackend:
    """What every SMS backend does: deliver one message or raise (``SmsError`` or ``PermanentSmsError``)."""

    def send(self, message) -> None:
        raise NotImplementedError


class SmsRateLimited(SmsError):
    """The gateway's rate limit (``SMS_RATE_LIMIT``) left no room: the message was not handed to it."""
