import multiprocessing
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ragapp.settings")

app = Celery("ragapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def allow_parser_sandbox(**kwargs) -> None:
    # Prefork pool processes are flagged daemonic, which multiprocessing reads as "may not
    # start children". Ingestion parses each file in a sandboxed child (ingestion.parsing),
    # which is itself daemonic and always reaped, so lifting the flag here is safe. The pool
    # also leaves billiard's authkey object behind, which the fork server cannot pickle.
    process = multiprocessing.current_process()
    process._config["daemon"] = False
    process._config["authkey"] = multiprocessing.process.AuthenticationString(os.urandom(32))
