"""People of a school: students, their guardians, employees. A person may have no login."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .base import DateRangeQuerySet, PublicModel, TimeStampedModel, ends_after_start
from .school import School


class Person(PublicModel):
    """Surname, name and patronymic kept apart, as Russian documents write them."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("school"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)s_profiles",
        verbose_name=_("login"),
        help_text=_("Empty for a person without a login (a family on paper)."),
    )
    surname = models.CharField(_("surname"), max_length=100)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["surname", "name", "patronymic"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.name, self.patronymic) if part)

    @property
    def short_name(self) -> str:
        """Иванова А. С."""
        initials = "".join(f"{part[0]}." for part in (self.name, self.patronymic) if part)
        return f"{self.surname} {initials}".strip()


def one_profile_per_school(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["school", "user"],
        condition=Q(user__isnull=False),
        name=f"{model}_one_profile_per_school",
        violation_error_message=_("This login already has such a profile in this school."),
    )


class Student(Person):
    on_individual_plan = models.BooleanField(
        _("individual plan"), default=False, help_text=_("Studies on an individual curriculum (ИУП).")
    )
    electronic_access = models.BooleanField(
        _("electronic access"),
        default=False,
        help_text=_(
            "Kept in step with the consent registry: whether the student's own cabinet shows data "
            "(their own consent from the age of 14, or a legal representative's)."
        ),
    )

    class Meta(Person.Meta):
        verbose_name = _("student")
        verbose_name_plural = _("students")
        constraints = [one_profile_per_school("student")]


class Guardian(Person):
    class Meta(Person.Meta):
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        constraints = [one_profile_per_school("guardian")]


class GuardianshipQuerySet(DateRangeQuerySet):
    def unrestricted(self, on):
        """Links that make the guardian a parent in the portal that day (with or without consent)."""
        return self.current(on).filter(access_restriction=Guardianship.Restriction.NONE)

    def with_access(self, on):
        """Links that open the child's data to the guardian that day: unrestricted, with consent."""
        return self.unrestricted(on).filter(electronic_access=True)


class Guardianship(TimeStampedModel):
    """The link of a guardian to a child: the relation, legal representation, dates and access."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        GUARDIAN = "guardian", pgettext_lazy("relation", "guardian")
        TRUSTEE = "trustee", _("trustee")
        FOSTER_PARENT = "foster_parent", _("foster parent")
        GRANDPARENT = "grandparent", _("grandparent")
        OTHER = "other", _("other relative")

    class Restriction(models.TextChoices):
        NONE = "", _("none")
        COURT_ORDER = "court_order", _("court order")
        DEPRIVED = "deprived", _("parental rights removed")
        OTHER = "other", _("other restriction")

    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, related_name="guardianships", verbose_name=_("guardian")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="guardianships", verbose_name=_("student")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    is_legal_representative = models.BooleanField(_("legal representative"), default=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    access_restriction = models.CharField(
        _("access restriction"), max_length=20, choices=Restriction.choices, blank=True, default=""
    )
    restriction_basis = models.CharField(
        _("restriction basis"), max_length=255, blank=True, help_text=_("The document that restricts access.")
    )
    electronic_access = models.BooleanField(
        _("electronic access"),
        default=False,
        help_text=_(
            "Kept in step with the consent registry: whether the guardian may see the child's data "
            "electronically. Without a valid consent the family is informed on paper."
        ),
    )

    objects = GuardianshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        ordering = ["student", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student", "starts_on"], name="guardianship_unique"),
            ends_after_start("guardianship_ends_after_start"),
            models.CheckConstraint(
                condition=Q(access_restriction="") | ~Q(restriction_basis=""),
                name="guardianship_restriction_has_basis",
                violation_error_message=_("A restriction needs the document it rests on."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student} ({self.get_relation_display()})"


class Employee(Person):
    """A teacher, an administrator or a staff member (secretary); the roles combine."""

    is_teacher = models.BooleanField(_("teacher"), default=False)
    is_administrator = models.BooleanField(_("administrator"), default=False)
    is_staff_member = models.BooleanField(_("staff"), default=False, help_text=_("Secretary, clerk."))
    position = models.CharField(pgettext_lazy("employee", "position"), max_length=150, blank=True)
    is_active = models.BooleanField(pgettext_lazy("employee", "active"), default=True)

    class Meta(Person.Meta):
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            one_profile_per_school("employee"),
            models.CheckConstraint(
                condition=Q(is_teacher=True) | Q(is_administrator=True) | Q(is_staff_member=True),
                name="employee_has_a_role",
                violation_error_message=_("An employee is a teacher, an administrator or staff."),
            ),
        ]
