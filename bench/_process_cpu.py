"""CPU seconds of processes and their children, read from /proc, for benchmarks that run several processes.

A pull keeps three processes busy on a two-core machine (the serving node, the pulling
command and its verify helper), so where the CPU goes says more than the wall time alone:
`run_measured` runs a command to its end and reports its own CPU and its children's.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.01


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of one process (all its threads) so far; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime and stime (fields 14 and 15 of stat)


def children(pid: int) -> list[int]:
    """The live child processes of `pid`, whichever of its threads started them."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    return found


def tree_seconds(pid: int) -> float:
    """CPU seconds so far of a process and its live descendants (a server's workers included)."""
    return (cpu_seconds(pid) or 0.0) + sum(tree_seconds(child) for child in children(pid))


@dataclass
class Measured:
    """A finished command: its output, its own CPU seconds and the last CPU seconds seen of each child."""

    returncode: int
    stdout: str
    stderr: str
    own: float
    children: dict[int, float] = field(default_factory=dict)


def run_measured(command: list[str], env: dict[str, str], cwd: Path) -> Measured:
    """Run `command` to its end, sampling its children's CPU every 10 ms while it runs.

    The kernel's account of the finished command (wait4) counts the children it waited for too,
    so a child's last sample is taken off it to give the command's own CPU; a child's last
    10 ms may be missed, which is no matter for a helper that idles once the work is done.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd, text=True)
        seen: dict[int, float] = {}
        done = threading.Event()
        sampler = threading.Thread(target=_sample_children, args=(proc.pid, seen, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        total = usage.ru_utime + usage.ru_stime
        return Measured(proc.returncode, out.read(), err.read(), total - sum(seen.values()), dict(seen))


def _sample_children(pid: int, seen: dict[int, float], done: threading.Event) -> None:
    while not done.wait(SAMPLE_SECONDS):
        for child in children(pid):
            seconds = cpu_seconds(child)
            if seconds is not None:
                seen[child] = seconds
