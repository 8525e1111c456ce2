"""The API v1 for the external service: read what families see, write what they sign electronically.

Every view is scoped to the calling client's school (anything else is 404), children's data only where a
family's consent allows the portal, and every call is logged (``ApiCall``)."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from consent.models import Form
from consent.services.contacts import contact_add_electronic
from consent.services.records import consent_record
from gradebook.models import (
    Attendance,
    ClassUnit,
    ControlWork,
    FinalMark,
    Guardian,
    Guardianship,
    Holiday,
    Homework,
    Lesson,
    Mark,
    Recommendation,
    ReportingPeriod,
    Student,
    StudyGroup,
    TimetableEntry,
)
from gradebook.selectors.forecast_students import StudentForecast, student_forecasts

from .. import tombstones
from ..models import ApiCall, ApiClient
from ..selectors import portal_student_ids, students_decided_since
from . import serializers as s
from .pagination import PagePagination

SYNC_PARAMETERS = [
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description="ISO datetime: only records changed since then; `deleted` lists what was deleted since then.",
    ),
]
STUDENT_PARAMETERS = [
    OpenApiParameter(
        "student",
        OpenApiTypes.UUID,
        description="One student's records (to sync a child in full when the family allows the portal again).",
    ),
]
DATE_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Only records on or after this date."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Only records on or before this date."),
]


class LoggedApiView:
    """Marks the view as not needing a login session, and logs every call of a known client."""

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False  # what login_not_required sets: the API authenticates by key
        return view

    @property
    def client(self) -> ApiClient:
        return self.request.auth

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = getattr(request, "_auth", None)
        if isinstance(client, ApiClient):
            ApiCall.objects.create(
                client=client,
                method=request.method[:7],
                endpoint=request.path.replace("\x00", "")[:200],
                status=response.status_code,
                rows=_rows(response),
            )
        return response


def _rows(response) -> int:
    data = getattr(response, "data", None)
    if response.status_code >= 300 or data is None:
        return 0
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return len(data["results"])
    if isinstance(data, list):
        return len(data)
    return 1


class ReadViewSet(LoggedApiView, viewsets.GenericViewSet):
    """A read-only resource of the client's school, with the date and incremental-sync filters."""

    date_field = ""  # the field that date_from/date_to filter, if any
    updated_field = "updated_at"
    personal = False  # the rows belong to a student: only where the family's consent allows the portal
    student_field = "student_id"
    student_lookup = "student__public_id"  # the ``student`` filter: a student's public id
    lookup_field = "public_id"
    lookup_value_converter = "uuid"

    def scoped(self, school):
        raise NotImplementedError

    @property
    def resource(self) -> str:
        """The name of the resource's tombstones (``exchange.tombstones``), from its model."""
        return tombstones.RESOURCES[self.serializer_class.Meta.model]

    @cached_property
    def portal_students(self) -> set[int]:
        return portal_student_ids(school=self.client.school)

    def _param(self, name: str, parse):
        raw = self.request.query_params.get(name)
        if raw in (None, ""):
            return None
        try:
            value = parse(raw)
        except ValueError:
            value = None
        if value is None:
            raise ValidationError({name: [_("Enter a valid value.")]})
        return value

    @cached_property
    def updated_since(self) -> datetime.datetime | None:
        value = self._param("updated_since", parse_datetime)
        if value is None:
            return None
        try:
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            value = value.astimezone(datetime.UTC)  # PostgreSQL takes offsets up to 15:59 only
        except (OverflowError, ValueError):
            raise ValidationError({"updated_since": [_("Enter a valid value.")]}) from None
        if value < tombstones.oldest_cursor():
            message = _("Deletions are kept for %(days)s days and this cursor is older: sync in full.")
            raise ValidationError({"updated_since": [message % {"days": tombstones.RETENTION_DAYS}]})
        return value

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads the model, no client here
            return self.serializer_class.Meta.model.objects.none()
        queryset = self.scoped(self.client.school)
        if self.personal:
            queryset = queryset.filter(**{f"{self.student_field}__in": self.portal_students})
        if getattr(self, "action", None) == "list":
            date_from, date_to = self._param("date_from", parse_date), self._param("date_to", parse_date)
            if self.date_field and date_from:
                queryset = queryset.filter(**{f"{self.date_field}__gte": date_from})
            if self.date_field and date_to:
                queryset = queryset.filter(**{f"{self.date_field}__lte": date_to})
            student = self._param("student", uuid.UUID) if self.personal else None
            if student:
                queryset = queryset.filter(**{self.student_lookup: student})
            if self.updated_since:
                queryset = queryset.filter(self.changed_since(self.updated_since))
        return queryset.order_by("pk")

    def changed_since(self, since: datetime.datetime) -> Q:
        return Q(**{f"{self.updated_field}__gte": since})

    def deleted(self) -> list[dict]:
        if not self.updated_since:
            return []
        return tombstones.tombstones_since(
            school_id=self.client.school_id, resource=self.resource, since=self.updated_since
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        # The deletions come once, with the first page: the next pages would only repeat them.
        self.paginator.deleted = self.deleted() if not self.paginator.offset else []
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ListRetrieveViewSet(mixins.RetrieveModelMixin, ReadViewSet):
    pass


def _read(tags: str, dated: bool):
    def decorate(viewset):
        parameters = (
            SYNC_PARAMETERS + (DATE_PARAMETERS if dated else []) + (STUDENT_PARAMETERS if viewset.personal else [])
        )
        schemas = {"list": extend_schema(tags=[tags], parameters=parameters)}
        if hasattr(viewset, "retrieve"):
            schemas["retrieve"] = extend_schema(tags=[tags])
        return extend_schema_view(**schemas)(viewset)

    return decorate


@_read("people", dated=False)
class StudentViewSet(ListRetrieveViewSet):
    """The school's students whose families allow the portal, with their current guardians."""

    serializer_class = s.StudentSerializer
    personal = True
    student_field = "pk"
    student_lookup = "public_id"

    def changed_since(self, since: datetime.datetime) -> Q:
        """Changed, or a family's consent decision since: a child the portal may show again comes back."""
        return super().changed_since(since) | Q(pk__in=students_decided_since(school=self.client.school, since=since))

    def scoped(self, school):
        today = timezone.localdate()
        return Student.objects.filter(school=school).prefetch_related(
            Prefetch(
                "guardianships",
                queryset=Guardianship.objects.unrestricted(today).select_related("guardian").order_by("pk"),
                to_attr="current_guardianships",
            )
        )


@_read("classes", dated=False)
class ClassViewSet(ListRetrieveViewSet):
    serializer_class = s.ClassSerializer

    def scoped(self, school):
        return ClassUnit.objects.filter(school_year__school=school).select_related("school_year")


@_read("classes", dated=False)
class GroupViewSet(ListRetrieveViewSet):
    serializer_class = s.GroupSerializer

    def scoped(self, school):
        return StudyGroup.objects.filter(school_year__school=school).select_related("class_unit")


@_read("timetable", dated=False)
class TimetableEntryViewSet(ListRetrieveViewSet):
    """The weekly timetable: its slots, each valid for a span of dates."""

    serializer_class = s.TimetableEntrySerializer

    def scoped(self, school):
        return TimetableEntry.objects.filter(school_year__school=school).select_related(
            "class_unit", "study_group", "subject"
        )


@_read("timetable", dated=True)
class LessonViewSet(ListRetrieveViewSet):
    """Lessons by date, with their changes (substitutions, moves, cancellations)."""

    serializer_class = s.LessonSerializer
    date_field = "date"

    def scoped(self, school):
        return (
            Lesson.objects.filter(school=school)
            .select_related("class_unit", "study_group", "subject")
            .prefetch_related("changes")
        )


@_read("journal", dated=True)
class MarkViewSet(ReadViewSet):
    """Marks, addressed by lesson, student and position in the cell (a cell holds at most two)."""

    serializer_class = s.MarkSerializer
    date_field = "date"
    personal = True

    def scoped(self, school):
        return Mark.objects.filter(school=school).select_related("lesson", "student", "subject", "work_type")


@_read("journal", dated=True)
class AttendanceViewSet(ReadViewSet):
    """Attendance codes, addressed by lesson and student."""

    serializer_class = s.AttendanceSerializer
    date_field = "date"
    personal = True

    def scoped(self, school):
        return Attendance.objects.filter(school=school).select_related("lesson", "student")


@_read("journal", dated=True)
class HomeworkViewSet(ListRetrieveViewSet):
    serializer_class = s.HomeworkSerializer
    date_field = "lesson__date"

    def scoped(self, school):
        return Homework.objects.filter(school=school).select_related("lesson__subject")


@_read("journal", dated=True)
class ControlWorkViewSet(ListRetrieveViewSet):
    serializer_class = s.ControlWorkSerializer
    date_field = "date"

    def scoped(self, school):
        return ControlWork.objects.filter(school=school).select_related("class_unit", "study_group", "subject")


@_read("finals", dated=False)
class FinalViewSet(ListRetrieveViewSet):
    """Published finals and exam results (confirmed, or recorded 24 hours ago)."""

    serializer_class = s.FinalSerializer
    personal = True

    def scoped(self, school):
        return (
            FinalMark.objects.published(timezone.now())
            .filter(school=school)
            .select_related("student", "subject", "period")
        )


@_read("journal", dated=False)
class RecommendationViewSet(ListRetrieveViewSet):
    serializer_class = s.RecommendationSerializer
    personal = True

    def scoped(self, school):
        return Recommendation.objects.filter(school=school).select_related("student", "subject")


@_read("timetable", dated=True)
class HolidayViewSet(ListRetrieveViewSet):
    serializer_class = s.HolidaySerializer
    date_field = "starts_on"

    def scoped(self, school):
        return Holiday.objects.filter(school_year__school=school)


@extend_schema_view(
    list=extend_schema(
        tags=["finals"],
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.UUID,
                description="A reporting period's id; by default each student's period running today.",
            )
        ],
    )
)
class ForecastViewSet(LoggedApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Each student's forecast of the final for a reporting period, in every subject of their class and groups.

    Computed from the marks on each call (no ``updated_since``): one result per student, pages of students,
    a constant number of queries per page."""

    serializer_class = s.StudentForecastSerializer
    pagination_class = PagePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Student.objects.none()
        school = self.client.school
        return Student.objects.filter(school=school, pk__in=portal_student_ids(school=school)).order_by("pk")

    def _period(self, school) -> ReportingPeriod | None:
        raw = self.request.query_params.get("period")
        if raw in (None, ""):
            return None
        try:
            return ReportingPeriod.objects.get(school_year__school=school, public_id=uuid.UUID(raw))
        except (ValueError, ReportingPeriod.DoesNotExist):
            raise ValidationError({"period": [_("No such reporting period in this school.")]}) from None

    def list(self, request, *args, **kwargs):
        school = self.client.school
        period = self._period(school)
        page = self.paginate_queryset(self.get_queryset())
        found = {
            item.student.pk: item
            for item in student_forecasts(page, today=timezone.localdate(timezone=school.zone), period=period)
        }
        items = [found.get(student.pk) or StudentForecast(student, None, []) for student in page]
        return self.get_paginated_response(self.get_serializer(items, many=True).data)


def _validation(error: DjangoValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return ValidationError({field: [str(m) for m in messages] for field, messages in error.message_dict.items()})
    return ValidationError({"non_field_errors": [str(m) for m in error.messages]})


class WriteViewSet(LoggedApiView, viewsets.GenericViewSet):
    """What families sign electronically on the portal; needs a client with the write scope."""

    def _student(self, public_id) -> Student:
        return get_object_or_404(Student, school=self.client.school, public_id=public_id)

    def _guardian(self, public_id) -> Guardian:
        return get_object_or_404(Guardian, school=self.client.school, public_id=public_id)


@extend_schema_view(
    create=extend_schema(
        tags=["consent"], request=s.ConsentDecisionSerializer, responses={201: s.ConsentDecisionResultSerializer}
    )
)
class ConsentDecisionViewSet(WriteViewSet):
    serializer_class = s.ConsentDecisionSerializer

    def create(self, request):
        serializer = s.ConsentDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        student = self._student(data["student"])
        guardian = self._guardian(data["guardian"]) if data.get("guardian") else None
        try:
            record = consent_record(
                student=student,
                guardian=guardian,
                decision=data["decision"],
                form=Form.ELECTRONIC,
                signed_on=data["signed_on"],
                signature_reference=data["signature_reference"],
                note=_("Received through the API from %(client)s.") % {"client": self.client.name},
            )
        except DjangoValidationError as error:
            raise _validation(error) from None
        result = {
            "id": record.public_id,
            "student": student.public_id,
            "guardian": guardian.public_id if guardian else None,
            "decision": record.decision,
            "form": record.form,
            "signed_on": record.signed_on,
        }
        return Response(s.ConsentDecisionResultSerializer(result).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(tags=["consent"], request=s.ContactSerializer, responses={201: s.ContactResultSerializer})
)
class ContactViewSet(WriteViewSet):
    serializer_class = s.ContactSerializer

    def create(self, request):
        serializer = s.ContactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        guardian = self._guardian(data["guardian"])
        try:
            contact = contact_add_electronic(
                guardian=guardian,
                kind=data["kind"],
                value=data["value"],
                signature_reference=data["signature_reference"],
            )
        except DjangoValidationError as error:
            raise _validation(error) from None
        result = {"guardian": guardian.public_id, "kind": contact.kind, "verified": contact.verified_at is not None}
        return Response(s.ContactResultSerializer(result).data, status=status.HTTP_201_CREATED)
