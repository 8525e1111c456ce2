from allauth.account.adapter import DefaultAccountAdapter


class SchoolAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: the school creates each account and invites its owner."""

    def is_open_for_signup(self, request) -> bool:
        return False
