"""The health endpoint: up/down for everyone (load balancers, monitoring), each check's
result for signed-in administrators only."""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from health_check.views import HealthCheckView

from wuxing.accounts.access import scopes_of
from wuxing.accounts.roles import Role

from . import health


def _is_province_admin(user) -> bool:
    return any(scope.role == Role.ADMIN and scope.prefix == "" for scope in scopes_of(user))


class HealthView(HealthCheckView):
    def get_checks(self):
        return health.checks()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks()))
        down = any(result.error for result in self.results)
        status = 503 if down else 200
        user = await request.auser()
        if not await sync_to_async(_is_province_admin)(user):
            return HttpResponse("down\n" if down else "up\n", status=status,
                                content_type="text/plain; charset=utf-8")
        return JsonResponse({
            "status": "down" if down else "up",
            "checks": {type(result.check).__name__: (str(result.error) if result.error
                                                     else "ok")
                       for result in self.results},
        }, status=status)


health_view = login_not_required(HealthView.as_view())
