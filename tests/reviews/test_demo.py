import pytest

from scoring.reviews import demo as reviews_demo
from scoring.reviews import services
from scoring.reviews.models import Application, AppState, Award, RatingCycle

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent_and_tells_the_story(demo):
    from scoring.rulesets import load_reference
    from villages.models import AdminUnit, Village
    load_reference(AdminUnit.objects.get(code="410902000000"), year=2026)
    reviews_demo.load()
    reviews_demo.load()
    assert RatingCycle.objects.count() == 2
    cycle = RatingCycle.objects.get(year=2026)
    assert cycle.is_open() and cycle.ruleset is not None
    wagang = Village.objects.get(name="瓦岗村")
    assert services.awarded_stars(wagang, 2026) == ["branch", "industry", "ecology",
                                                     "safety", "civility"]
    assert Award.objects.count() == 5
    waiting = Application.objects.get()
    assert waiting.village.name == "瓦屋村" and waiting.state == AppState.TOWN
