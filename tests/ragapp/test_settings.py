"""ragapp.settings: refuses to start in production without a secret, and every variable it reads
is documented in .env.example."""

import ast
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SETTINGS = ROOT / "ragapp" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
ENV_READERS = {"str", "int", "bool", "list", "float", "db_url"}


def start_django(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`django.setup()` in a fresh interpreter (or `manage.py ARGS`), with only the given app
    variables set."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in settings_variables() and not name.startswith("DJANGO_")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args]
        if args
        else [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "ragapp.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_variables() -> set[str]:
    """Every NAME in env.str("NAME", ...), env.int("NAME", ...) etc. in ragapp/settings.py."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
            and node.func.attr in ENV_READERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(node.args[0].value)
    return names


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DATABASE_URL": "postgres://ragapp:secret@127.0.0.1:1/ragapp",
    "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
}


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    # An empty SECRET_KEY in the environment also wins over a developer's .env file.
    result = start_django(**PRODUCTION, SECRET_KEY="")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_it_starts_with_a_secret_key_when_debug_is_off():
    result = start_django(**PRODUCTION, SECRET_KEY="a-long-random-production-secret")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_the_settings_parser_finds_the_variables_settings_read():
    names = settings_variables()

    assert {
        "SECRET_KEY",
        "DJANGO_DEBUG",
        "DATABASE_URL",
        "OPENAI_TIMEOUT",
        "ALLOWED_HOSTS",
    } <= names


def test_every_variable_settings_read_is_in_env_example():
    assert ENV_EXAMPLE.exists(), ".env.example is missing from the repository root"
    documented = set(re.findall(r"^[#\s]*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.M))

    missing = settings_variables() - documented

    assert not missing, f".env.example does not mention: {', '.join(sorted(missing))}"


# What README's "Production" section asks for, behind a proxy that terminates TLS.
DOCUMENTED_PRODUCTION = {
    **PRODUCTION,
    "SECRET_KEY": "x7Gq-production-secret-of-fifty-characters-or-more-3kP9zR",
    "ALLOWED_HOSTS": "ragapp.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://ragapp.example.org",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
}


def test_debug_is_off_unless_asked_for():
    if (ROOT / ".env").exists() and "DJANGO_DEBUG" in (ROOT / ".env").read_text():
        pytest.skip("this checkout's .env sets DJANGO_DEBUG")
    variables = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_DEBUG"}

    result = start_django(**variables, SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_deployment_check_passes_with_the_documented_production_variables():
    result = start_django("check", "--deploy", "--fail-level", "WARNING", **DOCUMENTED_PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_check_fails_when_https_is_switched_off():
    result = start_django(
        "check", "--deploy", "--fail-level", "WARNING",
        **DOCUMENTED_PRODUCTION, SECURE_SSL_REDIRECT="false", SESSION_COOKIE_SECURE="false",
    )  # fmt: skip

    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W012" in result.stderr
