"""Jobs: pipeline runs that go on in the background, locally or on Kubeflow, and that any
Python process (or ``relgraph jobs``) can list, follow, re-attach to and cancel by id."""

from relgraph.client.jobs.backend import JobBackend
from relgraph.client.jobs.errors import (
    JobCanceledError,
    JobError,
    JobFailedError,
    JobNotFinishedError,
    JobNotFoundError,
)
from relgraph.client.jobs.kubeflow_backend import KFP_RUN_STATES, KubeflowBackend, job_status_for
from relgraph.client.jobs.local_backend import LocalBackend
from relgraph.client.jobs.manager import JobManager
from relgraph.client.jobs.monitor import JobMonitor
from relgraph.client.jobs.record import JobRecord
from relgraph.client.jobs.render import jobs_table
from relgraph.client.jobs.result import JobResult
from relgraph.client.jobs.status import JobStatus
from relgraph.client.jobs.store import DEFAULT_ROOT, JobStore

__all__ = [
    "DEFAULT_ROOT",
    "KFP_RUN_STATES",
    "JobBackend",
    "JobCanceledError",
    "JobError",
    "JobFailedError",
    "JobManager",
    "JobMonitor",
    "JobNotFinishedError",
    "JobNotFoundError",
    "JobRecord",
    "JobResult",
    "JobStatus",
    "JobStore",
    "KubeflowBackend",
    "LocalBackend",
    "job_status_for",
    "jobs_table",
]
