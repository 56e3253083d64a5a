# The MLflow tracking server the manifests deploy (manifests/base/mlflow.yaml): the official
# MLflow image, same version as relgraph's client, plus boto3, which the server needs to proxy
# artifacts to MinIO (S3), and psycopg2 for a PostgreSQL backend store. Build it from the
# repository root (images/README.md):
#   docker build -f images/mlflow.Dockerfile -t ghcr.io/relgraph/mlflow:<mlflow version> .

ARG MLFLOW_VERSION=3.17.2
FROM ghcr.io/mlflow/mlflow:v${MLFLOW_VERSION}
ARG MLFLOW_VERSION
LABEL org.opencontainers.image.title="relgraph-mlflow" \
      org.opencontainers.image.description="MLflow tracking server for relgraph: artifacts proxied to MinIO (S3)" \
      org.opencontainers.image.version="${MLFLOW_VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="ghcr.io/mlflow/mlflow:v${MLFLOW_VERSION}"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN pip install --no-cache-dir "mlflow==${MLFLOW_VERSION}" boto3==1.44.5 psycopg2-binary==2.9.13 \
    && useradd --uid 10001 --create-home --shell /usr/sbin/nologin mlflow \
    && mkdir -p /mlflow \
    && chown mlflow:mlflow /mlflow
USER 10001:10001
WORKDIR /mlflow
EXPOSE 5000
CMD ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000"]
