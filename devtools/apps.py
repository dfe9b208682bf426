from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Benchmarks, demo seeding and the test worker. No product app imports it."""

    name = "devtools"
    verbose_name = "Developer tools"
