"""The container images relgraph components run in: one repository, tags from the version.

Every component sets ``base_image=IMAGE``; steps that train or predict on GPU nodes may set
``CUDA_IMAGE``. Both are built from ``images/`` (``make images`` prints the build commands
with these exact tags), so a pipeline compiled by relgraph ``X.Y.Z`` runs the code of
relgraph ``X.Y.Z``. Only ``relgraph.__version__`` is imported here: compiling a pipeline needs
neither torch nor data.
"""

from relgraph import __version__

IMAGE_REPOSITORY = "ghcr.io/relgraph/relgraph"
"""Where the images are pushed; retag and push to your own registry for a private cluster."""

IMAGE = f"{IMAGE_REPOSITORY}:{__version__}"
"""The CPU image (images/cpu.Dockerfile), the default of every component."""

CUDA_IMAGE = f"{IMAGE_REPOSITORY}:{__version__}-cuda"
"""The NVIDIA CUDA image (images/cuda.Dockerfile), for steps that ask for a GPU."""
