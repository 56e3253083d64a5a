# relgraph component image, CPU. Build it from the repository root (images/README.md):
#   docker build -f images/cpu.Dockerfile --build-arg RELGRAPH_VERSION=<version> -t <IMAGE> .
# `make images` prints the exact command with the tag every component uses
# (relgraph.components.images.IMAGE, derived from the package version).

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# relgraph's wheel is built apart, so the image holds the installed package, not its sources.
FROM ${PYTHON_IMAGE} AS wheel
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY sdk/ sdk/
COPY components/ components/
COPY pipelines/ pipelines/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG PYTHON_IMAGE
ARG RELGRAPH_VERSION
ARG TORCH_VERSION=2.13.0
ARG VCS_REF=unknown
LABEL org.opencontainers.image.title="relgraph" \
      org.opencontainers.image.description="relgraph Kubeflow Pipelines components, CPU: graph neural networks on relational databases" \
      org.opencontainers.image.version="${RELGRAPH_VERSION}" \
      org.opencontainers.image.revision="${VCS_REF}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}" \
      ai.relgraph.accelerator="cpu" \
      ai.relgraph.torch.version="${TORCH_VERSION}"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Graphviz draws the schema diagram that the infer_schema step shows in the Pipelines UI.
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz=2.42.2-7+deb12u1 \
    && rm -rf /var/lib/apt/lists/*

# torch first, the CPU build from PyTorch's CPU index: from PyPI a resolver would take the
# multi-GB CUDA build. Its dependencies come with relgraph's in the next step.
RUN pip install --no-cache-dir --no-deps --index-url https://download.pytorch.org/whl/cpu \
        "torch==${TORCH_VERSION}+cpu"

# Then relgraph, every dependency pinned by images/constraints.txt (`make images-lock`).
COPY images/constraints.txt /tmp/constraints.txt
RUN --mount=type=bind,from=wheel,source=/wheels,target=/wheels \
    test -n "${RELGRAPH_VERSION}" || { echo "pass --build-arg RELGRAPH_VERSION=<version>" >&2; exit 1; } \
    && pip install --no-cache-dir --constraint /tmp/constraints.txt \
        "relgraph @ file:///wheels/relgraph-${RELGRAPH_VERSION}-py3-none-any.whl" \
    && rm /tmp/constraints.txt \
    && pip check \
    && python -c "import relgraph, torch; print('relgraph', relgraph.__version__, 'torch', torch.__version__)"

# An unprivileged user. The KFP v2 launcher writes input and output artifacts under /gcs,
# /minio and /s3 inside the task's container (kubeflow/pipelines#5673), so those folders are
# that user's.
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin relgraph \
    && mkdir -p /gcs /minio /s3 \
    && chown relgraph:relgraph /gcs /minio /s3
USER 10001:10001
WORKDIR /home/relgraph
CMD ["relgraph", "--help"]
