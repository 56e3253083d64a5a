# relgraph component image, NVIDIA CUDA: the train (and batch_predict) steps on GPU nodes.
# Build it from the repository root (images/README.md):
#   docker build -f images/cuda.Dockerfile --build-arg RELGRAPH_VERSION=<version> -t <CUDA_IMAGE> .
# `make images` prints the exact command with the tag the GPU steps use
# (relgraph.components.images.CUDA_IMAGE, derived from the package version).
#
# torch 2.13.0 on PyPI is built for CUDA 13.0 and brings its CUDA libraries as wheels; the
# CUDA 13.0 runtime base image matches it. CUDA 13 needs NVIDIA driver 580 or newer on the GPU
# nodes; for older drivers build a CUDA 12 variant (images/README.md):
#   --build-arg CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04 \
#   --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128

ARG CUDA_IMAGE=nvidia/cuda:13.0.2-runtime-ubuntu24.04
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.9.5
ARG PYTHON_VERSION=3.11.13

FROM ${UV_IMAGE} AS uv

# relgraph's wheel is built apart, so the image holds the installed package, not its sources.
FROM ${CUDA_IMAGE} AS wheel
ARG PYTHON_VERSION
ENV UV_PYTHON_INSTALL_DIR=/opt/python
COPY --from=uv /uv /usr/local/bin/uv
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY sdk/ sdk/
COPY components/ components/
COPY pipelines/ pipelines/
RUN uv build --python "${PYTHON_VERSION}" --wheel --out-dir /wheels .

FROM ${CUDA_IMAGE}
ARG CUDA_IMAGE
ARG PYTHON_VERSION
ARG RELGRAPH_VERSION
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://pypi.org/simple
ARG VCS_REF=unknown
LABEL org.opencontainers.image.title="relgraph-cuda" \
      org.opencontainers.image.description="relgraph Kubeflow Pipelines components, NVIDIA CUDA: graph neural networks on relational databases" \
      org.opencontainers.image.version="${RELGRAPH_VERSION}" \
      org.opencontainers.image.revision="${VCS_REF}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${CUDA_IMAGE}" \
      ai.relgraph.accelerator="nvidia-cuda" \
      ai.relgraph.torch.version="${TORCH_VERSION}"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_PYTHON_INSTALL_DIR=/opt/python \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:${PATH} \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The same CPython as the CPU image (Ubuntu 24.04 ships 3.12 only), a self-contained build
# installed by uv, in a virtual environment with pip: KFP's lightweight-component launcher
# calls `python3 -m pip` and `python3` from PATH.
COPY --from=uv /uv /usr/local/bin/uv
RUN uv python install "${PYTHON_VERSION}" \
    && uv venv --seed --python "${PYTHON_VERSION}" /opt/venv

# torch first: by default the PyPI build for CUDA 13.0 (with the CUDA libraries it pins); from
# TORCH_INDEX_URL's build when that index has one (a local version such as +cu128 ranks above
# PyPI's). Then relgraph, every dependency pinned by images/constraints.txt (`make images-lock`).
COPY images/constraints.txt /tmp/constraints.txt
RUN pip install --no-cache-dir --constraint /tmp/constraints.txt \
        --index-url "${TORCH_INDEX_URL}" --extra-index-url https://pypi.org/simple \
        "torch==${TORCH_VERSION}"
RUN --mount=type=bind,from=wheel,source=/wheels,target=/wheels \
    test -n "${RELGRAPH_VERSION}" || { echo "pass --build-arg RELGRAPH_VERSION=<version>" >&2; exit 1; } \
    && pip install --no-cache-dir --constraint /tmp/constraints.txt \
        "relgraph @ file:///wheels/relgraph-${RELGRAPH_VERSION}-py3-none-any.whl" \
    && rm /tmp/constraints.txt \
    && pip check \
    && python -c "import relgraph, torch; print('relgraph', relgraph.__version__, 'torch', torch.__version__, 'cuda', torch.version.cuda)"

# An unprivileged user (uid 1000 is Ubuntu's own `ubuntu`). The KFP v2 launcher writes input
# and output artifacts under /gcs, /minio and /s3 inside the task's container
# (kubeflow/pipelines#5673), so those folders are that user's.
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin relgraph \
    && mkdir -p /gcs /minio /s3 \
    && chown relgraph:relgraph /gcs /minio /s3
USER 10001:10001
WORKDIR /home/relgraph
CMD ["relgraph", "--help"]
