# syntax=docker/dockerfile:1
FROM python:3.11-slim-bookworm

# torch's default Linux wheel on PyPI bundles CUDA (several GB). For a CPU-only image pass
# PyTorch's CPU wheel index:
#   docker build --build-arg TORCH_INDEX_URL=<PyTorch's CPU wheel index URL> -t ragapp .
# Left empty, torch comes from the default index (PyPI).
ARG TORCH_INDEX_URL=""

# PYTHONPATH=/app: run the source tree in /app (templates, migrations, static) rather than
# the copy `pip install .` puts in site-packages, which holds only the top-level packages.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DO_NOT_TRACK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    DJANGO_DEBUG=false

# libmagic1: file type detection; libgl1 + libglib2.0-0: OpenCV (PDF layout models);
# poppler-utils: PDF page rendering (pdf2image); curl: container health checks.
# No tesseract or libreoffice: no OCR, no legacy .doc/.ppt conversion.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmagic1 libgl1 libglib2.0-0 poppler-utils curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 ragapp \
 && useradd --system --uid 1000 --gid ragapp --create-home --home-dir /home/ragapp ragapp

WORKDIR /app

# torch first: the project pins torch==2.13.0, and installing it here from the chosen index
# stops `pip install .` from pulling the CUDA build.
RUN pip install ${TORCH_INDEX_URL:+--index-url $TORCH_INDEX_URL} torch==2.13.0

# Dependencies in their own layer (cached until pyproject.toml changes): install the project
# against empty package stubs. timm drags in PyPI's torchvision, which cannot load beside the
# pinned torch and breaks transformers' imports; nothing we run uses it (see README).
COPY pyproject.toml ./
RUN for pkg in ragapp ingestion evaluation feedback; do mkdir -p "$pkg" && touch "$pkg/__init__.py"; done \
 && pip install . \
 && pip uninstall -y torchvision \
 && rm -rf build *.egg-info ragapp ingestion evaluation feedback

COPY --chown=ragapp:ragapp . .
RUN install -d -o ragapp -g ragapp /app/media \
 && chown ragapp:ragapp /app

USER ragapp

# Build-only dummy values so settings import; neither is used at runtime.
RUN SECRET_KEY=build-only-not-a-secret DATABASE_URL=postgres://build:build@localhost:5432/build \
    python manage.py collectstatic --noinput

EXPOSE 8000
CMD ["gunicorn", "ragapp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "120", "--access-logfile", "-"]
