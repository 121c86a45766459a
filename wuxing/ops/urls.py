from django.urls import path

from . import audit

app_name = "ops"
urlpatterns = [
    path("", audit.audit_log, name="audit"),
    path("export.csv", audit.audit_export, name="audit_export"),
]
