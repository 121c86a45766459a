from django.urls import path

from . import views

app_name = "rulesets"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<str:code>/", views.in_force, name="in_force"),
]
