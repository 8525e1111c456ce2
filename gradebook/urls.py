from django.urls import path

from .views import portal

app_name = "gradebook"

urlpatterns = [
    path("", portal.home, name="home"),
    path("healthz", portal.healthz, name="healthz"),
]
