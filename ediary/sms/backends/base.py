class BaseSmsBackend:
    """What every SMS backend does: deliver one message or raise."""

    def send(self, message) -> None:
        raise NotImplementedError
