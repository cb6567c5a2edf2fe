# syntax=docker/dockerfile:1
# The icafe hub image: `icafe hub` by default, and any other `icafe` command on demand, e.g.
#   docker compose run --rm --no-deps hub icafe user list
# Build: docker build -t icafe-hub .   (docker-compose.yml builds it as icafe-hub:latest)
ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: the package and the hub's dependencies into a virtual environment ---------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY icafe ./icafe
COPY protocol ./protocol
COPY billing ./billing
COPY hub ./hub
COPY edge_agent ./edge_agent
COPY provisioning ./provisioning
# The hub extra only: no dev tools, no embedded store (production uses a real MongoDB replica set).
RUN python -m venv /opt/icafe \
 && /opt/icafe/bin/pip install ".[hub]"

# ---- the broker: Debian's Mosquitto 2.0 and its dynamic-security plugin, run by `icafe broker-log` -------
# `docker build --target broker -t icafe-broker .` (docker-compose.yml builds it as icafe-broker:latest).
FROM ${PYTHON_IMAGE} AS broker
ARG MOSQUITTO_UID=1883
# The `mosquitto` user first, with a fixed uid, so that the broker's keys on the host can be given to it;
# the package then keeps it (mosquitto-clients: mosquitto_sub and _pub, for the operator). The plugin's path
# depends on the architecture: link it to a fixed one.
RUN groupadd --system --gid "${MOSQUITTO_UID}" mosquitto \
 && useradd --system --uid "${MOSQUITTO_UID}" --gid mosquitto --home-dir /mosquitto --create-home \
        --shell /usr/sbin/nologin mosquitto \
 && apt-get update \
 && apt-get install -y --no-install-recommends mosquitto mosquitto-clients \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s "$(ls /usr/lib/*/mosquitto_dynamic_security.so | head -n 1)" /usr/local/lib/mosquitto_dynamic_security.so \
 && mkdir -p /mosquitto/config /mosquitto/certs /mosquitto/data \
 && chown mosquitto:mosquitto /mosquitto/data \
 && chmod 0700 /mosquitto/data
COPY --from=build /opt/icafe /opt/icafe
ENV PATH=/opt/icafe/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER mosquitto:mosquitto
WORKDIR /mosquitto
# 8883: the PCs; 8884: the hubs (never publish it).
EXPOSE 8883 8884
CMD ["icafe", "broker-log", "--", "mosquitto", "-c", "/mosquitto/config/mosquitto.conf"]

# ---- runtime ----------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
ARG ICAFE_UID=10001
# Receipts and shift reports print Cyrillic (Russian): they need a TTF font with those glyphs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
# A fixed uid, so that the hub's key on the host can be given to it (docs/DEPLOY.md).
RUN groupadd --system --gid "${ICAFE_UID}" icafe \
 && useradd --system --uid "${ICAFE_UID}" --gid icafe --home-dir /var/lib/icafe --create-home \
        --shell /usr/sbin/nologin icafe
COPY --from=build /opt/icafe /opt/icafe
ENV PATH=/opt/icafe/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ICAFE_HTTP_HOST=0.0.0.0 \
    ICAFE_HTTP_PORT=8000
# Inside a container the API listens on every interface of the container; docker-compose.yml publishes
# nothing of it, only the proxy reaches it.
USER icafe:icafe
WORKDIR /var/lib/icafe
EXPOSE 8000
# /healthz answers 200 only when the broker, MongoDB and Redis are all reachable.
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ICAFE_HTTP_PORT', '8000'), timeout=4)"]
CMD ["icafe", "hub"]
