"""The custom user: a login, nothing more. Who a person is lives in gradebook's profiles."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. Names live on the person's profiles (student, guardian, employee).

    Young students often have no email: they sign in with their login name.
    """

    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("A user with this email address already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.username

    def get_full_name(self) -> str:
        """No names here (they are on the profiles): "", so that ``get_full_name|default:…`` falls back."""
        return ""

    def get_short_name(self) -> str:
        return str(self)
