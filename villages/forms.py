from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AdminUnit, ManagementArea, Village


class VillageFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"placeholder": _("Name or code"),
                                                       "class": "form-control"}))
    town = forms.ModelChoiceField(label=_("Town"), required=False,
                                  queryset=AdminUnit.objects.none(), empty_label=_("All towns"))
    area = forms.ModelChoiceField(label=_("Management area"), required=False,
                                  queryset=ManagementArea.objects.none(),
                                  empty_label=_("All areas"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        towns = AdminUnit.objects.towns().visible_to(user)
        self.fields["town"].queryset = towns
        self.fields["area"].queryset = ManagementArea.objects.filter(
            town__in=towns).select_related("town")
        self.fields["area"].label_from_instance = lambda a: f"{a.town.name} · {a.name}"
        for name in ("town", "area"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def apply(self, villages):
        if not self.is_valid():
            return villages
        data = self.cleaned_data
        villages = villages.search(data.get("q") or "")
        if data.get("town"):
            villages = villages.filter(town=data["town"])
        if data.get("area"):
            villages = villages.filter(area=data["area"])
        return villages


class VillageFactsForm(forms.ModelForm):
    class Meta:
        model = Village
        fields = ["population", "households", "party_members", "farmland_mu",
                  "latitude", "longitude", "poor_households", "area_km2", "category"]
