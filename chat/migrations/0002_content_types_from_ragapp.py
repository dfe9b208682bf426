"""Admin log entries and group permissions point at content types: move the chat's from the
old app label to "chat" instead of leaving them behind (a fresh database has none to move)."""

from django.db import migrations


def rename_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("conversation", "message"):
        if not content_type.objects.filter(app_label="chat", model=model).exists():
            content_type.objects.filter(app_label="ragapp", model=model).update(app_label="chat")


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(rename_content_types, migrations.RunPython.noop)]
