# The chat's models lived in the project package's app (label "ragapp") until 2026-12-02. This
# migration replaces that app's two migrations, so a database that has them counts it as applied,
# and keeps the tables' names (db_table).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [("ragapp", "0001_initial"), ("ragapp", "0002_message_fallback_reason")]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Conversation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='conversations', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'ragapp_conversation',
                'ordering': ['-updated_at'],
            },
        ),
        migrations.CreateModel(
            name='Message',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('question', models.TextField()),
                ('kind', models.CharField(choices=[('answer', 'Answer'), ('no_answer', 'No answer'), ('refusal', 'Refusal')], max_length=20)),
                ('sentences', models.JSONField(default=list)),
                ('sources', models.JSONField(default=list)),
                ('rendered', models.TextField(help_text='The answer as the user saw it (HTML).')),
                ('template_version', models.CharField(max_length=50)),
                ('generator', models.CharField(max_length=50)),
                ('variant', models.CharField(blank=True, max_length=50)),
                ('model', models.CharField(blank=True, max_length=200)),
                ('fallback_reason', models.CharField(blank=True, max_length=300)),
                ('collection_ids', models.JSONField(default=list, help_text='Collections searched.')),
                ('retrieved', models.JSONField(default=list)),
                ('search_mode', models.CharField(max_length=20)),
                ('embed_ms', models.FloatField(default=0)),
                ('search_ms', models.FloatField(default=0)),
                ('generate_ms', models.FloatField(default=0)),
                ('total_ms', models.FloatField(default=0)),
                ('prompt_tokens', models.PositiveIntegerField(blank=True, null=True)),
                ('completion_tokens', models.PositiveIntegerField(blank=True, null=True)),
                ('cost', models.DecimalField(blank=True, decimal_places=6, max_digits=10, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='chat.conversation')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'ragapp_message',
                'ordering': ['created_at'],
                'indexes': [models.Index(fields=['created_at'], name='ragapp_mess_created_682845_idx')],
            },
        ),
    ]
