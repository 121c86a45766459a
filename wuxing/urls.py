from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import views
from .ops.views import health_view

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("wuxing.accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    # For load balancers and monitoring: no login, up/down only unless an administrator.
    path("health/", health_view, name="health"),
    path("audit/", include("wuxing.ops.urls")),
    path("villages/", include("villages.urls")),
    path("reviews/", include("scoring.reviews.urls")),
    path("notifications/", include("wuxing.notifications.urls")),
    path("reminders/", include("scoring.reminders.urls")),
    path("dashboards/", include("scoring.dashboards.urls")),
    path("rules/", include("scoring.urls")),
    path("progress/", include("scoring.progress.urls")),
]

handler400 = "wuxing.views.bad_request"
handler403 = "wuxing.views.permission_denied"
handler404 = "wuxing.views.page_not_found"
