FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BOT_SYSTEM_PYTHON=1 \
    DATA_DIR=/data

# pg_dump for `bot.py backup` against PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 bot \
    && mkdir /data && chown bot:bot /data

WORKDIR /app
COPY pyproject.toml README.md bot.py ./
COPY conversations ./conversations
COPY cli ./cli
COPY exports ./exports
COPY models ./models
COPY content ./content
COPY locales ./locales
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . \
    && python -c "from locales import compile_catalogs; compile_catalogs(force=True)"

USER 10001
VOLUME ["/data"]
# Migrations are applied by `run` before it starts polling.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s CMD ["python", "bot.py", "health"]
CMD ["python", "bot.py", "run"]
