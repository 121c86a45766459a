from django.urls import path

from scoring import params  # noqa: F401  registers the month converter

from . import views, views_town, views_verify

app_name = "progress"
urlpatterns = [
    path("", views_town.index, name="index"),
    path("village/<str:code>/<month:month>/", views.month_page, name="month"),
    path("village/<str:code>/<month:month>/preview/", views.preview, name="preview"),
    path("village/<str:code>/<month:month>/submit/", views.submit_month, name="submit"),
    path("village/<str:code>/<month:month>/reopen/", views_town.reopen, name="reopen"),
    path("village/<str:code>/<month:month>/<slug:indicator>/save/", views.save,
         name="save"),
    path("village/<str:code>/<month:month>/<slug:indicator>/carry/", views.carry,
         name="carry"),
    path("village/<str:code>/<month:month>/<slug:indicator>/evidence/", views.add_evidence,
         name="add_evidence"),
    path("verification/", views_verify.verification_page, name="verification"),
    path("verification/act/", views_verify.verification_act, name="verification_act"),
    path("entry/<int:pk>/verify/", views.verify, name="verify"),
    path("entry/<int:pk>/return/", views.send_back, name="return"),
    path("evidence/<int:pk>/file/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/thumbnail/", views.evidence_thumbnail, name="evidence_thumbnail"),
    path("evidence/<int:pk>/remove/", views.remove_evidence, name="remove_evidence"),
    path("group/<int:pk>/<month:month>/", views_town.group_grid, name="grid"),
    path("town/<str:code>/<month:month>/completeness/", views_town.completeness_page,
         name="completeness"),
    path("town/<str:code>/<month:month>/sheet.xlsx", views_town.sheet_download,
         name="sheet_download"),
    path("town/<str:code>/<month:month>/sheet/upload/", views_town.sheet_upload,
         name="sheet_upload"),
    path("town/<str:code>/<month:month>/sheet/<uuid:token>/confirm/",
         views_town.sheet_confirm, name="sheet_confirm"),
]
