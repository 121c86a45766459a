"""django-import-export in the admin: zip-based input (.xlsx) passes the bounded archive
check before openpyxl parses it, and a refusal is shown in the uploader's language."""

from import_export.formats import base_formats

from . import UploadRefused, archives


class CheckedXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        archives.check(in_stream, archives.Limits.for_sheets()).close()
        return super().create_dataset(in_stream)


# The library's defaults, in their order (the admin form refers to them by position).
IMPORT_FORMATS = [CheckedXLSX if f is base_formats.XLSX else f
                  for f in base_formats.DEFAULT_FORMATS]


class CheckedImportMixin:
    """Put before ImportExportModelAdmin in the bases of every admin that imports."""

    formats = IMPORT_FORMATS

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UploadRefused):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)
