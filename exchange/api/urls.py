"""The API v1 endpoints (``/api/v1/``); access is tested in tests/test_api.py, not the access matrix."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("students", views.StudentViewSet, basename="student")
router.register("classes", views.ClassViewSet, basename="class")
router.register("groups", views.GroupViewSet, basename="group")
router.register("timetable", views.TimetableEntryViewSet, basename="timetable")
router.register("lessons", views.LessonViewSet, basename="lesson")
router.register("marks", views.MarkViewSet, basename="mark")
router.register("attendance", views.AttendanceViewSet, basename="attendance")
router.register("homework", views.HomeworkViewSet, basename="homework")
router.register("control-works", views.ControlWorkViewSet, basename="control-work")
router.register("finals", views.FinalViewSet, basename="final")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("holidays", views.HolidayViewSet, basename="holiday")
router.register("forecasts", views.ForecastViewSet, basename="forecast")
router.register("consent-decisions", views.ConsentDecisionViewSet, basename="consent-decision")
router.register("contacts", views.ContactViewSet, basename="contact")

urlpatterns = router.urls
