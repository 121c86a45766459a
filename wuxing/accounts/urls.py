from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("locks/", views.locks, name="locks"),
    path("locks/unlock/", views.unlock, name="unlock"),
]
