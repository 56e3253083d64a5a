"""Submit and schedule relgraph pipelines on a Kubeflow Pipelines cluster, over ``kfp.Client``.

:class:`KubeflowClient` does what a platform team does by hand in the Pipelines UI:

- **submit**: compile the pipeline (or take a compiled YAML), upload it as a pipeline version
  unless that exact package was uploaded before, and start a run in an experiment;
- **schedule**: the same, as a recurring run on a cron schedule with a concurrency limit, which
  can later be disabled, enabled again, or deleted;
- **run state**: where a run stands (``PENDING``, ``RUNNING``, ``SUCCEEDED``, ``FAILED``, ...).

Pipeline versions are named ``<pipeline>-<first 12 hex digits of the package's SHA-256>``, so
submitting an unchanged pipeline again reuses its version, and a changed one (new code, new
image tag, new defaults) uploads a new version beside the old ones. That is also why a missing
pipeline is created empty and its first version uploaded by name: ``kfp.Client.upload_pipeline``
would name the first version after the pipeline, and it could not be found by hash later.

Cron schedules take the standard five fields (``"0 3 * * *"``: 03:00 every day). Kubeflow's
scheduler reads six, seconds first, and would take ``"0 3 * * *"`` as "minute 3 of every hour"
(kubeflow/pipelines#5014); :func:`to_kfp_cron` adds the seconds field.
"""

import contextlib
import io
import json
import logging
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import kfp
import kfp_server_api
import urllib3

from relgraph.client.pipeline_package import PipelinePackage, compiled_package

_logger = logging.getLogger(__name__)

DEFAULT_EXPERIMENT = "relgraph"
MAX_CONCURRENCY_LIMIT = 10
"""Kubeflow Pipelines accepts a recurring run's ``max_concurrency`` from 1 to 10."""

_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?\-#LW]+$")
_HASH_DIGITS = 12


class KubeflowError(OSError):
    """A call to the Kubeflow Pipelines API failed: the server could not be reached, refused
    the request, or answered with an error. The message names the host, what was being done,
    and what the server said."""


@dataclass(frozen=True)
class PipelineVersion:
    """A pipeline version on the cluster.

    Args:
        pipeline: The pipeline's name.
        pipeline_id: The pipeline's id.
        version: The version's name (``<pipeline>-<hash>``).
        version_id: The version's id.
        uploaded: Whether this call uploaded it (``False``: an identical package was there).
    """

    pipeline: str
    pipeline_id: str
    version: str
    version_id: str
    uploaded: bool


@dataclass(frozen=True)
class SubmittedRun:
    """A run started on the cluster.

    Args:
        run_id: The run's id.
        name: The run's display name.
        experiment: The experiment's name.
        experiment_id: The experiment's id.
        pipeline: Where its pipeline came from: the version, and whether it was uploaded.
        arguments: The parameters it was started with.
        state: Its state when created (a KFP state string).
        url: The run's page in the Pipelines UI.
    """

    run_id: str
    name: str
    experiment: str
    experiment_id: str
    pipeline: PipelineVersion
    arguments: dict[str, Any]
    state: str
    url: str


@dataclass(frozen=True)
class Schedule:
    """A recurring run (schedule) on the cluster.

    Args:
        schedule_id: The recurring run's id.
        name: Its display name.
        cron: Its cron schedule, in Kubeflow's six-field form (seconds first).
        max_concurrency: How many of its runs may run at once.
        enabled: Whether it starts runs.
        experiment_id: The experiment its runs belong to.
        pipeline_id: The pipeline it runs.
        version_id: The pipeline version it runs.
        arguments: The parameters of its runs.
        url: Its page in the Pipelines UI.
    """

    schedule_id: str
    name: str
    cron: str
    max_concurrency: int
    enabled: bool
    experiment_id: str
    pipeline_id: str | None
    version_id: str | None
    arguments: dict[str, Any]
    url: str


def to_kfp_cron(cron: str) -> str:
    """A cron schedule in the six-field form Kubeflow's scheduler reads (seconds first).

    Args:
        cron: Five standard fields (``"0 3 * * *"``: minute, hour, day of month, month, day of
            week), six fields already seconds-first (passed as they are), or a descriptor such
            as ``"@daily"`` or ``"@every 6h"``.

    Returns:
        The schedule for Kubeflow: ``"0 0 3 * * *"`` for ``"0 3 * * *"``.

    Raises:
        ValueError: If ``cron`` has another number of fields or characters no cron field has.
    """
    text = " ".join(cron.split())
    if text.startswith("@"):
        return text
    fields = text.split(" ")
    if len(fields) not in (5, 6) or not all(_CRON_FIELD.match(field) for field in fields):
        raise ValueError(
            f"expected a cron schedule of 5 fields (minute hour day-of-month month "
            f'day-of-week, e.g. "0 3 * * *"), found {cron!r}'
        )
    return text if len(fields) == 6 else f"0 {text}"


class KubeflowClient:
    """Submits and schedules relgraph pipelines on a Kubeflow Pipelines cluster.

    Args:
        host: The Pipelines API endpoint, e.g. ``http://localhost:8888`` after
            ``kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888``, or the Kubeflow
            dashboard's ``https://<host>/pipeline``.
        namespace: The Kubernetes namespace (the user's profile namespace in a multi-user
            install) (default: ``"kubeflow"``).
        existing_token: A bearer token for the API, e.g. a service-account token
            (default: ``None``: no token).
        ui_host: Where the Pipelines UI is, for the links in results (default: ``host``).
        verify_ssl: Whether to verify the server's TLS certificate (default: ``None``: kfp's
            default, verify).

    Raises:
        ValueError: If ``host`` is not an ``http://`` or ``https://`` URL.
        KubeflowError: If the server cannot be reached or its health check fails.
    """

    def __init__(
        self,
        host: str,
        *,
        namespace: str = "kubeflow",
        existing_token: str | None = None,
        ui_host: str | None = None,
        verify_ssl: bool | None = None,
    ) -> None:
        if not re.match(r"^https?://[^/\s]+", host or ""):
            raise ValueError(
                f"the Kubeflow Pipelines host must be an http:// or https:// URL, found {host!r}"
            )
        self.host = host.rstrip("/")
        self.namespace = namespace
        self.ui_host = (ui_host or self.host).rstrip("/")
        with self._calling("connecting"):
            self._kfp = kfp.Client(
                host=self.host,
                namespace=namespace,
                existing_token=existing_token,
                ui_host=self.ui_host,
                verify_ssl=verify_ssl,
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.host!r}, namespace={self.namespace!r})"

    def upload(self, pipeline: str | os.PathLike[str]) -> PipelineVersion:
        """Uploads a pipeline version, or finds the one uploaded before from the same package.

        Args:
            pipeline: A relgraph pipeline name (``"training"``, ...), compiled now, or the path
                of a compiled pipeline YAML.

        Returns:
            The pipeline version.

        Raises:
            ValueError: If ``pipeline`` is not a known name or a compiled pipeline.
            KubeflowError: If the API call fails.
        """
        with compiled_package(pipeline) as package:
            return self._pipeline_version(package)

    def submit(
        self,
        pipeline: str | os.PathLike[str],
        arguments: Mapping[str, Any] | None = None,
        *,
        experiment: str = DEFAULT_EXPERIMENT,
        run_name: str | None = None,
        service_account: str | None = None,
        pipeline_root: str | None = None,
    ) -> SubmittedRun:
        """Starts a run of a pipeline in an experiment (created if missing).

        Args:
            pipeline: A relgraph pipeline name (``"training"``, ...), compiled now, or the path
                of a compiled pipeline YAML.
            arguments: Values of the pipeline's parameters, checked against the package
                before anything is sent (default: ``None``: the defaults).
            experiment: The experiment's name (default: ``"relgraph"``).
            run_name: The run's name (default: ``"<pipeline> <UTC time>"``).
            service_account: The Kubernetes service account the run's pods use
                (default: ``None``: Kubeflow's default, ``pipeline-runner``).
            pipeline_root: Where the run's artifacts go, e.g. ``minio://mlpipeline/v2/artifacts``
                (default: ``None``: the cluster's default).

        Returns:
            The run.

        Raises:
            ValueError: If ``pipeline`` is unknown, or an argument is unknown, missing or of
                the wrong type.
            KubeflowError: If an API call fails.
        """
        with compiled_package(pipeline) as package:
            checked = package.check_arguments(arguments or {})
            version = self._pipeline_version(package)
        experiment_id = self._experiment_id(experiment)
        name = run_name or f"{package.name} {datetime.now(UTC):%Y-%m-%d %H:%M:%S}"
        with self._calling(f"starting a run of {version.version}"):
            run = self._kfp.run_pipeline(
                experiment_id=experiment_id,
                job_name=name,
                params=checked,
                pipeline_id=version.pipeline_id,
                version_id=version.version_id,
                pipeline_root=pipeline_root,
                service_account=service_account,
            )
        _logger.info("started run %s (%s) in experiment '%s'", run.run_id, name, experiment)
        return SubmittedRun(
            run_id=run.run_id,
            name=name,
            experiment=experiment,
            experiment_id=experiment_id,
            pipeline=version,
            arguments=checked,
            state=str(run.state or "PENDING"),
            url=f"{self.ui_host}/#/runs/details/{run.run_id}",
        )

    def schedule(
        self,
        pipeline: str | os.PathLike[str],
        arguments: Mapping[str, Any] | None = None,
        *,
        cron: str,
        name: str,
        experiment: str = DEFAULT_EXPERIMENT,
        max_concurrency: int = 1,
        enabled: bool = True,
        catchup: bool = False,
        service_account: str | None = None,
        pipeline_root: str | None = None,
    ) -> Schedule:
        """Creates a recurring run of a pipeline on a cron schedule.

        Args:
            pipeline: A relgraph pipeline name, compiled now, or a compiled pipeline YAML.
            arguments: Values of the pipeline's parameters for every run (default: ``None``).
            cron: When to run: five standard cron fields (``"0 3 * * *"``: 03:00 daily),
                Kubeflow's six (seconds first), or ``"@daily"``-style descriptors.
            name: The schedule's name; it must not exist yet in the experiment.
            experiment: The experiment its runs go to (default: ``"relgraph"``).
            max_concurrency: How many of its runs may run at once, 1 to 10 (default: ``1``).
            enabled: Whether it starts running now (default: ``True``).
            catchup: Whether runs missed while disabled are run afterwards (default:
                ``False``: only the latest).
            service_account: The service account of its runs' pods (default: ``None``:
                Kubeflow's default).
            pipeline_root: Where its runs' artifacts go (default: ``None``: the cluster's).

        Returns:
            The schedule.

        Raises:
            ValueError: If the cron schedule, ``max_concurrency`` or an argument is invalid,
                or a schedule named ``name`` exists in the experiment.
            KubeflowError: If an API call fails.
        """
        kfp_cron = to_kfp_cron(cron)
        if not 1 <= max_concurrency <= MAX_CONCURRENCY_LIMIT:
            raise ValueError(
                f"max_concurrency must be from 1 to {MAX_CONCURRENCY_LIMIT} (Kubeflow's limit), "
                f"found {max_concurrency}"
            )
        with compiled_package(pipeline) as package:
            checked = package.check_arguments(arguments or {})
            version = self._pipeline_version(package)
        experiment_id = self._experiment_id(experiment)
        with self._calling(f"looking for schedule '{name}'"):
            existing = self._kfp.list_recurring_runs(
                experiment_id=experiment_id, filter=_name_filter(name), page_size=1
            ).recurring_runs
        if existing:
            raise ValueError(
                f"experiment '{experiment}' already has a schedule named '{name}' "
                f"(id {existing[0].recurring_run_id}); delete it first or choose another name"
            )
        with self._calling(f"creating schedule '{name}'"):
            created = self._kfp.create_recurring_run(
                experiment_id=experiment_id,
                job_name=name,
                description=f"{package.name} on cron '{cron}' (relgraph)",
                cron_expression=kfp_cron,
                max_concurrency=max_concurrency,
                no_catchup=not catchup,
                params=checked,
                pipeline_id=version.pipeline_id,
                version_id=version.version_id,
                enabled=enabled,
                pipeline_root=pipeline_root,
                service_account=service_account,
            )
        _logger.info("created schedule %s (%s) on '%s'", created.recurring_run_id, name, kfp_cron)
        return self._schedule(created)

    def get_schedule(self, schedule_id: str) -> Schedule:
        """A schedule as the server has it now.

        Args:
            schedule_id: The recurring run's id.

        Returns:
            The schedule.

        Raises:
            KubeflowError: If there is no such schedule or the API call fails.
        """
        with self._calling(f"reading schedule {schedule_id}"):
            return self._schedule(self._kfp.get_recurring_run(schedule_id))

    def enable_schedule(self, schedule_id: str) -> None:
        """Lets a schedule start runs again.

        Args:
            schedule_id: The recurring run's id.

        Raises:
            KubeflowError: If there is no such schedule or the API call fails.
        """
        with self._calling(f"enabling schedule {schedule_id}"):
            self._kfp.enable_recurring_run(schedule_id)

    def disable_schedule(self, schedule_id: str) -> None:
        """Stops a schedule from starting runs, keeping it (see :meth:`enable_schedule`).

        Args:
            schedule_id: The recurring run's id.

        Raises:
            KubeflowError: If there is no such schedule or the API call fails.
        """
        with self._calling(f"disabling schedule {schedule_id}"):
            self._kfp.disable_recurring_run(schedule_id)

    def delete_schedule(self, schedule_id: str) -> None:
        """Deletes a schedule; the runs it started are kept.

        Args:
            schedule_id: The recurring run's id.

        Raises:
            KubeflowError: If there is no such schedule or the API call fails.
        """
        with self._calling(f"deleting schedule {schedule_id}"):
            self._kfp.delete_recurring_run(schedule_id)

    def run_state(self, run_id: str) -> str:
        """Where a run stands.

        Args:
            run_id: The run's id.

        Returns:
            Kubeflow's state string: ``PENDING``, ``RUNNING``, ``SUCCEEDED``, ``SKIPPED``,
            ``FAILED``, ``CANCELING``, ``CANCELED``, ``PAUSED`` or
            ``RUNTIME_STATE_UNSPECIFIED``.

        Raises:
            KubeflowError: If there is no such run or the API call fails.
        """
        with self._calling(f"reading run {run_id}"):
            run = self._kfp.get_run(run_id)
        return str(run.state or "RUNTIME_STATE_UNSPECIFIED")

    def cancel_run(self, run_id: str) -> None:
        """Asks Kubeflow to terminate a run (its state becomes ``CANCELING``, then
        ``CANCELED``).

        Args:
            run_id: The run's id.

        Raises:
            KubeflowError: If there is no such run or the API call fails.
        """
        with self._calling(f"terminating run {run_id}"):
            self._kfp.terminate_run(run_id)

    def _pipeline_version(self, package: PipelinePackage) -> PipelineVersion:
        version = f"{package.name}-{package.content_hash[:_HASH_DIGITS]}"
        with self._calling(f"looking up pipeline '{package.name}'"):
            pipeline_id = self._kfp.get_pipeline_id(package.name)
        if pipeline_id is None:
            with self._calling(f"creating pipeline '{package.name}'"):
                created = self._kfp.pipelines.pipeline_service_create_pipeline(
                    pipeline=kfp_server_api.V2beta1Pipeline(
                        display_name=package.name, description=package.description or None
                    )
                )
            pipeline_id = created.pipeline_id
            _logger.info("created pipeline '%s' (%s)", package.name, pipeline_id)
        else:
            with self._calling(f"looking up version '{version}'"):
                found = self._kfp.list_pipeline_versions(
                    pipeline_id, filter=_name_filter(version), page_size=1
                ).pipeline_versions
            if found:
                _logger.info("reusing pipeline version '%s'", version)
                return PipelineVersion(
                    package.name, pipeline_id, version, found[0].pipeline_version_id, False
                )
        with self._calling(f"uploading pipeline version '{version}'"):
            uploaded = self._kfp.upload_pipeline_version(
                str(package.path),
                pipeline_version_name=version,
                pipeline_id=pipeline_id,
                description=f"sha256:{package.content_hash}",
            )
        _logger.info("uploaded pipeline version '%s'", version)
        return PipelineVersion(
            package.name, pipeline_id, version, uploaded.pipeline_version_id, True
        )

    def _experiment_id(self, experiment: str) -> str:
        if not experiment.strip():
            raise ValueError("the experiment name is empty")
        with self._calling(f"finding or creating experiment '{experiment}'"):
            return self._kfp.create_experiment(name=experiment).experiment_id

    def _schedule(self, recurring: Any) -> Schedule:
        trigger = recurring.trigger
        cron = trigger.cron_schedule.cron if trigger and trigger.cron_schedule else ""
        reference = recurring.pipeline_version_reference
        config = recurring.runtime_config
        return Schedule(
            schedule_id=recurring.recurring_run_id,
            name=recurring.display_name,
            cron=cron,
            max_concurrency=int(recurring.max_concurrency or 1),
            enabled=recurring.mode == "ENABLE" or recurring.status == "ENABLED",
            experiment_id=recurring.experiment_id,
            pipeline_id=reference.pipeline_id if reference else None,
            version_id=reference.pipeline_version_id if reference else None,
            arguments=dict(config.parameters or {}) if config else {},
            url=f"{self.ui_host}/#/recurringrun/details/{recurring.recurring_run_id}",
        )

    @contextlib.contextmanager
    def _calling(self, action: str) -> Iterator[None]:
        """Runs kfp calls: their printed links go to the log, their errors become
        :class:`KubeflowError` naming the host and the action."""
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), warnings.catch_warnings():
                # kfp.Client warns on every construction that it needs KFP >= 2.0.0-beta.2.
                warnings.simplefilter("ignore", FutureWarning)
                yield
        except kfp_server_api.ApiException as exc:
            raise KubeflowError(
                f"Kubeflow Pipelines at {self.host} failed {action}: HTTP {exc.status} "
                f"{exc.reason}: {_server_message(exc.body)}"
            ) from exc
        except (urllib3.exceptions.HTTPError, TimeoutError) as exc:
            raise KubeflowError(
                f"cannot reach Kubeflow Pipelines at {self.host} ({action}): {exc}"
            ) from exc
        finally:
            for line in printed.getvalue().splitlines():
                _logger.info("kfp: %s", line)


def _name_filter(name: str) -> str:
    """A KFP list filter (a JSON ``Filter`` message) for objects whose display name is ``name``."""
    return json.dumps(
        {"predicates": [{"operation": "EQUALS", "key": "display_name", "stringValue": name}]}
    )


def _server_message(body: Any) -> str:
    """The ``message`` (or ``error``) of a KFP error body, else the body itself."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else str(body or "")
    try:
        payload = json.loads(text)
    except ValueError:
        return text.strip() or "(no message)"
    if isinstance(payload, dict):
        return str(payload.get("message") or payload.get("error") or text)
    return text
