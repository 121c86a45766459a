"""Password validators whose messages reach the user in Chinese."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message our catalogue translates.

    Django 5.2 words the error "…at least %d characters." while its own zh_Hans
    catalogue still has only "…at least %(min_length)d characters.", so "password too
    short" came out in English. The msgid lives here so that `makemessages` keeps it.
    """

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d "
            "character.",
            "This password is too short. It must contain at least %(min_length)d "
            "characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
