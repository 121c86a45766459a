from django.urls import path

from . import views

app_name = "rulesets"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("<str:code>/", views.in_force, name="in_force"),
    path("<str:code>/recompute/", views.start_recompute, name="recompute"),
]
