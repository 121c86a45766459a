"""The portal's page of login locks, where an administrator lifts them."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from . import lockout
from .access import require

# Locks belong to no place: the action is checked against the empty code, which only
# an administrator without a unit covers.
EVERYWHERE = ""


class UnlockForm(forms.Form):
    kind = forms.ChoiceField(choices=[(lockout.ACCOUNT, gettext_lazy("account")),
                                      (lockout.ADDRESS, gettext_lazy("address"))])
    value = forms.CharField(max_length=255)  # AccessAttempt.username

    def clean(self):
        data = super().clean()
        if data.get("kind") == lockout.ADDRESS and "value" in data:
            forms.GenericIPAddressField().clean(data["value"])
        return data


@require_GET
def locks(request):
    require(request.user, "unlock_logins", EVERYWHERE)
    return _page(request)


def _page(request, error: str = "", status: int = 200):
    sections = [(_("Locked accounts"), lockout.current_locks(lockout.ACCOUNT)),
                (_("Refused addresses"), lockout.current_locks(lockout.ADDRESS))]
    return render(request, "accounts/locks.html", {"sections": sections, "error": error},
                  status=status)


@require_POST
def unlock(request):
    require(request.user, "unlock_logins", EVERYWHERE)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        return _page(request, _("Choose a locked account or address to unlock."), 400)
    kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
    if lockout.unlock(kind, value, by=request.user, request=request):
        messages.success(request, _("%(value)s may log in again.") % {"value": value})
    else:
        messages.info(request, _("%(value)s was not locked (any more).") % {"value": value})
    return redirect("accounts:locks")
