from django.urls import path

from .views import accounts, audit, classes, portal, school, students

app_name = "gradebook"

urlpatterns = [
    path("", portal.home, name="home"),
    path("role/", portal.role_switch, name="role-switch"),
    path("healthz", portal.healthz, name="healthz"),
    path("children/", students.children, name="children"),
    path("students/<uuid:public_id>/", students.student_detail, name="student-detail"),
    path("classes/", classes.class_list, name="class-list"),
    path("classes/<uuid:public_id>/", classes.class_detail, name="class-detail"),
    path("school/", school.school_overview, name="school-overview"),
    path("school/access-log/", audit.access_log, name="access-log"),
    path("activate/", accounts.activate, name="activate"),
    path("activate/<str:secret>/", accounts.activate_link, name="activate-link"),
    path("school/accounts/", accounts.account_list, name="account-list"),
    path("school/accounts/<str:kind>/<uuid:public_id>/invite/", accounts.account_invite, name="account-invite"),
]
