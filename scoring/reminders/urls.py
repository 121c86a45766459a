from django.urls import path

from . import views

app_name = "reminders"
urlpatterns = [
    path("", views.town_list, name="towns"),
    path("<str:code>/", views.policy, name="policy"),
    path("<str:code>/period/", views.period, name="period"),
]
