"""The example deployment files in deploy/ parse and say what the portal needs.

- nginx: `nginx -t` on a wrapper config that includes the site (a throw-away certificate,
  logs in a temporary folder). Skipped without nginx, failing under CI=true (.ci/run
  installs Debian's nginx).
- systemd: `systemd-analyze verify` on copies whose ExecStart points at this virtualenv
  (verify insists that the command exists); any warning fails too, as verify exits 0 on
  unknown keys.
- compose: no docker here, so PyYAML and the keys compose needs (services, their image or
  build, commands, volumes and depends_on that exist, exactly one beat).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

from scoring.progress.evidence import DOCUMENT_MAX_BYTES, MB
from tests.conftest import need_service

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SITE = DEPLOY / "nginx" / "wuxing.conf"
UNITS = sorted((DEPLOY / "systemd").glob("wuxing-*.*"))
VENV_BIN = "/srv/wuxing/.venv/bin/"


def _nginx() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def _certificate(folder: Path) -> None:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=wuxing.test", "-keyout", str(folder / "privkey.pem"),
                    "-out", str(folder / "fullchain.pem")], check=True, capture_output=True)


def test_the_nginx_site_passes_nginx_t(tmp_path):
    nginx = _nginx()
    need_service(nginx is not None, "nginx is not installed (Debian: apt-get install nginx)")
    need_service(shutil.which("openssl") is not None, "the nginx test needs openssl")
    _certificate(tmp_path)
    site = (SITE.read_text().replace("/etc/ssl/wuxing/", f"{tmp_path}/")
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site)
    # Temporary folders here too: a copy of nginx not installed has no /var/lib/nginx.
    temp = "".join(f"  {kind}_temp_path {tmp_path}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n{temp}  include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run([nginx, "-t", "-p", f"{tmp_path}/", "-c", f"{tmp_path}/nginx.conf"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def _directives(name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", SITE.read_text(), re.M)


def test_the_nginx_site_forwards_the_scheme_and_the_client_address():
    headers = _directives("proxy_set_header")
    assert "X-Forwarded-Proto $scheme" in headers
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in headers
    assert any(listen.startswith("443 ssl") for listen in _directives("listen"))


def test_the_nginx_site_never_serves_the_media_folder():
    text = SITE.read_text()
    assert not re.search(r"^\s*(alias|root)\s", text, re.M)
    assert str(settings.MEDIA_ROOT) not in text
    media = re.escape(settings.MEDIA_URL)
    assert re.search(rf"location \^~ {media} \{{ return 404; \}}", text)


def test_the_nginx_body_limit_is_the_portals_upload_limit():
    (limit,) = _directives("client_max_body_size")
    number, unit = re.fullmatch(r"(\d+)([km]?)", limit).groups()
    size = int(number) * {"": 1, "k": 1024, "m": MB}[unit]
    assert size == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert size > DOCUMENT_MAX_BYTES + MB  # the largest document and the form around it


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    need_service(analyze is not None, "systemd-analyze is not installed (Debian: systemd)")
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "gunicorn").exists() and (bin_dir / "celery").exists()
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(VENV_BIN, f"{bin_dir}/"))
    result = subprocess.run([analyze, "verify", *(str(tmp_path / u.name) for u in UNITS)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_there_is_exactly_one_beat_unit_and_it_is_not_a_template():
    beats = [u.name for u in UNITS if " beat" in u.read_text()]
    assert beats == ["wuxing-beat.service"]
    assert not any("@" in u.name for u in UNITS)


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_has_the_five_services_of_a_pilot_county():
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert source.startswith((".", "/")) or source in volumes, (name, mount)
        assert set(service.get("depends_on", {})) <= set(services), name
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "@postgres:5432/" in env["DATABASE_URL"] and env["REDIS_URL"].startswith(
            "redis://redis:"), name
    assert "celery" in services["worker"]["command"] and "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    # Only the portal is published, on the loopback address for nginx.
    assert [s for s, v in services.items() if v.get("ports")] == ["web"]
    assert all(p.startswith("127.0.0.1:") for p in services["web"]["ports"])
