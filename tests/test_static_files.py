"""Static files collect in production mode: the manifest storage resolves every reference
(a vendored file's missing source map once broke `collectstatic`)."""

from tests.test_deploy_settings import PRODUCTION, _manage


def test_collectstatic_succeeds_with_the_production_manifest_storage(tmp_path):
    env = {**PRODUCTION, "DJANGO_STATIC_ROOT": str(tmp_path)}
    result = _manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").exists()
    assert any(tmp_path.glob("vendor/htmx-2.0.11/htmx.min.*.js"))
