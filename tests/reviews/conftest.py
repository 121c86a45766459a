import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Reviews tests create many users; PBKDF2 at full strength costs seconds each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
