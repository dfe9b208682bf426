import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragapp.settings")
application = get_wsgi_application()

# gunicorn and runserver import this module before serving; management commands and tests do
# not, so they do not pay for the model.
if settings.MODELS_PRELOAD:
    from providers.embeddings import load_models

    load_models(questions=True)
