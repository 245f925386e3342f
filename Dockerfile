# Pledgewatch daemon. The bundled multilingual model is pure numpy: no torch in this image.
#   docker build -t pledgewatch .
#   docker run -v $PWD/my-config:/config -v pledgewatch-data:/data pledgewatch
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PLEDGEWATCH_CONFIG=/config/pledgewatch.toml \
    PLEDGEWATCH_DATABASE_URL=sqlite:////data/pledgewatch.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY storage ./storage
COPY seeds ./seeds
COPY config ./config
COPY eval ./eval
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data pledgewatch \
    && mkdir -p /config /data \
    && cp config/pledgewatch.toml /config/pledgewatch.toml \
    && chown -R pledgewatch /config /data

USER pledgewatch
# Relative paths in the config (digests/) land in the data volume.
WORKDIR /data
VOLUME ["/config", "/data"]
ENTRYPOINT ["pledgewatch"]
CMD ["run"]
