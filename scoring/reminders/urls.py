from django.urls import path

from . import views, views_robots

app_name = "reminders"
urlpatterns = [
    path("", views.town_list, name="towns"),
    path("groups/<int:pk>/robots/", views_robots.group_robots, name="robots"),
    path("robots/<int:pk>/delete/", views_robots.delete_robot, name="robot_delete"),
    path("<str:code>/", views.policy, name="policy"),
    path("<str:code>/period/", views.period, name="period"),
]
