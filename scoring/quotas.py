"""Quotas per county for the review (docs/rule-sets.md "Quotas").

`quota_use(county, cycle, stars)` tells the review page how much of the county's quota
for a level is used and what approving one more village would use; the arithmetic is
the engine's pure `quota_of`.
"""

from __future__ import annotations

from django.db.models import Count

from scoring.engine.quota import QuotaUse, quota_of, quota_percent


def quota_use(county, cycle, stars: int, *, approving: int = 1) -> QuotaUse | None:
    """The quota for villages at `stars` stars in the county and cycle, or None when the
    county's rule set sets none for that level.

    A village holds a level when that many of its star awards of the cycle are active.
    """
    from scoring.reviews.models import Award
    from scoring.services import ruleset_for, spec_of
    from villages.models import Village

    ruleset = getattr(cycle, "ruleset", None) or ruleset_for(county.code, cycle.year)
    if ruleset is None:
        return None
    percent = quota_percent(spec_of(ruleset).quotas, stars)
    if percent is None:
        return None
    villages = Village.objects.filter(code__startswith=county.prefix).count()
    used = (Award.objects.active().filter(cycle__year=cycle.year,
                                          village__code__startswith=county.prefix)
            .values("village").annotate(n=Count("id")).filter(n=stars).count())
    return quota_of(stars, percent, villages, used, approving)


__all__ = ["QuotaUse", "quota_use"]
