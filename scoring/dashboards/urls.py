from django.urls import path

from scoring import params  # noqa: F401  registers the quarter converter

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("village/<str:code>/", views.village_card, name="village"),
    path("town/<str:code>/", views.town_dashboard, name="town"),
    path("town/<str:code>/points/add/", views.points_add, name="points_add"),
    path("points/<int:pk>/delete/", views.points_delete, name="points_delete"),
    path("town/<str:code>/pairings/add/", views.pairing_add, name="pairing_add"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("unit/<str:code>/", views.unit_dashboard, name="unit"),
    path("bulletin/<str:code>/<quarter:quarter>/", views.bulletin_page, name="bulletin"),
    path("bulletin/<str:code>/<quarter:quarter>/xlsx/", views.bulletin_xlsx,
         name="bulletin_xlsx"),
]
