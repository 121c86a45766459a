"""Shared by the review views: the friendly 409 page and the POST-action wrapper."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from scoring.reviews.services import AlreadyHandled

PAGE_SIZE = 20


def already_handled(request, back_url: str):
    return render(request, "reviews/already_handled.html", {"back_url": back_url}, status=409)


def action(back):
    """A POST action: 409 page when someone was faster, the message when input is bad.

    `back(request, **kwargs)` gives the URL to return to.
    """
    def decorate(view):
        @require_POST
        @wraps(view)
        def wrapped(request, **kwargs):
            try:
                return view(request, **kwargs)
            except AlreadyHandled:
                return already_handled(request, back(request, **kwargs))
            except ValidationError as error:
                for text in error.messages:
                    messages.error(request, text)
                return redirect(back(request, **kwargs))
        return wrapped
    return decorate


def form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for text in errors:
            messages.error(request, f"{label}：{text}" if label else text)
