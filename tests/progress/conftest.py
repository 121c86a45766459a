from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY = date(2026, 5, 1)


@pytest.fixture
def in_may():
    """Mid-May 2026, Shanghai time: May is open for entries."""
    with time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), tick=False) as t:
        yield t


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
