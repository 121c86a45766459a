from django.urls import path

from . import views

app_name = "villages"
urlpatterns = [
    path("", views.village_list, name="list"),
    path("<str:code>/", views.village_detail, name="detail"),
    path("<str:code>/edit/", views.village_edit, name="edit"),
]
