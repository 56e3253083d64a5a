"""Jobs on a Kubeflow Pipelines cluster: each job is one pipeline run.

Submitting starts a run with :class:`relgraph.client.kubeflow.KubeflowClient` (compiling and
uploading the pipeline as needed) and keeps a job record under ``<root>/jobs/<id>/`` that names
the cluster and the run, so any process can look the job up, follow it and cancel it by id,
like a local one. The job's state is the run's state, read from the Pipelines API and mapped
by :func:`job_status_for`.
"""

import logging
import os
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from relgraph.client.jobs.backend import JobBackend, check_arguments
from relgraph.client.jobs.monitor import JobMonitor
from relgraph.client.jobs.record import JobRecord, utc_now
from relgraph.client.jobs.result import JobResult
from relgraph.client.jobs.status import JobStatus
from relgraph.client.jobs.store import DEFAULT_ROOT, JobStore

if TYPE_CHECKING:
    from relgraph.client.kubeflow import KubeflowClient

_logger = logging.getLogger(__name__)

KFP_RUN_STATES: dict[str, JobStatus] = {
    "RUNTIME_STATE_UNSPECIFIED": JobStatus.QUEUED,
    "PENDING": JobStatus.QUEUED,
    "RUNNING": JobStatus.RUNNING,
    "PAUSED": JobStatus.RUNNING,
    "CANCELING": JobStatus.RUNNING,  # still stopping: its pods may run a while
    "SUCCEEDED": JobStatus.COMPLETED,
    "SKIPPED": JobStatus.COMPLETED,  # every step was served from cache
    "FAILED": JobStatus.FAILED,
    "CANCELED": JobStatus.CANCELED,
    # Kubeflow Pipelines v1 (Argo workflow phases), as older servers report them.
    "ERROR": JobStatus.FAILED,
    "TERMINATING": JobStatus.RUNNING,
}
"""Kubeflow Pipelines run states (``V2beta1RuntimeState``, and v1's Argo phases) -> job
states."""

DEFAULT_EXPERIMENT = "relgraph"


def job_status_for(state: str) -> JobStatus:
    """The job state of a Kubeflow Pipelines run state.

    Args:
        state: The run's state, in any letter case (``"SUCCEEDED"``, ``"Running"``, ...).

    Returns:
        The job state.

    Raises:
        ValueError: If the state is not one Kubeflow Pipelines reports; the message lists them.
    """
    try:
        return KFP_RUN_STATES[state.strip().upper()]
    except KeyError:
        known = ", ".join(KFP_RUN_STATES)
        raise ValueError(
            f"unknown Kubeflow Pipelines run state {state!r} (known: {known})"
        ) from None


class KubeflowBackend(JobBackend):
    """Runs jobs as pipeline runs on a Kubeflow Pipelines cluster.

    Args:
        host: The Pipelines API endpoint, e.g. ``http://localhost:8888`` after
            ``kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888``.
        namespace: The Kubernetes namespace of the runs (default: ``"kubeflow"``).
        experiment: The experiment runs go to (default: ``"relgraph"``).
        root: relgraph's state folder; job records live in ``<root>/jobs`` (default:
            ``.relgraph``).
        existing_token: A bearer token for the API (default: ``None``: none, or what kfp
            finds in its environment).
        ui_host: Where the Pipelines UI is, for links (default: ``None``: ``host``).
        client: A client to use instead of one made from the arguments above (default:
            ``None``).
        poll_s: How often following a job asks the cluster for its state (default: ``5.0``).
    """

    name: ClassVar[str] = "kubeflow"

    def __init__(
        self,
        host: str,
        namespace: str = "kubeflow",
        *,
        experiment: str = DEFAULT_EXPERIMENT,
        root: str | os.PathLike[str] = DEFAULT_ROOT,
        existing_token: str | None = None,
        ui_host: str | None = None,
        client: "KubeflowClient | None" = None,
        poll_s: float = 5.0,
    ) -> None:
        self.host = host.rstrip("/")
        self.namespace = namespace
        self.experiment = experiment
        self.store = JobStore(root)
        self.poll_s = poll_s
        self._token = existing_token
        self._ui_host = ui_host
        self._client = client

    def __repr__(self) -> str:
        return f"KubeflowBackend(host={self.host!r}, namespace={self.namespace!r})"

    @classmethod
    def for_record(
        cls, record: JobRecord, *, root: str | os.PathLike[str] = DEFAULT_ROOT
    ) -> "KubeflowBackend":
        """The backend of the cluster a saved Kubeflow job runs on.

        Args:
            record: A job record of this backend.
            root: The state folder the record is in (default: ``.relgraph``).

        Returns:
            The backend.

        Raises:
            ValueError: If the record does not name its cluster.
        """
        host = record.remote.get("host")
        if not host:
            raise ValueError(f"Kubeflow job {record.id} does not name its cluster (no host)")
        return cls(
            host,
            record.remote.get("namespace", "kubeflow"),
            experiment=record.remote.get("experiment", DEFAULT_EXPERIMENT),
            root=root,
            ui_host=record.remote.get("ui_host"),
        )

    @property
    def client(self) -> "KubeflowClient":
        """The Pipelines API client, connected on first use."""
        if self._client is None:
            from relgraph.client.kubeflow import KubeflowClient

            self._client = KubeflowClient(
                self.host,
                namespace=self.namespace,
                existing_token=self._token,
                ui_host=self._ui_host,
            )
        return self._client

    def owns(self, record: JobRecord) -> bool:
        """Whether ``record`` is a run on this backend's cluster and namespace."""
        return (
            record.backend == self.name
            and record.remote.get("host") == self.host
            and record.remote.get("namespace") == self.namespace
        )

    def submit(
        self,
        pipeline: str | os.PathLike[str],
        arguments: Mapping[str, Any] | None = None,
        *,
        kind: str = "pipeline",
        tags: Mapping[str, str] | None = None,
    ) -> JobMonitor:
        """Starts a run of a pipeline on the cluster and returns at once.

        Args:
            pipeline: A relgraph pipeline name (compiled now), or a compiled pipeline YAML.
            arguments: The pipeline's arguments (default: ``None``, its defaults).
            kind: What the job is for, e.g. ``"fit"`` (default: ``"pipeline"``).
            tags: Free-form labels kept with the job (default: ``None``).

        Returns:
            A monitor of the new job.

        Raises:
            ValueError: If the pipeline is unknown or an argument does not fit it.
            KubeflowError: If the cluster cannot be reached or refuses the run.
        """
        job_id = self.store.new_id()
        name = os.path.abspath(pipeline) if os.path.exists(pipeline) else str(pipeline)
        run = self.client.submit(
            pipeline, check_arguments(arguments), experiment=self.experiment, run_name=job_id
        )
        status = job_status_for(run.state)
        record = JobRecord(
            id=job_id,
            pipeline=name,
            arguments=dict(run.arguments),
            backend=self.name,
            kind=kind,
            status=status,
            started=utc_now() if status != JobStatus.QUEUED else None,
            tags={str(k): str(v) for k, v in (tags or {}).items()},
            remote={
                "host": self.host,
                "namespace": self.namespace,
                "experiment": run.experiment,
                "run_id": run.run_id,
                "url": run.url,
                "state": run.state,
                **({"ui_host": self._ui_host} if self._ui_host else {}),
            },
        )
        self.store.create(record)
        _logger.info("job %s is Kubeflow run %s (%s)", job_id, run.run_id, run.url)
        return JobMonitor(job_id, self)

    def refresh(self, record: JobRecord) -> JobRecord:
        """The record with the run's state as the cluster reports it now.

        Raises:
            KubeflowError: If the cluster cannot be reached.
        """
        if record.status.is_finished:
            return record
        state = self.client.run_state(record.remote["run_id"])
        if state == record.remote.get("state"):
            return record
        return self.store.update(record.id, lambda current: self._apply(current, state))

    def list(self) -> list[JobRecord]:
        """This cluster's jobs, in submission order; when the cluster cannot be reached, their
        last known state (with a warning)."""
        records = [record for record in self.store.records() if self.owns(record)]
        try:
            return [self.refresh(record) for record in records]
        except OSError as exc:  # KubeflowError: show what is known rather than nothing
            _logger.warning("showing the last known state of Kubeflow jobs: %s", exc)
            return records

    def cancel(self, job_id: str) -> JobRecord:
        """Terminates the job's run on the cluster and marks the job ``CANCELED``.

        Args:
            job_id: The job.

        Returns:
            The job's record; unchanged if it had ended already.

        Raises:
            JobNotFoundError: If there is no such job.
            KubeflowError: If the cluster refuses to terminate the run.
        """
        record = self.get(job_id)
        if record.status.is_finished:
            return record
        run_id = record.remote["run_id"]
        self.client.cancel_run(run_id)
        error = f"canceled by the user (Kubeflow run {run_id} is terminating)"

        def mark(current: JobRecord) -> JobRecord:
            if current.status.is_finished:
                return current
            return current.finish(JobStatus.CANCELED, error=error)

        return self.store.update(job_id, mark)

    def log_lines(self, job_id: str, *, follow: bool = True) -> Iterator[str]:
        """Where the run's logs are, then each change of the run's state.

        The steps' own logs are in the pods (the Pipelines UI shows them).

        Args:
            job_id: The job.
            follow: Keep reporting state changes until the job has ended (default: ``True``).

        Yields:
            Lines (with their newlines).
        """
        record = self.store.read(job_id)
        yield (
            f"Kubeflow run {record.remote.get('run_id')} of {record.pipeline}: "
            f"{record.remote.get('url')} (step logs are in the Pipelines UI)\n"
        )
        shown = None
        while True:
            record = self.get(job_id)
            state = record.remote.get("state")
            if state != shown:
                yield f"{utc_now()} {state} (job {record.status})\n"
                shown = state
            if not follow or record.status.is_finished:
                if record.error:
                    yield f"{record.error}\n"
                return
            time.sleep(self.poll_s)

    @staticmethod
    def _apply(record: JobRecord, state: str) -> JobRecord:
        if record.status.is_finished:
            return record
        status = job_status_for(state)
        remote = {**record.remote, "state": state}
        started = record.started
        if started is None and status != JobStatus.QUEUED:
            started = utc_now()
        updated = record.evolve(remote=remote, started=started)
        if status == JobStatus.COMPLETED:
            return updated.finish(status, result=JobResult(tracking_url=remote.get("url")))
        if status in (JobStatus.FAILED, JobStatus.CANCELED):
            verb = "failed" if status == JobStatus.FAILED else "was canceled"
            error = f"Kubeflow run {remote.get('run_id')} {verb} ({state}); see {remote.get('url')}"
            return updated.finish(status, error=error)
        return updated.evolve(status=status)
