"""Processes of local jobs: telling whether one still runs, and ending a process group.

A pid alone does not name a process for long: once it exits, the system may give its number
to another. A process is therefore named by its pid *and* its start time (``psutil``'s
``create_time``), and a zombie (exited, not yet reaped by its parent) counts as ended.
"""

import logging
import os
import signal
import time

import psutil

_logger = logging.getLogger(__name__)

_POLL_S = 0.05
_KILL_WAIT_S = 5.0
_START_TIME_TOLERANCE_S = 0.01


def start_time(pid: int) -> float | None:
    """The start time of process ``pid`` (seconds since the epoch), or ``None`` if it is gone."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return None


def is_running(pid: int | None, started: float | None) -> bool:
    """Whether the process ``pid`` that started at ``started`` still runs.

    Args:
        pid: The process id, or ``None`` (never started: not running).
        started: Its start time from :func:`start_time`, or ``None`` to accept any process
            with that pid.

    Returns:
        ``False`` if no process has that pid, the one that has it started at another time
        (the pid was reused), or it is a zombie.
    """
    if pid is None:
        return False
    try:
        process = psutil.Process(pid)
        if started is not None and abs(process.create_time() - started) > _START_TIME_TOLERANCE_S:
            return False
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def group_members(pgid: int) -> list[int]:
    """The pids of the live (not zombie) processes in process group ``pgid``."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return []
    except PermissionError:
        pass  # some member belongs to another user; look at the ones we can see
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(process.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def end_group(pgid: int, *, grace_s: float = 10.0) -> bool:
    """Ends every process of group ``pgid``: SIGTERM, then SIGKILL after ``grace_s``.

    Args:
        pgid: The process group.
        grace_s: Seconds the processes have to exit after SIGTERM (default: ``10.0``).

    Returns:
        Whether the group is gone (no live member left) afterwards.
    """
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, _KILL_WAIT_S)):
        if not group_members(pgid):
            return True
        _logger.info("sending %s to process group %d", sig.name, pgid)
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not group_members(pgid):
                return True
            time.sleep(_POLL_S)
    return not group_members(pgid)


def describe_exit(returncode: int) -> str:
    """How a process ended, from its return code (``-N``: killed by signal ``N``)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"
