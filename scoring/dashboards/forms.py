from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.stars import StarCode
from villages.models import Village

from .models import Pairing, PairingActivity, PointsLedger


class DateInput(forms.DateInput):
    input_type = "date"


class PointsForm(forms.ModelForm):
    class Meta:
        model = PointsLedger
        fields = ["village", "date", "points", "reason"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, town, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.filter(town=town)
        self.fields["points"].help_text = _("Positive for a bonus, negative for a deduction.")

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("Zero points change nothing."))
        return points


class PairingForm(forms.ModelForm):
    star_choices = forms.MultipleChoiceField(
        label=_("Stars to learn"), choices=StarCode.choices, required=False,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Pairing
        fields = ["village", "partner", "star_choices", "started", "note"]
        widgets = {"started": DateInput()}

    def __init__(self, *args, town, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.filter(town=town)
        self.fields["partner"].queryset = Village.objects.under(town.code[:6])

    def clean(self):
        data = super().clean()
        if data.get("village") and data.get("village") == data.get("partner"):
            raise forms.ValidationError(_("A village cannot be paired with itself."))
        data["stars"] = "+".join(s for s in StarCode.values
                                 if s in data.get("star_choices", []))
        return data

    def save(self, commit=True):
        self.instance.stars = self.cleaned_data["stars"]
        return super().save(commit)


class ActivityForm(forms.ModelForm):
    class Meta:
        model = PairingActivity
        fields = ["date", "title", "description"]
        widgets = {"date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
