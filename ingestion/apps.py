from django.apps import AppConfig


class IngestionConfig(AppConfig):
    name = "ingestion"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from ingestion import signals  # noqa: F401  (audit receivers for readers and curators)
