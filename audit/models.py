from django.db import models


class AuditEvent(models.Model):
    """Who did what to which object, and when. Append-only: the database refuses UPDATE and DELETE
    on this table (a trigger, migration 0001), whatever role the application connects as.

    No foreign keys: an event outlives the user and the object it names, and deleting either must
    not need to touch the trail. Events never copy a question's or an answer's text."""

    class Action(models.TextChoices):
        SIGN_IN = "auth.sign_in", "Signed in"
        SIGN_OUT = "auth.sign_out", "Signed out"
        SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
        DOCUMENT_UPLOAD = "document.upload", "Uploaded a document"
        DOCUMENT_REINGEST = "document.reingest", "Re-ingested a document"
        DOCUMENT_RETIRE = "document.retire", "Retired a document"
        DOCUMENT_RESTORE = "document.restore", "Restored a document"
        DOCUMENT_DELETE = "document.delete", "Deleted a document"
        DOCUMENT_DOWNLOAD = "document.download", "Downloaded a document"
        READERS_ADDED = "collection.readers_added", "Added collection readers"
        READERS_REMOVED = "collection.readers_removed", "Removed collection readers"
        CURATORS_ADDED = "collection.curators_added", "Added collection curators"
        CURATORS_REMOVED = "collection.curators_removed", "Removed collection curators"
        GROUPS_ADDED = "user.groups_added", "Added a user to groups"
        GROUPS_REMOVED = "user.groups_removed", "Removed a user from groups"
        CREATED = "object.created", "Created"
        CHANGED = "object.changed", "Changed"
        DELETED = "object.deleted", "Deleted"
        EVAL_RUN_STARTED = "evaluation.run_started", "Started an evaluation run"
        EXPORTED = "data.exported", "Exported data"
        ANSWERED = "chat.answered", "Answered a question"
        QUARANTINE_CLEARED = "chunk.quarantine_cleared", "Cleared a quarantined chunk"
        QUARANTINE_KEPT = "chunk.quarantine_kept", "Kept a chunk in quarantine"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Kept beside the id so the trail still reads after the account is deleted.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)  # "app_label.model"
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        default_permissions = ("view",)

    def __str__(self) -> str:
        who = self.actor_username or "system"
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.object_type}:{self.object_id}"
        )
