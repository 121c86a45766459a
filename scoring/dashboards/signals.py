"""Dashboards follow the assessments: each stored batch refreshes its summaries (which
bump the versions of the pages whose rows changed, summaries.py); a town's own records
bump its town's version; names bump every level that shows them (cache.py)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from scoring.services import assessments_changed
from villages.models import AdminUnit, UnitLevel, Village

from . import cache, summaries
from .models import CountyTarget, Pairing, PairingActivity, PointsLedger


@receiver(assessments_changed, dispatch_uid="dashboards.refresh_summaries")
def refresh_summaries(sender, village_ids, month, results=None, scope="all", **kwargs):
    if scope == "units":
        summaries.refresh_units(list(village_ids), month)
    else:
        summaries.refresh(list(village_ids), month, results, units=scope == "all")


@receiver(post_save, sender=PointsLedger, dispatch_uid="dashboards.ledger_saved")
@receiver(post_delete, sender=PointsLedger, dispatch_uid="dashboards.ledger_deleted")
@receiver(post_save, sender=Pairing, dispatch_uid="dashboards.pairing_saved")
@receiver(post_delete, sender=Pairing, dispatch_uid="dashboards.pairing_deleted")
def town_records_changed(sender, instance, **kwargs):
    # The ledger and pairings show on their town's page only.
    cache.bump_scopes([instance.village.code[:cache.TOWN]])


@receiver(post_save, sender=PairingActivity, dispatch_uid="dashboards.activity_saved")
def activity_saved(sender, instance, **kwargs):
    cache.bump_scopes([instance.pairing.village.code[:cache.TOWN]])


@receiver(post_save, sender=CountyTarget, dispatch_uid="dashboards.target_saved")
@receiver(post_delete, sender=CountyTarget, dispatch_uid="dashboards.target_deleted")
def target_changed(sender, instance, **kwargs):
    cache.bump_scopes([instance.county.prefix])  # only the county page shows it


@receiver(post_save, sender=Village, dispatch_uid="dashboards.village_saved")
@receiver(post_delete, sender=Village, dispatch_uid="dashboards.village_deleted")
def village_changed(sender, instance, **kwargs):
    # A renamed, added or removed village shows on its town's and county's pages at once.
    cache.bump([instance.code])


@receiver(post_save, sender=AdminUnit, dispatch_uid="dashboards.unit_saved")
@receiver(post_delete, sender=AdminUnit, dispatch_uid="dashboards.unit_deleted")
def unit_changed(sender, instance, **kwargs):
    # A unit's name shows on the pages of the units above it and of the counties below.
    codes = [instance.code]
    if instance.level in (UnitLevel.PROVINCE, UnitLevel.CITY):
        codes += AdminUnit.objects.filter(code__startswith=instance.prefix,
                                          level=UnitLevel.COUNTY).values_list("code",
                                                                              flat=True)
    cache.bump(codes)
