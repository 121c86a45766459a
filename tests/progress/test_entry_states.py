"""Entry states that explain themselves: verified entries read-only with who verified
them, grid cells that say saving / saved / error, the star tab kept after submit, one
definition of "missing", the evidence rule of verified entries, conflicts that name the
person who saved in between."""

import re
import threading
import time
from datetime import date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.urls import reverse

from scoring import services
from scoring.progress import completeness, pages, workflow
from scoring.progress.models import Entry, EntryStatus
from tests import factories
from tests.conftest import need_service
from tests.progress.conftest import MAY, SHANGHAI
from tests.progress.test_evidence import jpeg
from villages.models import GroupKind, WorkingGroup

HX = {"HTTP_HX_REQUEST": "true"}
DEC = date(2026, 12, 1)


def _url(name, village, code=None, month="2026-05"):
    return reverse(f"progress:{name}", args=[village.code, month] + ([code] if code else []))


def _error(body: str) -> str:
    return re.search(r'entry-error" role="alert">(.*?)</div>', body, re.S).group(1)


def _save_form_of(code, village, month="2026-05") -> str:
    return f'action="{_url("save", village, code, month)}"'


@pytest.fixture
def verified(db, client, official_a, leader_a, village_a, ruleset, in_may):
    """member_points_rate entered by the official, submitted and verified by the leader
    through the pages."""
    workflow.save_value(official_a, village_a, ruleset.indicators.get(
        code="member_points_rate"), MAY, "92", 0)
    workflow.submit_month(official_a, village_a, MAY)
    entry = Entry.objects.get()
    client.force_login(leader_a)
    assert client.post(reverse("progress:verify", args=[entry.pk]),
                       {"version": entry.version}, **HX).status_code == 200
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VERIFIED
    return entry


# --- a verified entry is read-only and says who verified it ------------------------------


@pytest.mark.django_db
def test_a_verified_entry_is_shown_read_only_with_who_verified_it_and_when(
        client, verified, official_a, leader_a, village_a):
    client.force_login(official_a)
    page = client.get(_url("month", village_a)).content.decode()
    assert _save_form_of("member_points_rate", village_a) not in page
    assert _save_form_of("members_recruited", village_a) in page  # others stay open
    assert f"已由 {leader_a} 于 2026-05-20 10:00 核实。" in page
    assert "如需修改，请先由专班组长退回。" in page


@pytest.mark.django_db
def test_a_returned_entry_is_editable_again(client, verified, official_a, leader_a,
                                            village_a):
    workflow.send_back(leader_a, verified, "数据有误")
    client.force_login(official_a)
    page = client.get(_url("month", village_a)).content.decode()
    assert _save_form_of("member_points_rate", village_a) in page
    assert "核实。" not in page


# --- grid cells say saving / saved / error ---------------------------------------------


@pytest.fixture
def branch_grid(town_a, village_a):
    return WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="branch",
                                       name="支部专班")


@pytest.mark.django_db
def test_a_grid_cell_answers_saved_or_the_error_in_a_live_region(client, official_a,
                                                                 village_a, ruleset, in_may):
    client.force_login(official_a)
    url = _url("save", village_a, "member_points_rate")
    saved = client.post(url, {"value": "95", "version": "0", "grid": "1"}, **HX)
    body = saved.content.decode()
    assert 'data-state="saved"' in body
    assert 'role="status" aria-live="polite">已保存</div>' in body
    refused = client.post(url, {"value": "abc", "version": "1", "grid": "1"},
                          **HX).content.decode()
    assert 'data-state="error"' in refused and "不是数字" in refused
    assert 'aria-live="polite">' in refused


@pytest.mark.django_db
def test_the_grid_scrolls_in_its_own_box_and_carries_the_saving_texts(
        client, official_a, branch_grid, ruleset, in_may):
    client.force_login(official_a)
    page = client.get(reverse("progress:grid", args=[branch_grid.pk, "2026-05"])
                      ).content.decode()
    assert '<div class="table-responsive grid-box">' in page
    assert 'data-saving-text="保存中…"' in page and 'data-error-text="未保存' in page


@pytest.mark.django_db
def test_a_verified_entry_has_no_input_in_the_grid(client, verified, official_a,
                                                   branch_grid, village_a):
    client.force_login(official_a)
    page = client.get(reverse("progress:grid", args=[branch_grid.pk, "2026-05"])
                      ).content.decode()
    assert _save_form_of("member_points_rate", village_a).replace("action=", "hx-post=") \
        not in page
    assert f'hx-post="{_url("save", village_a, "members_recruited")}"' in page


# --- submit keeps the star tab; the button sits under the form ----------------------


@pytest.mark.django_db
def test_submit_comes_back_on_the_star_tab_the_user_was_on(client, official_a, village_a,
                                                          ruleset, in_may):
    factories.enter(village_a, ruleset, "garbage_cleanup", MAY, True, status="draft")
    client.force_login(official_a)
    response = client.post(_url("submit", village_a), {"tab": "ecology"})
    assert response.status_code == 302
    assert response["Location"] == _url("month", village_a) + "?tab=ecology"
    page = client.get(response["Location"]).content.decode()
    assert 'class="nav-link text-nowrap active" id="tab-ecology"' in page
    assert 'class="tab-pane fade show active" id="pane-ecology"' in page
    assert 'name="tab" value="ecology"' in page


@pytest.mark.django_db
def test_a_save_without_htmx_returns_to_the_indicators_tab_and_a_bad_tab_is_ignored(
        client, official_a, village_a, ruleset, in_may):
    client.force_login(official_a)
    response = client.post(_url("save", village_a, "trees_planted"),
                           {"value": "30", "version": "0"})
    assert response["Location"] == _url("month", village_a) + "?tab=ecology"
    response = client.post(_url("submit", village_a), {"tab": "<script>"})
    assert response["Location"] == _url("month", village_a)
    page = client.get(_url("month", village_a) + "?tab=nonsense").content.decode()
    assert 'class="nav-link text-nowrap active" id="tab-branch"' in page


@pytest.mark.django_db
def test_the_submit_button_comes_after_every_indicator(client, official_a, village_a,
                                                      ruleset, in_may):
    client.force_login(official_a)
    page = client.get(_url("month", village_a)).content.decode()
    last = ruleset.indicators.filter(star_id="civility").order_by("-order").first()
    assert page.index('id="submit-month"') > page.index(f'id="ind-{last.code}"')
    assert page.index('id="submit-month"') > page.index('id="star-preview"')


# --- completeness and the month page agree -----------------------------------------------


@pytest.mark.django_db
def test_completeness_and_the_month_page_agree_on_annual_figures_entered_earlier(
        client, official_a, village_a, ruleset):
    # The demo's 瓦屋村: annual civility figures entered in March, the monthly one in
    # December; completeness read 5/5, the December page "4 not entered".
    march = date(2026, 3, 1)
    factories.enter(village_a, ruleset, "civilised_households", march, 85)
    factories.enter(village_a, ruleset, "village_rules", march, True)
    factories.enter(village_a, ruleset, "cultural_events", DEC, 12)
    cell = completeness.for_town(village_a.town, DEC).cell(village_a.pk, "civility")
    page = pages.month_page(official_a, village_a, DEC)
    rows = next(rows for code, _name, rows in page.tabs if code == "civility")
    assert {r.indicator.code for r in rows if r.missing} == set(cell.missing_codes) == {
        "day_care_centre", "service_centre"}
    assert sum(1 for r in rows if r.due) == cell.due
    with time_machine.travel(datetime(2026, 12, 20, 10, tzinfo=SHANGHAI), tick=False):
        client.force_login(official_a)
        html = client.get(_url("month", village_a, month="2026-12")).content.decode()
    assert 'data-reported="2026-03"' in html and "本期已于 2026-03 填报" in html


@pytest.mark.django_db
def test_the_grid_marks_missing_cells_as_completeness_counts_them(
        client, official_a, town_a, village_a, ruleset):
    group = WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="civility",
                                        name="文明专班")
    factories.enter(village_a, ruleset, "civilised_households", date(2026, 3, 1), 85)
    grid = pages.grid(group, DEC)
    missing = {r.indicator.code for _v, _locked, cells in grid.rows for r in cells
               if r.missing}
    cell = completeness.for_town(village_a.town, DEC).cell(village_a.pk, "civility")
    assert missing == set(cell.missing_codes) and "civilised_households" not in missing


# --- evidence added to a verified entry ---------------------------------------------------


@pytest.mark.django_db
def test_evidence_added_to_a_verified_entry_counts_officially_and_the_page_says_so(
        client, official_a, leader_a, village_a, ruleset, in_may, media):
    entry = factories.enter(village_a, ruleset, "garbage_cleanup", MAY, True,
                            status="verified", changed_by=leader_a)
    official = services.evaluate_village(village_a, MAY, official=True)
    assert official.indicators["garbage_cleanup"].evidence_missing == {"photo": 1}
    client.force_login(official_a)
    page = client.get(_url("month", village_a) + "?tab=ecology").content.decode()
    rule = "该项已核实。现在补充的佐证材料直接计入正式结果，数值仍保持已核实状态。"
    assert rule in page
    body = client.post(_url("add_evidence", village_a, "garbage_cleanup"),
                       {"file": SimpleUploadedFile("清理.jpg", jpeg())}, **HX).content.decode()
    assert "佐证材料已上传。" in body
    assert rule in body
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VERIFIED
    official = services.evaluate_village(village_a, MAY, official=True)
    assert official.indicators["garbage_cleanup"].evidence_photos == 1
    assert official.indicators["garbage_cleanup"].evidence_missing == {}


# --- the conflict message names who saved in between --------------------------------


@pytest.mark.django_db
def test_a_stale_save_names_who_made_the_current_version_not_who_typed_it(
        client, official_a, village_a, ruleset, in_may):
    typist = factories.user_with_role("town_official", unit=village_a.town, name="王录入")
    submitter = factories.user_with_role("town_official", unit=village_a.town, name="李提交")
    indicator = ruleset.indicators.get(code="member_points_rate")
    workflow.save_value(typist, village_a, indicator, MAY, "80", 0)  # v1
    workflow.submit_month(submitter, village_a, MAY)  # v2, after our page was opened
    client.force_login(official_a)
    body = client.post(_url("save", village_a, "member_points_rate"),
                       {"value": "85", "version": "1"}, **HX).content.decode()
    message = _error(body)
    assert "李提交" in message and "王录入" not in message


@pytest.mark.django_db
def test_a_stale_save_of_a_bulk_loaded_entry_names_the_person_not_someone(
        client, official_a, village_a, ruleset, in_may):
    entry = factories.enter(village_a, ruleset, "member_points_rate", MAY, 80,
                            status="draft")  # loaded in bulk: nobody entered it
    submitter = factories.user_with_role("town_official", unit=village_a.town, name="李提交")
    workflow.submit(submitter, entry)
    client.force_login(official_a)
    body = client.post(_url("save", village_a, "member_points_rate"),
                       {"value": "85", "version": "1"}, **HX).content.decode()
    message = _error(body)
    assert "李提交" in message and "他人" not in message


@pytest.mark.django_db(transaction=True)
def test_a_save_that_waited_for_the_lock_names_who_saved_meanwhile(town_a, village_a):
    need_service(connection.vendor == "postgresql",
                 "a contended row lock needs PostgreSQL (set DATABASE_URL)")
    from scoring.rulesets import load_reference
    ruleset = load_reference(town_a.parent, year=2026)
    indicator = ruleset.indicators.get(code="member_points_rate")
    third, first, second = (factories.user_with_role("town_official", unit=town_a, name=n)
                            for n in ("张三", "李四", "王五"))
    with time_machine.travel(datetime(2026, 5, 20, 10, tzinfo=SHANGHAI), tick=False):
        workflow.save_value(third, village_a, indicator, MAY, "80", 0)  # v1 by a third
        holding = threading.Event()

        def first_saves():
            # Its own connection: saves v2 and keeps the row locked for a moment.
            try:
                with transaction.atomic():
                    workflow.save_value(first, village_a, indicator, MAY, "85", 1)
                    holding.set()
                    time.sleep(1.0)
            finally:
                connections.close_all()

        thread = threading.Thread(target=first_saves)
        thread.start()
        assert holding.wait(10)
        with pytest.raises(workflow.StaleEntry) as refused:
            workflow.save_value(second, village_a, indicator, MAY, "90", 1)  # waits
        thread.join(10)
    assert "李四" in str(refused.value) and "他人" not in str(refused.value)


# --- star names in the reader's language ------------------------------------------------


@pytest.mark.django_db
def test_the_english_month_page_names_the_stars_of_its_preview_in_english(
        client, official_a, village_a, ruleset, in_may):
    client.force_login(official_a)
    page = client.get(_url("month", village_a), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    preview = page[page.index('id="star-preview"'):]
    preview = preview[:preview.index("</ul>")]
    assert "Thriving industry star" in preview and "产业兴旺星" not in preview
