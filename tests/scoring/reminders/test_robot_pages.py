"""Town leaders manage their working groups' WeCom and DingTalk robots."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from villages.models import GroupKind, WorkingGroup
from wuxing.accounts.models import AuditEvent
from wuxing.notifications.models import GroupRobot

pytestmark = pytest.mark.django_db

WECOM = {"kind": "wecom", "webhook_url":
         "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-1", "enabled": "on"}
DINGTALK = {"kind": "dingtalk", "webhook_url":
            "https://oapi.dingtalk.com/robot/send?access_token=tok", "secret": "SEC123",
            "enabled": "on"}


@pytest.fixture
def group(town_a):
    return WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="industry",
                                       name="甲镇产业兴旺星专班")


def robots_url(group):
    return reverse("reminders:robots", args=[group.pk])


def test_the_town_leader_adds_a_robot_and_its_key_is_not_shown(client, leader_a, group):
    client.force_login(leader_a)
    response = client.post(robots_url(group), WECOM, follow=True)
    robot = GroupRobot.objects.get(group=group)
    assert (robot.kind, robot.webhook_url, robot.enabled) == (
        "wecom", WECOM["webhook_url"], True)
    page = response.content.decode()
    assert "qyapi.weixin.qq.com/cgi-bin/webhook/send?…" in page
    assert "secret-key-1" not in page
    event = AuditEvent.objects.get(kind="settings")
    assert event.detail == {"setting": "group_robot", "action": "add", "group": group.pk,
                            "robot_kind": "wecom", "enabled": True}
    assert "secret-key-1" not in str(event.detail)


def test_saving_a_kind_again_replaces_the_robot_and_keeps_an_empty_secret(
        client, leader_a, group):
    client.force_login(leader_a)
    client.post(robots_url(group), DINGTALK)
    new_url = "https://oapi.dingtalk.com/robot/send?access_token=new"
    client.post(robots_url(group), {**DINGTALK, "webhook_url": new_url, "secret": "",
                                    "enabled": ""})
    robot = GroupRobot.objects.get(group=group)
    assert (robot.webhook_url, robot.secret, robot.enabled) == (new_url, "SEC123", False)
    assert list(AuditEvent.objects.filter(kind="settings").order_by("pk").values_list(
        "detail__action", flat=True)) == ["add", "update"]


@pytest.mark.parametrize("data, message", [
    ({**DINGTALK, "secret": "abc"}, "钉钉加签密钥应以 SEC 开头"),
    ({**WECOM, "webhook_url": "https://evil.example.com/hook"}, "qyapi.weixin.qq.com"),
    ({**WECOM, "webhook_url": "not a url"}, "is-invalid"),
    ({**WECOM, "kind": "sms"}, "is-invalid"),
])
def test_a_bad_robot_is_refused_and_nothing_is_saved(client, leader_a, group, data, message):
    client.force_login(leader_a)
    response = client.post(robots_url(group), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not GroupRobot.objects.exists() and not AuditEvent.objects.filter(
        kind="settings").exists()


def test_the_leader_removes_a_robot(client, leader_a, group):
    robot = GroupRobot.objects.create(group=group, **{k: v for k, v in WECOM.items()
                                                      if k != "enabled"})
    client.force_login(leader_a)
    response = client.post(reverse("reminders:robot_delete", args=[robot.pk]))
    assert response["Location"] == robots_url(group)
    assert not GroupRobot.objects.exists()
    assert AuditEvent.objects.get(kind="settings").detail["action"] == "delete"


def test_a_town_official_may_not_manage_robots(client, official_a, group):
    robot = GroupRobot.objects.create(group=group, kind="wecom",
                                      webhook_url=WECOM["webhook_url"])
    client.force_login(official_a)
    page = client.get(robots_url(group)).content.decode()  # read-only, webhook masked
    assert "qyapi.weixin.qq.com" in page and "secret-key-1" not in page
    assert "robot_delete" not in page and 'name="webhook_url"' not in page
    assert "只有乡镇领导可以修改群机器人。" in page
    assert client.post(robots_url(group), DINGTALK).status_code == 403
    assert client.post(reverse("reminders:robot_delete", args=[robot.pk])).status_code == 403
    assert list(GroupRobot.objects.all()) == [robot]


def test_another_towns_groups_and_robots_are_not_found(client, leader_a):
    other = WorkingGroup.objects.create(town=factories.TownFactory(), kind=GroupKind.STAR,
                                        star="ecology", name="乙镇生态宜居星专班")
    robot = GroupRobot.objects.create(group=other, kind="wecom",
                                      webhook_url=WECOM["webhook_url"])
    client.force_login(leader_a)
    assert client.get(robots_url(other)).status_code == 404
    assert client.post(robots_url(other), DINGTALK).status_code == 404
    assert client.post(reverse("reminders:robot_delete", args=[robot.pk])).status_code == 404
    assert GroupRobot.objects.count() == 1


def test_the_policy_page_links_each_group_to_its_robots(client, leader_a, official_a,
                                                       group, town_a):
    policy = reverse("reminders:policy", args=[town_a.code])
    client.force_login(leader_a)
    assert f'href="{robots_url(group)}">管理群机器人' in client.get(policy).content.decode()
    client.force_login(official_a)
    assert f'href="{robots_url(group)}">群机器人' in client.get(policy).content.decode()


def test_the_robots_page_query_count_does_not_grow_with_robots(client, leader_a, group):
    client.force_login(leader_a)
    client.get(robots_url(group))
    with CaptureQueriesContext(connection) as none:
        client.get(robots_url(group))
    GroupRobot.objects.create(group=group, kind="wecom", webhook_url=WECOM["webhook_url"])
    GroupRobot.objects.create(group=group, kind="dingtalk", webhook_url=DINGTALK["webhook_url"],
                              secret="SEC1")
    with CaptureQueriesContext(connection) as two:
        assert client.get(robots_url(group)).status_code == 200
    assert len(none) == len(two)


def test_only_star_working_groups_have_robots_here(client, leader_a, town_a):
    promotion = WorkingGroup.objects.create(town=town_a, kind=GroupKind.PROMOTION,
                                            name="第一管区推进组")
    client.force_login(leader_a)
    assert client.get(robots_url(promotion)).status_code == 404
    assert client.post(robots_url(promotion), WECOM).status_code == 404
    policy = client.get(reverse("reminders:policy", args=[town_a.code])).content.decode()
    assert "第一管区推进组" in policy and robots_url(promotion) not in policy
    assert not GroupRobot.objects.exists()
