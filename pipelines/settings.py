"""Where a pipeline runs: object-store endpoint and credentials, MLflow, GPUs, retries.

These are compiled into the pipeline, not asked for in the UI: they describe the cluster,
not the run, and credentials never become pipeline parameters. The defaults fit a standard
Kubeflow install (MinIO at ``minio-service.kubeflow:9000``, its keys in the Kubernetes secret
``mlpipeline-minio-artifact``, NVIDIA GPU nodes); compile with other
:class:`PlatformSettings` for another cluster. ``PlatformSettings.local()`` is what
``kfp.local`` runs use: ``kfp.local`` applies environment variables (so a cluster endpoint
would break local runs) but ignores Kubernetes settings, resources and retries.
"""

from dataclasses import dataclass, field

from kfp import dsl, kubernetes

DEFAULT_S3_ENDPOINT = "http://minio-service.kubeflow:9000"
"""MinIO in a standard Kubeflow install."""

DEFAULT_S3_SECRET = "mlpipeline-minio-artifact"
"""The secret holding MinIO's keys in a standard Kubeflow install."""

DEFAULT_TRACKING_URI = "http://mlflow.kubeflow:5000"
"""The MLflow tracking server of relgraph's manifests (``manifests/``), in-cluster."""

S3_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL")
"""Set to the endpoint: the first is read by relgraph.io and boto3, the second by MLflow."""


@dataclass(frozen=True)
class GpuRequest:
    """What the train step asks Kubernetes for.

    Args:
        accelerator: The resource name (default: ``"nvidia.com/gpu"``).
        count: How many (default: ``1``).
        node_selector: Node labels the step must run on (default: the NVIDIA GPU operator's
            ``nvidia.com/gpu.present=true``).
        toleration_key: A taint of GPU nodes the step tolerates (``Exists``, any effect
            given by ``toleration_effect``) (default: ``"nvidia.com/gpu"``).
        toleration_effect: The taint's effect (default: ``"NoSchedule"``).
        shm_size: Size limit of the memory-backed ``/dev/shm`` emptyDir that DataLoader
            workers share tensors through (default: ``"4Gi"``).
    """

    accelerator: str = "nvidia.com/gpu"
    count: int = 1
    node_selector: tuple[tuple[str, str], ...] = (("nvidia.com/gpu.present", "true"),)
    toleration_key: str | None = "nvidia.com/gpu"
    toleration_effect: str = "NoSchedule"
    shm_size: str | None = "4Gi"

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"GpuRequest.count must be at least 1, found {self.count}")


@dataclass(frozen=True)
class PlatformSettings:
    """The cluster a compiled pipeline runs on.

    Args:
        s3_endpoint: The object store's endpoint, set as ``AWS_ENDPOINT_URL`` and
            ``MLFLOW_S3_ENDPOINT_URL`` in the steps that read or write data or MLflow;
            ``None`` leaves the environment alone (default: :data:`DEFAULT_S3_ENDPOINT`).
        s3_secret: The Kubernetes secret whose keys become the credentials, or ``None``
            (default: :data:`DEFAULT_S3_SECRET`).
        s3_secret_keys: Secret key -> environment variable (default: ``accesskey`` ->
            ``AWS_ACCESS_KEY_ID``, ``secretkey`` -> ``AWS_SECRET_ACCESS_KEY``).
        tracking_uri: The default of the ``mlflow_tracking_uri`` parameter
            (default: :data:`DEFAULT_TRACKING_URI`).
        gpu: The train step's GPU request, or ``None`` to train on CPU nodes
            (default: ``GpuRequest()``).
        retries: Retries of steps that talk to the source, the object store or MLflow
            (default: ``3``).
        retry_backoff: The first wait between retries; it doubles each time (default:
            ``"30s"``).
        max_parallel_trials: Trials of a tuning sweep that train at once (default: ``4``).
    """

    s3_endpoint: str | None = DEFAULT_S3_ENDPOINT
    s3_secret: str | None = DEFAULT_S3_SECRET
    s3_secret_keys: tuple[tuple[str, str], ...] = (
        ("accesskey", "AWS_ACCESS_KEY_ID"),
        ("secretkey", "AWS_SECRET_ACCESS_KEY"),
    )
    tracking_uri: str = DEFAULT_TRACKING_URI
    gpu: GpuRequest | None = field(default_factory=GpuRequest)
    retries: int = 3
    retry_backoff: str = "30s"
    max_parallel_trials: int = 4

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError(f"PlatformSettings.retries must be >= 0, found {self.retries}")
        if self.max_parallel_trials < 1:
            raise ValueError(
                "PlatformSettings.max_parallel_trials must be at least 1, found "
                f"{self.max_parallel_trials}"
            )

    @classmethod
    def local(cls, tracking_uri: str = "") -> "PlatformSettings":
        """Settings for ``kfp.local``: no endpoint or secret (steps use the caller's
        environment), no GPU request, no retries.

        Args:
            tracking_uri: The ``mlflow_tracking_uri`` default (default: ``""``, the steps'
                ``MLFLOW_TRACKING_URI`` or the embedded default).
        """
        return cls(s3_endpoint=None, s3_secret=None, tracking_uri=tracking_uri, gpu=None, retries=0)

    # -- applying them to tasks --------------------------------------------------------------

    def io(self, task: dsl.PipelineTask) -> dsl.PipelineTask:
        """Prepares a step that reads or writes data or MLflow: endpoint, credentials from
        the secret, retries."""
        if self.s3_endpoint is not None:
            for name in S3_ENDPOINT_VARIABLES:
                task.set_env_variable(name, self.s3_endpoint)
        if self.s3_secret is not None:
            kubernetes.use_secret_as_env(
                task, secret_name=self.s3_secret, secret_key_to_env=dict(self.s3_secret_keys)
            )
        if self.retries:
            task.set_retry(self.retries, backoff_duration=self.retry_backoff, backoff_factor=2.0)
        return task

    def training(self, task: dsl.PipelineTask) -> dsl.PipelineTask:
        """Prepares the train step: as :meth:`io`, plus the GPU, its node selector and
        toleration, and a memory-backed ``/dev/shm``."""
        self.io(task)
        if self.gpu is None:
            return task
        task.set_accelerator_type(self.gpu.accelerator).set_accelerator_limit(self.gpu.count)
        for label, value in self.gpu.node_selector:
            kubernetes.add_node_selector(task, label_key=label, label_value=value)
        if self.gpu.toleration_key is not None:
            kubernetes.add_toleration(
                task,
                key=self.gpu.toleration_key,
                operator="Exists",
                effect=self.gpu.toleration_effect,
            )
        if self.gpu.shm_size is not None:
            kubernetes.empty_dir_mount(
                task,
                volume_name="dshm",
                mount_path="/dev/shm",
                medium="Memory",
                size_limit=self.gpu.shm_size,
            )
        return task
