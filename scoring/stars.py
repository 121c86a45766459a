"""The five stars: a fixed set in a fixed order (DOMAIN.md "The five stars")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StarCode(models.TextChoices):
    BRANCH = "branch", _("Strong branch star")
    INDUSTRY = "industry", _("Thriving industry star")
    ECOLOGY = "ecology", _("Ecological livability star")
    SAFETY = "safety", _("Safety and rule of law star")
    CIVILITY = "civility", _("Civilisation and happiness star")


STAR_ORDER: tuple[str, ...] = tuple(StarCode.values)
