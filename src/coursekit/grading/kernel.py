"""Sandboxed Jupyter kernels for grading: what the OS allows, measured once, then one kernel per slot.

:func:`isolation` decides how far a grading kernel can be isolated here and *proves* it: it starts
the launcher (:mod:`coursekit.grading.launcher`) once with the full plan and a probe command that
imports coursekit and ipykernel and reports its uid, pid, network interfaces and what it can see.
Levels, best first:

``bubblewrap`` (the grader runs as root and Debian's ``bwrap`` is installed)
    each kernel runs in an allowlisted sandbox (:mod:`coursekit.grading.bwrap`): a root file system
    holding only the Python installation (read-only), a private size-limited ``/tmp`` and
    ``/dev/shm``, and its sealed socket folder; a uid of its own (random, unused, no groups,
    ``no_new_privs``); new PID, network, IPC, UTS and cgroup namespaces. Nothing of the course
    checkout, the submissions, the output folder, the private tests or the host's world-writable
    folders exists inside, and it cannot see the grader's command line.
``isolated`` (root, no bubblewrap: the fallback launcher)
    a uid of its own, new mount, network and IPC namespaces: no network; a private size-limited
    ``/tmp``, ``/dev/shm`` and ``/var/tmp``; the folders of the submissions, the output, the
    instructor notebook and the private tests, and ``/root`` and ``/home``, replaced by empty file
    systems (re-exposing only the Python installation where it lives under one of them); the
    instructor notebook and private tests file replaced by ``/dev/null`` wherever they still show.
    The rest of the machine stays readable (e.g. a course checkout around the instructor's folder).
``same-user`` (root, but the unprivileged uid could not run Python)
    the namespaces and hidden files as above, but the kernel runs as root: nothing stops it undoing
    the mounts or touching any file. Said loudly in the run summary.
``limits-only`` (not root, or namespaces unavailable)
    resource limits, a scrubbed environment and a scratch directory only. The kernel runs as the
    grader's user: it can read and write whatever that user can (the private tests, the output
    folder, other submissions, coursekit's own files), reach the network, and a process-count limit
    is shared with the user's other processes.

Orthogonal to the level, a cgroup per kernel (:mod:`coursekit.grading.cgroups`) bounds the memory,
the processes and the CPU share of the kernel and all its descendants together, where the machine
allows it. In every level: ``RLIMIT_AS`` (memory per process), ``RLIMIT_CPU``, ``RLIMIT_FSIZE``, no
core files, one BLAS thread, an environment with nothing from the grader's (no tokens, no
credentials), and kernel output to the grader's terminal is redirected to a log file.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from . import bwrap, cgroups
from .files import inside, remove_tree

LAUNCHER = Path(__file__).with_name("launcher.py")
UID_RANGE = (1_900_000_000, 2_100_000_000)      # far above any real account; one random uid per kernel
PROBE_OK = "coursekit-probe-ok"


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. Times in seconds, sizes in MiB."""
    notebook_s: float = 300          # wall clock for running all cells
    cell_s: float = 60               # wall clock for one cell or one check
    memory_mb: int = 2048            # per process (RLIMIT_AS) and for the kernel's whole cgroup
    processes: int = 64              # processes + threads of the kernel (its cgroup; its own uid)
    file_mb: int = 256               # largest file the kernel may write (RLIMIT_FSIZE)
    scratch_mb: int = 512            # private /tmp (bubblewrap and isolated levels)
    max_restarts: int = 3            # kernel restarts after a hung or killed cell
    startup_s: float = 60            # for the kernel to answer its first request
    interrupt_grace_s: float = 3     # after SIGINT, before the kernel is killed

    def __post_init__(self):
        for name in ("notebook_s", "cell_s", "memory_mb", "processes", "file_mb", "scratch_mb", "startup_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"limit {name} must be positive, got {getattr(self, name)!r}")
        if self.memory_mb < 512 or self.processes < 16:
            raise ValueError("a kernel needs at least 512 MiB of address space and 16 processes (threads) to start; "
                             f"got {self.memory_mb} MiB and {self.processes}")

    def describe(self) -> str:
        return (f"{self.notebook_s:g} s per notebook, {self.cell_s:g} s per cell, {self.memory_mb} MiB memory, "
                f"{self.processes} processes, {self.file_mb} MiB per file")


@dataclass(frozen=True)
class Isolation:
    level: str                                # "bubblewrap" | "isolated" | "same-user" | "limits-only"
    drop_uid: bool
    namespaces: bool
    hidden_dirs: tuple[str, ...] = ()
    hidden_files: tuple[str, ...] = ()
    needed: tuple[str, ...] = ()              # paths the kernel's Python needs (kept visible)
    why: str = ""                             # why not a better level
    bwrap: str = ""                           # the bubblewrap executable (level "bubblewrap")
    cgroups: cgroups.Support = cgroups.Support("", why="not tried")

    def describe(self) -> str:
        if self.level == "bubblewrap":
            text = ("bubblewrap: each kernel ran in an allowlisted sandbox (read-only Python installation, private "
                    "/tmp, sealed sockets; nothing of the course checkout, submissions, output folder or private "
                    "tests visible) as its own unprivileged uid, in new PID, network, IPC and mount namespaces "
                    "(no network)")
        elif self.level == "isolated":
            text = ("isolated (fallback launcher, bubblewrap unavailable: " + (self.why or "not installed") + "): "
                    "each kernel ran as its own unprivileged uid in new mount, network and IPC namespaces "
                    "(no network; private /tmp; submissions, output folder, instructor's folder and private "
                    "tests hidden; the rest of the machine readable)")
        elif self.level == "same-user":
            text = ("DEGRADED: kernels ran as root inside new namespaces (no network, private /tmp, instructor "
                    f"files hidden) but without a uid of their own, so nothing stops a hostile submission "
                    f"from undoing that; no process-count limit. Reason: {self.why}")
        else:
            text = ("DEGRADED: kernels ran as the grader's own user with resource limits only: no network "
                    "isolation, and a hostile submission can read or change any file this user can (private "
                    "tests, output folder, other submissions, other kernels' connection keys, coursekit itself). "
                    f"Reason: {self.why}")
        return text


# --------------------------------------------------------------------------------------- planning

@functools.lru_cache(maxsize=1)
def _python_paths() -> tuple[str, ...]:
    """Every path the kernel's interpreter needs: prefixes, its real executable, its sys.path."""
    out = subprocess.run([sys.executable, "-c", "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, "
                          "sys.exec_prefix, sys.base_exec_prefix] + sys.path))"],
                         capture_output=True, text=True, env=_base_env("/"), cwd="/", timeout=60)
    paths = json.loads(out.stdout) if out.returncode == 0 else [sys.prefix, sys.base_prefix] + sys.path
    paths += [os.path.dirname(os.path.realpath(sys.executable)), os.path.dirname(os.path.abspath(sys.executable))]
    keep = []
    for p in paths:
        if p and os.path.isabs(p) and os.path.exists(p) and p != "/":
            p = os.path.realpath(p) if os.path.isdir(p) else p
            if p not in keep:
                keep.append(p)
    # the unresolved spellings too: the kernel is started through the venv's symlinks
    for p in (sys.prefix, os.path.dirname(os.path.abspath(sys.executable))):
        if p not in keep:
            keep.append(p)
    return tuple(keep)


def _untraversable_ancestor(path: str) -> str | None:
    """The top-most ancestor of ``path`` that an unrelated uid cannot enter, if any."""
    parts = Path(path).parts
    for i in range(2, len(parts) + 1):
        a = str(Path(*parts[:i]))
        try:
            if not os.stat(a).st_mode & 0o001:
                return a
        except OSError:
            return None
    return None


def _plan_masks(iso: Isolation, slot: str, sockdir: str, workdir: str, seed: str, limits: Limits) -> list[dict]:
    """The tmpfs masks for one kernel, in the order the launcher must mount them (/tmp last)."""
    needed = list(iso.needed)
    targets: list[str] = []
    for p in needed:
        a = _untraversable_ancestor(p)
        if a and a not in targets:
            targets.append(a)
    home = os.path.expanduser("~")
    for d in [*iso.hidden_dirs, "/root", "/home", home]:
        if d and os.path.isabs(d) and d not in targets:
            targets.append(d)
    # a masked directory inside another masked one is already gone (unless re-exposed: then mask it too)
    targets.sort(key=lambda t: t.count("/"))
    masks = []
    for i, t in enumerate(targets):
        if inside(t, "/tmp") or not os.path.isdir(t) or t == "/":
            continue
        if any(inside(t, n) for n in needed):          # it holds part of the Python installation itself
            continue
        masks.append({"target": t, "keep": [n for n in needed if inside(n, t)], "size": "1m",
                      "stage": f"{slot}/stage-{i}"})
    masks.append({"target": "/dev/shm", "keep": [], "size": "64m", "mode": "1777", "stage": f"{slot}/stage-shm"})
    masks.append({"target": "/var/tmp", "keep": [], "size": "1m", "stage": f"{slot}/stage-vartmp"})
    masks.append({"target": "/tmp", "keep": [sockdir] + [n for n in needed if inside(n, "/tmp")],
                  "size": f"{limits.scratch_mb}m", "mode": "1777", "stage": f"{slot}/stage-tmp",
                  "workdir": workdir, "seed": seed})
    return masks


def _base_env(workdir: str) -> dict[str, str]:
    """The kernel's whole environment: nothing is inherited from the grader's."""
    venv_bin = os.path.dirname(os.path.abspath(sys.executable))
    return {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "USER": "student",
        "LOGNAME": "student", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": workdir,
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{workdir}/.config/matplotlib", "IPYTHONDIR": f"{workdir}/.ipython",
        "JUPYTER_CONFIG_DIR": f"{workdir}/.jupyter", "JUPYTER_DATA_DIR": f"{workdir}/.local/share/jupyter",
        "JUPYTER_RUNTIME_DIR": f"{workdir}/.local/share/jupyter/runtime", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2", "COURSEKIT_GRADING": "1",
    }


def _rlimits(limits: Limits, iso: Isolation, cpu_s: float) -> dict[str, list[int]]:
    mem = limits.memory_mb * 2**20
    out = {"AS": [mem, mem], "CPU": [int(cpu_s), int(cpu_s) + 5], "FSIZE": [limits.file_mb * 2**20] * 2,
           "CORE": [0, 0], "NOFILE": [1024, 1024]}
    if iso.drop_uid:
        out["NPROC"] = [limits.processes, limits.processes]
    elif os.getuid() != 0:                      # shared with this user's other processes: allow for them
        n = _count_tasks(os.getuid()) + limits.processes
        out["NPROC"] = [n, n]
    return out


def _count_tasks(uid: int) -> int:
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    n += len(os.listdir(f"/proc/{pid}/task"))
    return n


# ---------------------------------------------------------------------------------------- one slot

class Slot:
    """A temporary directory, a uid, a cgroup and a launcher configuration for one kernel (or the probe).

    Layout: ``slot/`` (root, 0711) holds the launcher config and connection file (0600), the kernel's
    log, ``seed/`` (the scratch files) and ``sock/`` (owned by the kernel's uid, 0700, until the
    kernel has answered: then :meth:`seal` gives it back to root, read-only, holding only the
    kernel's ZeroMQ ``ipc`` sockets). The kernel works in ``/tmp/work`` (bubblewrap) or
    ``slot/work`` (the fallback launcher), which exists only inside its private ``/tmp``.
    """

    def __init__(self, iso: Isolation, limits: Limits, files: dict[str, bytes], cpu_s: float):
        self.iso, self.limits = iso, limits
        self.dir = tempfile.mkdtemp(prefix=f"coursekit-grade-{os.getpid()}-")    # whose it is, at a glance
        self.cgroup: cgroups.KernelCgroup | None = None
        self.kernel_pid: int | None = None          # the kernel's pid as the grader sees it
        try:
            os.chmod(self.dir, 0o711)
            self.uid = secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0] if iso.drop_uid else None
            self.token = secrets.token_hex(8)
            self.sockdir, self.seed = f"{self.dir}/sock", f"{self.dir}/seed"
            self.workdir = bwrap.WORKDIR if iso.bwrap else f"{self.dir}/work"
            for d in (self.sockdir, self.seed):
                os.mkdir(d, 0o700)
            if self.uid is not None:
                os.chown(self.sockdir, self.uid, self.uid)
            for name, data in files.items():                       # names were made safe by the grader
                target = Path(self.seed, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            if not iso.namespaces:                                 # no private /tmp: the workdir is real
                shutil.copytree(self.seed, self.workdir)
                os.chmod(self.workdir, 0o700)
            if iso.cgroups.version:                                # + bubblewrap's own two processes
                self.cgroup = cgroups.KernelCgroup(iso.cgroups, memory_mb=limits.memory_mb,
                                                   processes=limits.processes + 2)
        except BaseException:
            self.remove()
            raise
        self.connection_file = f"{self.dir}/conn.json"
        self.log = f"{self.dir}/kernel.log"
        self.cpu_s = cpu_s

    def config(self, argv: list[str], connection: bool) -> str:
        env = _base_env(self.workdir)
        env["COURSEKIT_KERNEL_TOKEN"] = self.token
        cfg = {"uid": self.uid, "gid": self.uid, "workdir": self.workdir, "argv": argv, "env": env,
               "rlimits": _rlimits(self.limits, self.iso, self.cpu_s), "no_new_privs": True,
               "seed": self.seed, "parent_pid": not self.iso.bwrap}
        if self.cgroup is not None:
            cfg["cgroup_procs"] = self.cgroup.procs_files
        if self.iso.bwrap:
            cfg["bwrap"] = bwrap.command(self.iso.bwrap, needed=self.iso.needed, hidden_dirs=self.iso.hidden_dirs,
                                         hidden_files=self.iso.hidden_files, slot=self.dir, sockdir=self.sockdir,
                                         launcher=str(LAUNCHER), scratch_mb=self.limits.scratch_mb,
                                         python=sys.executable)
            in_sandbox = {k: cfg[k] for k in ("uid", "gid", "argv", "env", "rlimits", "no_new_privs")}
            in_sandbox.update(workdir=self.workdir, seed=f"{bwrap.INSIDE}/seed")
            if connection:
                in_sandbox["connection_file"] = {"src": f"{bwrap.INSIDE}/conn.json",
                                                 "dst": f"{self.sockdir}/conn.json"}
            cfg["inside"] = in_sandbox
        elif self.iso.namespaces:
            cfg["unshare"] = ["mount", "net", "ipc"]
            cfg["masks"] = _plan_masks(self.iso, self.dir, self.sockdir, self.workdir, self.seed, self.limits)
            cfg["hide_files"] = list(self.iso.hidden_files)
        if connection and not self.iso.bwrap:
            cfg["connection_file"] = {"src": self.connection_file, "dst": f"{self.sockdir}/conn.json"}
        path = f"{self.dir}/launch.json"
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(cfg, f)
        return path

    def launcher_cmd(self, argv: list[str], connection: bool) -> list[str]:
        return [sys.executable, "-I", "-S", str(LAUNCHER), self.config(argv, connection)]

    # ------------------------------------------------------------------ once the kernel runs

    def seal(self) -> None:
        """Once the kernel has bound its sockets: its socket folder becomes root's, read-only, and holds
        nothing but sockets (so a kernel can never fill the host's disk through it)."""
        if self.uid is None:
            return
        os.chown(self.sockdir, 0, 0)
        os.chmod(self.sockdir, 0o711)
        with os.scandir(self.sockdir) as it:
            for entry in it:
                if not stat.S_ISSOCK(entry.stat(follow_symlinks=False).st_mode):
                    remove_tree(entry.path)

    def find_kernel(self, pid: int | None) -> int | None:
        """The kernel's pid as seen here: the launcher's own (it replaced itself by the kernel) or, under
        bubblewrap, the process that is pid 2 in the sandbox's PID namespace (its pid 1 is bwrap's init)."""
        if pid is None or not self.iso.bwrap:
            self.kernel_pid = pid
            return pid
        init = [p for p, ppid, _ in _processes() if ppid == pid]
        for p, ppid, nspid in _processes():
            if ppid in init and nspid[-1:] == ["2"]:
                self.kernel_pid = p
                break
        return self.kernel_pid

    def waited_s(self) -> float:
        """Seconds the kernel's main thread has spent runnable but waiting for a CPU (``schedstat``): time
        a busy neighbour took from it, which a time limit should not count."""
        if self.kernel_pid is None:
            return 0.0
        try:
            with open(f"/proc/{self.kernel_pid}/schedstat") as f:
                return int(f.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    def stats(self) -> dict:
        return self.cgroup.stats() if self.cgroup is not None else {}

    def kill_all(self, pid: int | None = None) -> None:
        """Kill the kernel and everything it started (repeatedly: a fork bomb races the killer)."""
        if pid:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)     # under bubblewrap: its PID namespace goes with it
        if self.cgroup is not None:               # every process of the kernel, in whatever session
            self.cgroup.kill()
        if self.uid is not None and self.cgroup is None:
            _kill_uid(self.uid)
        elif self.uid is None:
            for _ in range(5):
                found = _pids_with_token(self.token)
                for p in found:
                    with contextlib.suppress(OSError):
                        os.kill(p, signal.SIGKILL)
                if not found:
                    break
                time.sleep(0.05)

    def log_tail(self, n: int = 600) -> str:
        with contextlib.suppress(OSError), open(self.log, "rb") as f:
            f.seek(max(0, os.path.getsize(self.log) - n))
            return f.read().decode("utf-8", "replace").strip()
        return ""

    def remove(self) -> None:
        if self.cgroup is not None:
            self.cgroup.kill()
            self.cgroup.remove()
        for _ in range(10):                 # a dying kernel's last processes may still be writing into it
            if remove_tree(self.dir):
                return
            time.sleep(0.1)


def _processes():
    """(pid, parent pid, [pid in each PID namespace]) of every process, from /proc."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            yield int(name), int(fields["PPid"]), fields.get("NSpid", "").split()
        except (OSError, ValueError, KeyError):
            continue


def _kill_uid(uid: int) -> None:
    """Every process of ``uid`` dies, and nothing else: the launcher does ``kill(-1)`` as that uid.

    (Not ``os.fork()`` here: forking this multi-threaded process can deadlock; ``subprocess`` without
    a uid change uses ``vfork``, which runs no fork handlers.)"""
    subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "--kill-uid", str(uid)], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={}, timeout=30, check=False)


def _pids_with_token(token: str) -> list[int]:
    """Processes of this user whose environment carries the kernel's token (limits-only level)."""
    needle = f"COURSEKIT_KERNEL_TOKEN={token}".encode()
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            with contextlib.suppress(OSError), open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read():
                    found.append(int(pid))
    return found


# ------------------------------------------------------------------------------------ the probe

_PROBE = ("import json, os, socket, coursekit.grading.registry, ipykernel.kernelapp; hidden = {h: open(h, 'rb')"
          ".read(1) == b'' for h in %r if os.path.isfile(h)}; seen = [d for d in %r if os.path.isdir(d) and "
          "os.listdir(d)]; print('" + PROBE_OK + "', json.dumps({'uid': os.getuid(), 'pid': os.getpid(), "
          "'ifaces': [n for _, n in socket.if_nameindex()], 'hidden_unreadable': hidden, 'seen': seen}))")


def _probe(iso: Isolation, limits: Limits) -> tuple[bool, str]:
    try:
        slot = Slot(iso, limits, {}, cpu_s=60)
    except OSError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    try:
        argv = [sys.executable, "-c", _PROBE % (list(iso.hidden_files), list(iso.hidden_dirs))]
        with open(os.open(slot.log, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as log:
            proc = subprocess.run(slot.launcher_cmd(argv, connection=False), stdout=subprocess.PIPE,
                                  stderr=log, timeout=120, env={"PATH": os.environ.get("PATH", "")})
        out = proc.stdout.decode("utf-8", "replace")
        if proc.returncode != 0 or PROBE_OK not in out:
            return False, (slot.log_tail(300) or f"exit code {proc.returncode}").splitlines()[-1]
        facts = json.loads(out.split(PROBE_OK, 1)[1])
        if iso.drop_uid and facts["uid"] != slot.uid:
            return False, f"the kernel ran as uid {facts['uid']}, not {slot.uid}"
        if iso.namespaces and set(facts["ifaces"]) - {"lo"}:
            return False, f"the kernel still saw network interfaces {facts['ifaces']}"
        if iso.namespaces and not all(facts["hidden_unreadable"].values()):
            return False, "the kernel could still read a hidden file"
        if iso.bwrap and (facts["pid"] > 10 or facts["seen"]):
            return False, f"the sandbox has no PID namespace or shows hidden folders ({facts['pid']}, {facts['seen']})"
        if slot.cgroup is not None and not slot.stats().get("cpu_seconds"):
            return False, "the kernel did not run inside its cgroup"
        return True, ""
    except (subprocess.TimeoutExpired, OSError, ValueError, KeyError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    finally:
        slot.kill_all()
        slot.remove()


_CACHE: dict[tuple, Isolation] = {}
_LOCK = threading.Lock()


def isolation(hidden_dirs=(), hidden_files=(), prefer: str = "auto") -> Isolation:
    """The best isolation level that works here, verified by a probe (cached per process).

    prefer: "auto" (best available), "launcher" (the fallback launcher even where bubblewrap works:
    tests of the fallback), or "limits-only" (the lowest level: tests of the degraded path; never use
    it as root for untrusted submissions).
    """
    if prefer not in ("auto", "launcher", "limits-only"):
        raise ValueError(f"isolation must be 'auto', 'launcher' or 'limits-only', got {prefer!r}")
    hidden_dirs = tuple(sorted({os.path.abspath(d) for d in hidden_dirs if d}))
    hidden_files = tuple(sorted({os.path.abspath(f) for f in hidden_files if f}))
    key = (hidden_dirs, hidden_files, prefer)
    with _LOCK:                        # two worker threads must not probe (and create cgroups) twice
        if key not in _CACHE:
            _CACHE[key] = _decide(hidden_dirs, hidden_files, prefer)
        return _CACHE[key]


def _decide(hidden_dirs, hidden_files, prefer) -> Isolation:
    limits = Limits()
    cg = cgroups.support() if os.getuid() == 0 else cgroups.Support("", why="the grader is not running as root")
    common = dict(hidden_dirs=hidden_dirs, hidden_files=hidden_files, cgroups=cg)
    why = "the grader is not running as root (no namespaces, no separate uid)"
    if prefer == "limits-only":
        return Isolation("limits-only", False, False, **common, why="limits-only was requested")
    if os.getuid() != 0 or not sys.platform.startswith("linux"):
        return Isolation("limits-only", False, False, **common, why=why)
    needed = _python_paths()
    bwrap_why = "the fallback launcher was requested" if prefer == "launcher" else ""
    exe = bwrap.find() if prefer == "auto" else None
    if prefer == "auto" and exe is None:
        bwrap_why = "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if exe:
        sandbox = Isolation("bubblewrap", True, True, needed=needed, bwrap=exe, **common)
        ok, bwrap_why = _probe(sandbox, limits)
        if ok:
            return sandbox
        bwrap_why = f"bubblewrap failed: {bwrap_why}"
    full = Isolation("isolated", True, True, needed=needed, why=bwrap_why, **common)
    ok, why = _probe(full, limits)
    if ok:
        return full
    ns_only = Isolation("same-user", False, True, needed=needed, **common,
                        why=f"an unprivileged uid could not start the kernel ({why})")
    ok2, why2 = _probe(ns_only, limits)
    if ok2:
        return ns_only
    return Isolation("limits-only", False, False, **common, why=f"{ns_only.why}; namespaces: {why2}")


# ------------------------------------------------------------------------------------ the kernel

class SandboxedKernelManager(AsyncKernelManager):
    """An :class:`AsyncKernelManager` whose kernel command is the launcher, over the ``ipc`` transport
    (TCP cannot cross into a new network namespace). Interrupts go to the kernel's own process group
    (under bubblewrap the launched process is bwrap, which a SIGINT would end)."""

    def __init__(self, slot: Slot, **kw):
        super().__init__(transport="ipc", ip=f"{slot.sockdir}/k", connection_file=slot.connection_file, **kw)
        self.slot = slot

    def format_kernel_cmd(self, extra_arguments=None):
        conn = f"{self.slot.sockdir}/conn.json"
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", conn, "--HistoryManager.hist_file=:memory:",
                "--IPKernelApp.capture_fd_output=True"]
        return self.slot.launcher_cmd(argv, connection=True)

    async def interrupt_kernel(self) -> None:
        pid = self.slot.kernel_pid
        if pid:
            try:
                os.killpg(pid, signal.SIGINT)
            except OSError:
                os.kill(pid, signal.SIGINT)
        elif not self.slot.iso.bwrap:
            await super().interrupt_kernel()
        else:                                           # (the pid was not found) ask the kernel itself
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))


async def start_kernel(slot: Slot, context=None) -> SandboxedKernelManager:
    """Start a kernel in ``slot``; its stdout/stderr go to the slot's log, not the grader's terminal."""
    km = SandboxedKernelManager(slot, **({"context": context} if context is not None else {}))
    log = os.open(slot.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        await km.start_kernel(env={"PATH": os.environ.get("PATH", "")}, cwd=slot.dir, stdout=log, stderr=log,
                              stdin=subprocess.DEVNULL)
    finally:
        os.close(log)
    return km


async def stop_kernel(km: SandboxedKernelManager | None, slot: Slot) -> None:
    """Kill the kernel and all it left behind; close the manager's sockets. Never raises."""
    pid = None
    if km is not None:
        with contextlib.suppress(Exception):
            pid = km.provisioner.pid if km.provisioner else None
    slot.kill_all(pid)
    if km is not None:
        with contextlib.suppress(Exception):
            await km.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            await km.cleanup_resources()
