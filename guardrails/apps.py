from django.apps import AppConfig


class GuardrailsConfig(AppConfig):
    name = "guardrails"
    verbose_name = "Guardrails"

    def ready(self) -> None:
        # Ingestion sits below guardrails and may not import it: it sends a signal before a
        # version's chunks become searchable, and the injection scan answers it.
        from guardrails.receivers import quarantine_injected_chunks
        from ingestion.signals import chunks_stored

        chunks_stored.connect(quarantine_injected_chunks, dispatch_uid="guardrails-scan")
