from django import forms

from .models import ReminderPolicy


class ReminderPolicyForm(forms.ModelForm):
    class Meta:
        model = ReminderPolicy
        fields = ["enabled", "due_days_before", "overdue_days_after", "leader_days_after",
                  "town_leader_days_after", "summary_days_after", "review_waiting_days",
                  "send_entry_due", "send_overdue", "send_summary", "send_review_waiting",
                  "use_email", "use_wecom", "use_dingtalk"]
