"""Structure checks for the container deployment (docker-compose.yml and Dockerfile)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
DOCKERFILE = ROOT / "Dockerfile"
PROJECT_INSTALL = re.compile(r"pip install [^&]*\.(\s|$)")  # `pip install [options] .`


@pytest.fixture(scope="module")
def services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"]


def test_stack_has_database_queue_web_worker_and_scheduler(services):
    assert set(services) >= {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("pgvector/pgvector:")


def test_every_service_reports_its_health(services):
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_app_services_share_one_image_and_environment(services):
    web = services["web"]
    for name in APP_SERVICES:
        assert services[name]["build"] == web["build"], name
        assert services[name]["environment"] == web["environment"], name


def test_app_talks_to_compose_database_and_redis(services):
    env = services["web"]["environment"]
    assert re.match(r"postgres(ql)?://[^@]+@db:5432/", env["DATABASE_URL"])
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:")


def test_production_settings_require_a_secret_and_disable_debug(services):
    env = services["web"]["environment"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", env["SECRET_KEY"])
    assert env["DJANGO_DEBUG"] == "false"


def test_the_database_password_has_no_default(services):
    required = re.compile(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}")
    assert required.fullmatch(services["db"]["environment"]["POSTGRES_PASSWORD"])
    assert required.search(services["web"]["environment"]["DATABASE_URL"])


def test_https_settings_default_to_on(services):
    env = services["web"]["environment"]
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert env[name] == f"${{{name}:-true}}", name


def test_worker_and_web_share_uploaded_files(services):
    def media_mount(name):
        mounts = [v for v in services[name].get("volumes", []) if v.endswith(":/app/media")]
        assert len(mounts) == 1, f"{name} does not mount /app/media"
        return mounts[0]

    assert media_mount("web") == media_mount("worker")
    assert services["web"]["environment"]["MEDIA_ROOT"] == "/app/media"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_db_and_redis(services, name):
    depends_on = services[name]["depends_on"]
    for dependency in ("db", "redis"):
        assert depends_on[dependency]["condition"] == "service_healthy"


def test_dockerfile_installs_pinned_torch_before_the_project():
    code = [line for line in DOCKERFILE.read_text().splitlines() if not line.startswith("#")]
    installs = [line for line in code if "pip install" in line]
    torch_at = next(i for i, line in enumerate(installs) if "torch==2.13.0" in line)
    project_at = next(i for i, line in enumerate(installs) if PROJECT_INSTALL.search(line))
    assert torch_at < project_at
