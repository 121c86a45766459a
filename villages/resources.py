"""Excel import and export of villages (django-import-export).

Rows are validated in full before anything is written: a file with any bad row imports
nothing, and each problem is reported with its row number in the user's language.
"""

from django.utils.translation import gettext as _
from import_export import fields, widgets

from wuxing.spreadsheets import NeutralisingResource, restore

from .models import AdminUnit, ManagementArea, Village


class TownWidget(widgets.ForeignKeyWidget):
    def __init__(self):
        super().__init__(AdminUnit, field="code")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except AdminUnit.DoesNotExist:
            raise ValueError(_("No town has the code %(code)s.") % {"code": value}) from None


class AreaWidget(widgets.ForeignKeyWidget):
    """A management area is named within the row's town; a new name creates it."""

    def __init__(self):
        super().__init__(ManagementArea, field="name")

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        town = AdminUnit.objects.filter(code=str(row.get("town_code", "")).strip()).first()
        if town is None:
            return None
        area, _created = ManagementArea.objects.get_or_create(town=town, name=str(value).strip())
        return area


class VillageResource(NeutralisingResource):
    code = fields.Field(attribute="code", column_name="code")
    name = fields.Field(attribute="name", column_name="name")
    town = fields.Field(attribute="town", column_name="town_code", widget=TownWidget())
    area = fields.Field(attribute="area", column_name="area", widget=AreaWidget())

    class Meta:
        model = Village
        import_id_fields = ["code"]
        fields = ["code", "name", "town", "area", "population", "households",
                  "party_members", "farmland_mu", "latitude", "longitude",
                  "poor_households", "area_km2", "category"]
        export_order = fields
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_data(self, dataset, **kwargs):
        # All or nothing: one invalid row rolls back every row of the file.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        code = str(row.get("code") or "").strip()
        if code.endswith(".0"):  # Excel turns long digit strings into floats
            code = code[:-2]
        row["code"] = code
        row["town_code"] = str(row.get("town_code") or "").strip().removesuffix(".0")
        for column in ("name", "area"):  # a file exported here comes back unchanged
            if column in row:
                row[column] = restore(row[column])

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        code = instance.code or ""
        # A malformed code is reported by the field's own validator in full_clean().
        if instance.town_id and len(code) == 12 and not code.startswith(instance.town.prefix):
            errors["code"] = _("The code %(code)s does not lie under the town %(town)s.") % {
                "code": instance.code, "town": instance.town.name}
        super().validate_instance(instance, errors, validate_unique)
