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

        # A saved policy applies at once in this process (others re-read within seconds).
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from guardrails.models import Policy
        from guardrails.services import forget_policies

        post_save.connect(forget_policies, sender=Policy, dispatch_uid="guardrails-saved")
        post_delete.connect(forget_policies, sender=Policy, dispatch_uid="guardrails-deleted")
        m2m_changed.connect(
            forget_policies, sender=Policy.collections.through, dispatch_uid="guardrails-scope"
        )
