"""A handle on one job: its state, its log, its result and the model it trained.

A :class:`JobMonitor` holds only the job id and its backend; everything it reports is read
from the job's record when asked, so a monitor made in a new Python process (from
:meth:`JobManager.fetch_job`) sees the same job as the one that submitted it.
"""

import logging
import sys
import time
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.markup import escape

from relgraph.client.jobs.errors import (
    JobCanceledError,
    JobError,
    JobFailedError,
    JobNotFinishedError,
)
from relgraph.client.jobs.record import JobRecord
from relgraph.client.jobs.result import JobResult
from relgraph.client.jobs.status import JobStatus

if TYPE_CHECKING:
    import pandas as pd

    from relgraph.client.jobs.backend import JobBackend
    from relgraph.registry import RegisteredVersion

_logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 20
"""How many of a failed job's last log lines its error shows."""


class JobMonitor:
    """Watches, waits for and cancels one job, and reads what it produced.

    Args:
        job_id: The job.
        backend: The backend that runs it (a :class:`LocalBackend` or
            :class:`KubeflowBackend`).
        poll_s: How often waiting looks at the job (default: ``0.2``).

    Raises:
        JobNotFoundError: If the backend's store has no such job.
    """

    def __init__(self, job_id: str, backend: "JobBackend", *, poll_s: float = 0.2) -> None:
        backend.store.read(job_id)  # fail here, not at first use, for an unknown id
        self._id = job_id
        self.backend = backend
        self.poll_s = poll_s

    def __repr__(self) -> str:
        return f"JobMonitor({self._id!r}, backend={self.backend!r})"

    @property
    def id(self) -> str:
        """The job id."""
        return self._id

    def record(self) -> JobRecord:
        """The job's up-to-date record (state, times, process ids, error, result)."""
        return self.backend.get(self._id)

    def get_status(self) -> JobStatus:
        """The job's state now: ``QUEUED``, ``RUNNING``, ``COMPLETED``, ``FAILED`` or
        ``CANCELED``."""
        return self.record().status

    def stream_logs(self, *, follow: bool = True) -> Iterator[str]:
        """The job's log, line by line.

        Args:
            follow: Keep reading as the job writes until it has ended (default: ``True``);
                else only what is written now.

        Yields:
            Log lines (with their newlines).
        """
        return self.backend.log_lines(self._id, follow=follow)

    def attach(self, *, out: TextIO | None = None) -> JobResult:
        """Shows the job's log as it is written, then returns its result.

        Args:
            out: Where the log goes (default: ``None``, standard output).

        Returns:
            The job's result once it completed.

        Raises:
            JobFailedError: If the job failed.
            JobCanceledError: If the job was canceled.
        """
        stream = out if out is not None else sys.stdout
        for line in self.stream_logs(follow=True):
            stream.write(line)
            stream.flush()
        return self.result()

    def wait(self, timeout: float | None = None) -> JobRecord:
        """Waits until the job has ended.

        Args:
            timeout: Seconds to wait at most (default: ``None``, no limit).

        Returns:
            The ended job's record.

        Raises:
            TimeoutError: If the job is still going after ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while not (record := self.record()).status.is_finished:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {self._id} is still {record.status} after {timeout} s")
            time.sleep(self.poll_s)
        return record

    def result(self, timeout: float | None = None) -> JobResult:
        """Waits for the job and returns what it produced.

        Args:
            timeout: Seconds to wait at most (default: ``None``, no limit).

        Returns:
            The job's result: outputs, model run id, metrics, tracking URL.

        Raises:
            JobFailedError: If the job failed; the message has its error and last log lines.
            JobCanceledError: If the job was canceled.
            TimeoutError: If the job is still going after ``timeout`` seconds.
        """
        return self._result_of(self.wait(timeout))

    def cancel(self) -> JobStatus:
        """Cancels the job if it has not ended (a running job's processes are stopped).

        Returns:
            The job's state afterwards: ``CANCELED``, or the end state it had reached.
        """
        return self.backend.cancel(self._id).status

    # ------------------------------------------------------------- the model

    @property
    def model_run_id(self) -> str | None:
        """The MLflow run of the model the job trained (``None`` if it trained none).

        Raises:
            JobNotFinishedError: If the job has not ended yet.
            JobFailedError: If the job failed.
            JobCanceledError: If the job was canceled.
        """
        return self._completed_result().model_run_id

    @property
    def tracking_url(self) -> str | None:
        """Where to look at the job's model run (MLflow UI page or tracking URI), or at the
        pipeline run on Kubeflow.

        Raises:
            JobNotFinishedError: If the job has not ended yet.
            JobFailedError: If the job failed.
            JobCanceledError: If the job was canceled.
        """
        return self._completed_result().tracking_url

    def metrics(self) -> dict[str, dict[str, float]]:
        """The trained model's metrics, ``{split: {metric: value}}`` (empty if none).

        Raises:
            JobNotFinishedError: If the job has not ended yet.
            JobFailedError: If the job failed.
            JobCanceledError: If the job was canceled.
        """
        return self._completed_result().metrics

    def holdout_df(self) -> "pd.DataFrame":
        """The evaluation's holdout predictions, as a pandas DataFrame.

        Raises:
            JobNotFinishedError: If the job has not ended yet.
            JobFailedError: If the job failed.
            JobCanceledError: If the job was canceled.
            JobError: If the job produced no holdout predictions (its pipeline evaluated no
                model).
        """
        import pyarrow.parquet as pq

        result = self._completed_result()
        if result.holdout_path is None:
            raise JobError(
                f"job {self._id} produced no holdout predictions: its pipeline "
                f"({self.record().pipeline!r}) has no evaluation step"
            )
        return pq.read_table(result.holdout_path).to_pandas()

    def register_model(self, name: str, *, console: Console | None = None) -> "RegisteredVersion":
        """Registers the job's model in the MLflow model registry and prints its version.

        Args:
            name: The registered model name.
            console: Where to print (default: ``None``, standard output).

        Returns:
            The new model version.

        Raises:
            JobNotFinishedError: If the job has not ended yet.
            JobFailedError: If the job failed.
            JobCanceledError: If the job was canceled.
            JobError: If the job trained no model.
        """
        run_id, tracking_uri = self._model_run()
        from relgraph.registry import register_model

        version = register_model(run_id, name, tracking_uri=tracking_uri)
        (console or Console()).print(
            f"registered [bold]{escape(name)}[/] version [bold]{version.version}[/] (run {run_id})"
        )
        return version

    @property
    def registered_models(self) -> list["RegisteredVersion"]:
        """The registered model versions made from the job's model, with their aliases,
        by name and version (empty if the job trained none, or it was not registered).

        Raises:
            JobNotFinishedError: If the job has not ended yet.
            JobFailedError: If the job failed.
            JobCanceledError: If the job was canceled.
        """
        result = self._completed_result()
        if result.model_run_id is None:
            return []
        from mlflow import MlflowClient

        from relgraph.registry import list_versions

        client = MlflowClient(result.tracking_uri)
        found = client.search_model_versions(f"run_id = '{result.model_run_id}'")
        return [
            version
            for name in sorted({v.name for v in found})
            for version in list_versions(name, tracking_uri=result.tracking_uri)
            if version.run_id == result.model_run_id
        ]

    # ---------------------------------------------------------------- helpers

    def _completed_result(self) -> JobResult:
        record = self.record()
        if not record.status.is_finished:
            raise JobNotFinishedError(
                f"job {self._id} is {record.status}; wait for it with result() or attach()"
            )
        return self._result_of(record)

    def _model_run(self) -> tuple[str, str | None]:
        result = self._completed_result()
        if result.model_run_id is None:
            raise JobError(
                f"job {self._id} trained no model (pipeline {self.record().pipeline!r}); "
                "register a model from a training job"
            )
        return result.model_run_id, result.tracking_uri

    def _result_of(self, record: JobRecord) -> JobResult:
        if record.status == JobStatus.CANCELED:
            raise JobCanceledError(f"job {record.id} was canceled ({record.error})")
        if record.status == JobStatus.FAILED:
            tail = "".join(deque(self.backend.log_lines(record.id, follow=False), LOG_TAIL_LINES))
            shown = f"\nlast lines of its log:\n{tail.rstrip()}" if tail.strip() else ""
            raise JobFailedError(
                f"job {record.id} (pipeline {record.pipeline!r}) failed: {record.error}; "
                f"`relgraph jobs logs {record.id}` shows its log{shown}"
            )
        return record.result if record.result is not None else JobResult()
