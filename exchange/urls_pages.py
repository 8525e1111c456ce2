"""exchange's pages for the school's staff (not the API: that is ``exchange.api``)."""

from django.urls import path

from . import views_clients, views_import

app_name = "exchange"

urlpatterns = [
    # API clients (administrators): issue a key, switch a client off, its webhook, its call log.
    path("clients/", views_clients.client_list, name="client-list"),
    path("clients/<int:pk>/deactivate/", views_clients.client_deactivate, name="client-deactivate"),
    path("clients/<int:pk>/webhook/", views_clients.client_webhook, name="client-webhook"),
    path("clients/<int:pk>/calls/", views_clients.client_calls, name="client-calls"),
    # Imports and exports (administrators): OneRoster 1.2 CSV and the simple students' template.
    path("import/", views_import.import_page, name="import"),
    path("import/template.csv", views_import.template_download_csv, name="import-template-csv"),
    path("import/template.xlsx", views_import.template_download_xlsx, name="import-template-xlsx"),
    path("export/<uuid:public_id>.zip", views_import.year_export, name="year-export"),
]
