"""Forms of the review pages. Dynamic fields follow the application's stars and items."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scoring.dashboards.models import CountyTarget
from scoring.stars import STAR_ORDER, StarCode

from . import steps
from .models import ObjectionStatus, RatingCycle

TEXTAREA = forms.Textarea(attrs={"rows": 2})


def _star_label(code: str) -> str:
    return str(StarCode(code).label)


class ApplyForm(forms.Form):
    stars = forms.MultipleChoiceField(label=_("Stars applied for"), choices=StarCode.choices,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, earned: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.earned = earned
        for code in STAR_ORDER:
            self.fields[f"why_{code}"] = forms.CharField(
                label=_("Justification for %(star)s") % {"star": _star_label(code)},
                required=False, widget=TEXTAREA,
                help_text=None if code in earned else
                _("Needed: the engine does not show this star as earned."))

    def justifications(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"why_{code}", "") for code in STAR_ORDER}


class ReturnForm(forms.Form):
    """A reason per star and per indicator; only the items with a reason are flagged."""

    reason = forms.CharField(label=_("General remark"), required=False, widget=TEXTAREA)

    def __init__(self, *args, blocks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.blocks = blocks
        for block in blocks:
            self.fields[f"star_{block.code}"] = forms.CharField(
                label=block.label, required=False, widget=TEXTAREA)
            for row in block.indicators:
                self.fields[f"ind_{row.code}"] = forms.CharField(
                    label=row.name, required=False, widget=TEXTAREA)

    def flags(self) -> dict:
        data = self.cleaned_data
        stars = {b.code: data[f"star_{b.code}"].strip() for b in self.blocks
                 if data.get(f"star_{b.code}", "").strip()}
        indicators = {r.code: data[f"ind_{r.code}"].strip() for b in self.blocks
                      for r in b.indicators if data.get(f"ind_{r.code}", "").strip()}
        return {"stars": stars, "indicators": indicators}


APPROVE, REFUSE = "approve", "refuse"


class ApproveForm(forms.Form):
    """A decision per star, none pre-selected; a reason where the rule needs one."""

    def __init__(self, *args, stars=(), met: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stars, self.met = list(stars), set(met)
        for code in self.stars:
            self.fields[f"decision_{code}"] = forms.ChoiceField(
                label=_star_label(code),
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                choices=[(APPROVE, _("Approve")), (REFUSE, _("Do not approve"))],
                error_messages={"required": _("Decide this star: approve or do not "
                                              "approve.")})
            self.fields[f"why_{code}"] = forms.CharField(
                label=_("Reason"), required=False, widget=TEXTAREA, max_length=2000,
                help_text=_("Required: the engine marks this star not met.")
                if code not in self.met else _("Required when not approved."))

    def rows(self):
        """(code, label, met, decision field, reason field) per star, for the template."""
        return [(code, _star_label(code), code in self.met, self[f"decision_{code}"],
                 self[f"why_{code}"]) for code in self.stars]

    def clean(self):
        from .services import star_decision_error
        data = super().clean()
        for code in self.stars:
            decision = data.get(f"decision_{code}")
            if decision is None:
                continue
            error = star_decision_error(code, decision == APPROVE, self.met,
                                        data.get(f"why_{code}", ""))
            if error:
                self.add_error(f"why_{code}", error)
        return data

    def approved(self) -> list[str]:
        return [c for c in self.stars if self.cleaned_data.get(f"decision_{c}") == APPROVE]

    def reasons(self) -> dict[str, str]:
        return {c: self.cleaned_data.get(f"why_{c}", "").strip() for c in self.stars
                if self.cleaned_data.get(f"why_{c}", "").strip()}


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the rejection"), widget=TEXTAREA)


class ResubmitForm(forms.Form):
    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, flag in items:
            self.fields[f"fix_{key}"] = forms.CharField(
                label=label, help_text=flag, widget=TEXTAREA,
                error_messages={"required": _("Say what was fixed for this item.")})

    def responses(self) -> dict[str, str]:
        return {name[4:]: value.strip() for name, value in self.cleaned_data.items()}


CHAIN_CHOICES = [
    ("town,county", _("Village → town pre-review → county review")),
    ("town,city,county", _("Village → town pre-review → city review → county review")),
    ("county", _("Village → county review (no town step)")),
    ("city,county", _("Village → city review → county review")),
]


class CycleForm(forms.ModelForm):
    chain_text = forms.ChoiceField(label=_("Review chain"), choices=CHAIN_CHOICES)
    holidays_text = forms.CharField(
        label=_("Holidays"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One date per line (YYYY-MM-DD); not counted as working days."))

    class Meta:
        model = RatingCycle
        fields = ["year", "ruleset", "opens_on", "closes_on", "notice_days", "overdue_days"]
        widgets = {"opens_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                   "closes_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

    def __init__(self, *args, county=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.county = county or self.instance.county
        self.fields["chain_text"].initial = ",".join(self.instance.chain or steps.DEFAULT_CHAIN)
        self.fields["holidays_text"].initial = "\n".join(self.instance.holidays or [])
        from scoring.models import RuleSet
        self.fields["ruleset"].queryset = RuleSet.objects.published().filter(
            issuer__code__in=[self.instance.county.code, self.instance.county.code[:4]
                              + "00000000", self.instance.county.code[:2] + "0000000000"])

    def clean_holidays_text(self) -> list[str]:
        from datetime import date
        lines = [line.strip() for line in self.cleaned_data["holidays_text"].splitlines()
                 if line.strip()]
        try:
            return sorted({date.fromisoformat(line).isoformat() for line in lines})
        except ValueError:
            raise forms.ValidationError(
                _("Holidays must be dates written as YYYY-MM-DD.")) from None

    def validate_unique(self):
        # The county is set on the instance, not a form field, so ModelForm would skip the
        # (county, year) uniqueness: a second cycle for the year would crash on insert.
        exclude = self._get_validation_exclusions() - {"county"}
        try:
            self.instance.validate_unique(exclude=exclude)
            self.instance.validate_constraints(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)

    def _post_clean(self):
        self.instance.chain = self.cleaned_data.get("chain_text", "town,county").split(",")
        self.instance.holidays = self.cleaned_data.get("holidays_text") or []
        super()._post_clean()


class PublishForm(forms.Form):
    starts_on = forms.DateField(label=_("Notice starts on"),
                                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate()


class ObjectionForm(forms.Form):
    star = forms.ChoiceField(label=_("Star concerned"), required=False)
    text = forms.CharField(label=_("Objection"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000)

    def __init__(self, *args, stars=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["star"].choices = [("", _("The whole application"))] + [
            (c, _star_label(c)) for c in stars]


class PublicObjectionForm(ObjectionForm):
    """The public notice page's form: anyone, with a name and a way to answer them."""

    name = forms.CharField(label=_("Your name"), max_length=50)
    contact = forms.CharField(label=_("Phone or address to answer you"), max_length=100)

    field_order = ["name", "contact", "star", "text"]

    def __init__(self, *args, anonymous: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        # A logged-in user is known already; the service holds the same rule.
        self.fields["name"].required = self.fields["contact"].required = anonymous


class OfflineObjectionForm(ObjectionForm):
    source = forms.CharField(label=_("Received from / how"), max_length=120)


class ResolveForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=[
        (ObjectionStatus.UPHELD, ObjectionStatus.UPHELD.label),
        (ObjectionStatus.DISMISSED, ObjectionStatus.DISMISSED.label)])
    resolution = forms.CharField(label=_("Resolution"), widget=TEXTAREA)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CountyTargetForm(forms.ModelForm):
    """The county's targets for the cycle's year, shown on the overviews."""

    class Meta:
        model = CountyTarget
        fields = ["min_level_all", "share_four_plus", "share_five"]

    def clean(self):
        data = super().clean()
        four, five = data.get("share_four_plus"), data.get("share_five")
        if four is not None and five is not None and five > four:
            # Five-star villages are also at four stars or more.
            self.add_error("share_five", _("The five-star share cannot exceed the share "
                                           "at four stars or more."))
        return data
