"""A cgroup per grading kernel: one memory, process and CPU budget for the kernel and all it starts.

Resource limits (``setrlimit``) bound each process on its own, so four children of one kernel could
hold four times ``--memory`` and dozens of busy children could take the CPU from a neighbour's
kernel. A control group bounds the kernel and all its descendants together:

* ``memory``: at most ``--memory`` MiB for all of them (files in the kernel's private ``/tmp`` count
  too); beyond it the kernel's largest process is killed (the feedback says so);
* ``pids``: at most ``--processes`` tasks (processes and threads);
* ``cpu``: one kernel is one scheduling entity with the default weight, however many processes it
  runs, so an honest kernel keeps its share of the CPU beside a hostile one; ``cpuacct`` (v1) or
  ``cpu.stat`` (v2) gives the CPU seconds the kernel used.

Each kernel's group is created below the grader's own group in each hierarchy (so the limits the
machine puts on the grader still hold), joined by the launcher before anything of the kernel runs,
and removed after every process in it has been killed. Cgroup v1 controllers (``memory``,
``pids``, ``cpu``, ``cpuacct``) are used where they are mounted, else v2 where the grader's group
can delegate them; :func:`support` says which, or why neither (then the grader degrades to the
per-process limits and says so once).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field

__all__ = ["Support", "KernelCgroup", "support", "cleanup_stale"]

V1 = ("memory", "pids", "cpu", "cpuacct")
V2 = ("memory", "pids", "cpu")
PREFIX = "coursekit-"
CPU_WEIGHT_V1, CPU_WEIGHT_V2 = 1024, 100          # the defaults: each kernel counts as one task


@dataclass(frozen=True)
class Support:
    version: str                                  # "v1" | "v2" | "" (none)
    parents: dict[str, str] = field(default_factory=dict)   # controller (v1) or "unified" -> parent dir
    why: str = ""                                 # why not, when version == ""

    def describe(self) -> str:
        if self.version:
            return f"cgroup {self.version} per kernel (memory, processes, CPU share)"
        return f"no cgroups ({self.why}): memory and process limits hold per process only"


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(mount point, fstype, super options) of every cgroup file system."""
    out = []
    with contextlib.suppress(OSError), open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            parts, rparts = left.split(), right.split()
            if len(parts) > 4 and len(rparts) >= 3 and rparts[0] in ("cgroup", "cgroup2"):
                out.append((parts[4].replace("\\040", " "), rparts[0], set(rparts[2].split(","))))
    return out


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under key "" for v2."""
    own = {}
    with contextlib.suppress(OSError), open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                own[c] = path
    return own


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _candidates() -> tuple[dict[str, str], str, str]:
    """(v1 parents by controller, v2 parent, why not)."""
    mounts, own = _mounts(), _own_paths()
    v1 = {}
    for point, fstype, opts in mounts:
        if fstype != "cgroup":
            continue
        for c in V1:
            if c in opts and c in own and c not in v1:
                v1[c] = os.path.join(point, own[c].lstrip("/"))
    v2 = ""
    for point, fstype, _ in mounts:
        if fstype == "cgroup2" and "" in own:
            v2 = os.path.join(point, own[""].lstrip("/"))
            break
    return v1, v2, "" if (v1 or v2) else "no cgroup file system is mounted"


def _try_v1(parents: dict[str, str]) -> str:
    if set(parents) != set(V1):
        return f"cgroup v1 lacks the {', '.join(sorted(set(V1) - set(parents)))} controller(s)"
    group = KernelCgroup(Support("v1", parents), memory_mb=512, processes=16)
    return group.self_test()


def _try_v2(parent: str) -> str:
    try:
        available = set(_read(f"{parent}/cgroup.controllers").split())
    except OSError as exc:
        return f"cgroup v2 at {parent} is not readable ({exc.strerror})"
    if not set(V2) <= available:
        return f"cgroup v2 at {parent} offers only {sorted(available)}"
    try:
        enabled = set(_read(f"{parent}/cgroup.subtree_control").split())
        if not set(V2) <= enabled:
            _write(f"{parent}/cgroup.subtree_control", " ".join(f"+{c}" for c in V2))
    except OSError as exc:
        return (f"cgroup v2: the grader's group {parent} cannot delegate controllers to child groups "
                f"({exc.strerror}; run the grader in a group of its own, e.g. systemd-run --scope -p Delegate=yes)")
    group = KernelCgroup(Support("v2", {"unified": parent}), memory_mb=512, processes=16)
    return group.self_test()


@functools.lru_cache(maxsize=1)
def support() -> Support:
    """Which cgroups this process can give its kernels, tried once (create, limit, join, remove)."""
    if os.environ.get("COURSEKIT_NO_CGROUPS"):
        return Support("", why="COURSEKIT_NO_CGROUPS is set")
    v1, v2, why = _candidates()
    reasons = [why] if why else []
    if v1:
        problem = _try_v1(v1)
        if not problem:
            cleanup_stale(Support("v1", v1))
            return Support("v1", v1)
        reasons.append(problem)
    if v2:
        problem = _try_v2(v2)
        if not problem:
            cleanup_stale(Support("v2", {"unified": v2}))
            return Support("v2", {"unified": v2})
        reasons.append(problem)
    return Support("", why="; ".join(reasons))


class KernelCgroup:
    """One kernel's group, in every hierarchy it needs. Created by the constructor (raises OSError)."""

    def __init__(self, sup: Support, *, memory_mb: int, processes: int):
        self.support = sup
        self.name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
        self.dirs: dict[str, str] = {}
        try:
            if sup.version == "v1":
                for c, parent in sup.parents.items():
                    d = os.path.join(parent, self.name)
                    if d not in self.dirs.values():
                        os.mkdir(d, 0o755)
                    self.dirs[c] = d
                mem = memory_mb * 2**20
                _write(f"{self.dirs['memory']}/memory.limit_in_bytes", str(mem))
                if os.path.exists(f"{self.dirs['memory']}/memory.memsw.limit_in_bytes"):
                    with contextlib.suppress(OSError):         # no swapping past the limit either
                        _write(f"{self.dirs['memory']}/memory.memsw.limit_in_bytes", str(mem))
                _write(f"{self.dirs['pids']}/pids.max", str(processes))
                _write(f"{self.dirs['cpu']}/cpu.shares", str(CPU_WEIGHT_V1))
            elif sup.version == "v2":
                d = os.path.join(sup.parents["unified"], self.name)
                os.mkdir(d, 0o755)
                self.dirs = {"unified": d}
                _write(f"{d}/memory.max", str(memory_mb * 2**20))
                with contextlib.suppress(OSError):
                    _write(f"{d}/memory.swap.max", "0")
                _write(f"{d}/pids.max", str(processes))
                _write(f"{d}/cpu.weight", str(CPU_WEIGHT_V2))
            else:
                raise OSError("cgroups are not available")
        except BaseException:
            self.remove()
            raise

    @property
    def procs_files(self) -> list[str]:
        """The files the launcher writes its pid into (each hierarchy once)."""
        return sorted({f"{d}/cgroup.procs" for d in self.dirs.values()})

    def pids(self) -> list[int]:
        found: set[int] = set()
        for path in self.procs_files:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in _read(path).split())
        return sorted(found)

    def kill(self, rounds: int = 200) -> None:
        """SIGKILL every process in the group until none is left (the pids limit bounds a fork race)."""
        if self.support.version == "v2":
            with contextlib.suppress(OSError):
                _write(f"{self.dirs['unified']}/cgroup.kill", "1")
        for _ in range(rounds):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)

    def stats(self) -> dict:
        """Peak memory (MiB), CPU seconds and OOM kills of the group so far (missing ones omitted)."""
        out: dict = {}
        with contextlib.suppress(OSError, ValueError, KeyError):
            if self.support.version == "v1":
                out["peak_memory_mb"] = round(int(_read(f"{self.dirs['memory']}/memory.max_usage_in_bytes")) / 2**20, 1)
                out["cpu_seconds"] = round(int(_read(f"{self.dirs['cpuacct']}/cpuacct.usage")) / 1e9, 3)
                oom = dict(line.split() for line in _read(f"{self.dirs['memory']}/memory.oom_control").splitlines())
                out["oom_kills"] = int(oom.get("oom_kill", 0))
            elif self.support.version == "v2":
                d = self.dirs["unified"]
                cpu = dict(line.split() for line in _read(f"{d}/cpu.stat").splitlines())
                out["cpu_seconds"] = round(int(cpu["usage_usec"]) / 1e6, 3)
                events = dict(line.split() for line in _read(f"{d}/memory.events").splitlines())
                out["oom_kills"] = int(events.get("oom_kill", 0))
                if os.path.exists(f"{d}/memory.peak"):
                    out["peak_memory_mb"] = round(int(_read(f"{d}/memory.peak")) / 2**20, 1)
        return out

    def remove(self, wait_s: float = 3.0) -> bool:
        """Remove the group's directories (after :meth:`kill`); True when all are gone."""
        deadline = time.monotonic() + wait_s
        for d in sorted(set(self.dirs.values())):
            while os.path.isdir(d):
                try:
                    os.rmdir(d)
                except OSError:
                    if time.monotonic() > deadline:   # exiting processes still count for a moment
                        break
                    self.kill(rounds=5)
                    time.sleep(0.02)
        return not any(os.path.isdir(d) for d in self.dirs.values())

    def self_test(self) -> str:
        """Join a short-lived process, read the accounting back, remove; "" when all of it works."""
        proc = None
        try:
            proc = subprocess.Popen(["sleep", "30"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            for path in self.procs_files:
                _write(path, str(proc.pid))
            if proc.pid not in self.pids():
                return "a process could not be moved into a new cgroup"
            self.kill()
            proc.wait(timeout=10)
            proc = None
            if "cpu_seconds" not in self.stats():
                return "the new cgroup reports no CPU accounting"
            return "" if self.remove() else "a new cgroup could not be removed"
        except (OSError, subprocess.SubprocessError) as exc:
            return f"a cgroup could not be created and joined ({type(exc).__name__}: {exc})"
        finally:
            if proc is not None:
                proc.kill()
                proc.wait()
            self.remove(wait_s=1)


def cleanup_stale(sup: Support) -> int:
    """Remove groups left by graders that died (their pid is gone); returns how many were removed."""
    removed = 0
    for parent in set(sup.parents.values()):
        with contextlib.suppress(OSError):
            for name in os.listdir(parent):
                m = re.fullmatch(rf"{PREFIX}(\d+)-[0-9a-f]+", name)
                if not m or os.path.exists(f"/proc/{m.group(1)}"):
                    continue
                d = os.path.join(parent, name)
                for _ in range(50):
                    with contextlib.suppress(OSError, ValueError):
                        for pid in _read(f"{d}/cgroup.procs").split():
                            with contextlib.suppress(OSError):
                                os.kill(int(pid), signal.SIGKILL)
                    with contextlib.suppress(OSError):
                        os.rmdir(d)
                        removed += 1
                        break
                    time.sleep(0.01)
    return removed
