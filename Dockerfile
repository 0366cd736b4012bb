# The base image pins the Debian release, and the release pins pg_dump's major version:
# trixie's postgresql-client-17 for compose.yaml's postgres:17-trixie. pg_dump refuses a newer
# server, so tests/ops/test_image.py fails when the two majors differ.
FROM python:3.11-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_SYSTEM_PYTHON=1 \
    DATA_DIR=/data

# pg_dump and pg_restore for backups; /backups is the backup service's volume.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-17 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 bot \
    && mkdir /data /backups && chown bot:bot /data /backups && chmod 0700 /data /backups

WORKDIR /app
# Dependencies first, from the lock with its hashes: a change to the code reuses this layer.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY pyproject.toml README.md bot.py ./
COPY cli ./cli
COPY content ./content
COPY conversations ./conversations
COPY exports ./exports
COPY locales ./locales
COPY migrations ./migrations
COPY models ./models
# The project itself only (its dependencies are above); setuptools comes from the lock too.
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
    && python -c "from locales import compile_catalogs; compile_catalogs(force=True)"

USER 10001
VOLUME ["/data"]
# Migrations are applied by `run` before it starts polling.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s CMD ["python", "bot.py", "health"]
CMD ["python", "bot.py", "run"]
