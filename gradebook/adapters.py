from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import pgettext_lazy

# allauth labels its sign-in field pgettext("field label", "Login"), which its Russian catalog renders
# as the button's word («Войти»). Named here so that makemessages keeps our wording in locale/.
LOGIN_FIELD_LABEL = pgettext_lazy("field label", "Login")


class SchoolAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: the school creates each account and invites its owner."""

    def is_open_for_signup(self, request) -> bool:
        return False
