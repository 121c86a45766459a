from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.progress.models import TownPeriodSetting
from wuxing.notifications.models import GroupRobot

from .models import ReminderPolicy


class ReminderPolicyForm(forms.ModelForm):
    class Meta:
        model = ReminderPolicy
        fields = ["enabled", "due_days_before", "overdue_days_after", "leader_days_after",
                  "town_leader_days_after", "summary_days_after", "review_waiting_days",
                  "send_entry_due", "send_overdue", "send_summary", "send_review_waiting",
                  "use_email", "use_wecom", "use_dingtalk"]


class PeriodSettingForm(forms.ModelForm):
    """The town's reporting deadline and evidence limit (shown on the same page)."""

    prefix = "period"

    class Meta:
        model = TownPeriodSetting
        fields = ["deadline_day", "evidence_limit"]
        help_texts = {
            "deadline_day": _("Entries of a month can be changed until the end of this day "
                              "of the next month (1–28); then the month locks."),
            "evidence_limit": _("The most photos and documents a village may attach in "
                                "one month."),
        }


class RobotForm(forms.ModelForm):
    """A working group's WeCom or DingTalk robot; a second one of a kind replaces the first.

    The secret is never shown again: left empty, the stored one is kept. The webhook is
    checked and normalised by the model (wuxing/notifications/webhooks.py), so this form,
    the admin and the sender apply the same rules.
    """

    webhook_url = forms.CharField(
        label=GroupRobot._meta.get_field("webhook_url").verbose_name, max_length=500,
        widget=forms.URLInput, help_text=_("Copy it from the group chat's robot settings."))

    class Meta:
        model = GroupRobot
        fields = ["kind", "webhook_url", "secret", "enabled"]
        widgets = {"secret": forms.PasswordInput(render_value=False)}
        help_texts = {
            "secret": _("DingTalk only: the SEC… secret of 加签. Leave empty to keep the "
                        "stored one."),
        }

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "")
        return secret or (self.instance.secret if self.instance.pk else "")
