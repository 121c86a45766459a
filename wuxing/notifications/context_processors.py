from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread(request):
    """The unread badge of the navigation: one indexed COUNT, only when rendered."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(
        lambda: Notification.objects.visible_to(user).unread().count())}
