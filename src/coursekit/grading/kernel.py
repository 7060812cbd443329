"""Sandboxed Jupyter kernels for grading: what the OS allows, measured once, then one kernel per slot.

:func:`isolation` decides how far a grading kernel can be isolated here and *proves* it: it starts
the launcher (:mod:`coursekit.grading.launcher`) once with the full plan and a probe command that
imports coursekit and ipykernel and reports its uid and network interfaces. Levels, best first:

``isolated`` (the grader runs as root)
    each kernel runs as a uid of its own (random, unused, no groups, ``no_new_privs``), in new
    mount, network and IPC namespaces: no network; a private size-limited ``/tmp``, ``/dev/shm`` and
    ``/var/tmp``; the folders of the submissions, the output, the instructor notebook and the private
    tests, and ``/root`` and ``/home``, replaced by empty file systems (re-exposing only the Python
    installation where it lives under one of them); the instructor notebook and private tests file
    replaced by ``/dev/null`` wherever they still show. Because the uid is its own, ``RLIMIT_NPROC`` bounds the
    kernel's processes exactly, other kernels' connection keys and files are out of reach, and
    every process it left behind is killed with ``kill(-1)`` from that uid.
``same-user`` (root, but the unprivileged uid could not run Python)
    the namespaces and hidden files as above, but the kernel runs as root: nothing stops it undoing
    the mounts or touching any file. Said loudly in the run summary.
``limits-only`` (not root, or namespaces unavailable)
    resource limits, a scrubbed environment and a scratch directory only. The kernel runs as the
    grader's user: it can read and write whatever that user can (the private tests, the output
    folder, other submissions, coursekit's own files), reach the network, and a process-count limit
    is shared with the user's other processes.

In every level: ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_FSIZE``, no core files, one BLAS
thread, an environment with nothing from the grader's (no tokens, no credentials), and kernel
output to the grader's terminal is redirected to a log file.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

LAUNCHER = Path(__file__).with_name("launcher.py")
UID_RANGE = (1_900_000_000, 2_100_000_000)      # far above any real account; one random uid per kernel
PROBE_OK = "coursekit-probe-ok"


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. Times in seconds, sizes in MiB."""
    notebook_s: float = 300          # wall clock for running all cells
    cell_s: float = 60               # wall clock for one cell or one check
    memory_mb: int = 2048            # address space of the kernel process (RLIMIT_AS)
    processes: int = 64              # processes + threads of the kernel's own uid (isolated level)
    file_mb: int = 256               # largest file the kernel may write (RLIMIT_FSIZE)
    scratch_mb: int = 512            # private /tmp (isolated level)
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
    level: str                                # "isolated" | "same-user" | "limits-only"
    drop_uid: bool
    namespaces: bool
    hidden_dirs: tuple[str, ...] = ()
    hidden_files: tuple[str, ...] = ()
    needed: tuple[str, ...] = ()              # paths the kernel's Python needs (kept visible)
    why: str = ""                             # why not a better level

    def describe(self) -> str:
        if self.level == "isolated":
            return ("each kernel ran as its own unprivileged uid in new mount, network and IPC namespaces "
                    "(no network; private /tmp; submissions, output folder, instructor notebook and private "
                    "tests hidden)")
        if self.level == "same-user":
            return ("DEGRADED: kernels ran as root inside new namespaces (no network, private /tmp, instructor "
                    f"files hidden) but without a uid of their own, so nothing stops a hostile submission "
                    f"from undoing that; no process-count limit. Reason: {self.why}")
        return ("DEGRADED: kernels ran as the grader's own user with resource limits only: no network "
                "isolation, and a hostile submission can read or change any file this user can (private "
                "tests, output folder, other submissions, other kernels' connection keys, coursekit itself). "
                f"Reason: {self.why}")


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


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


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
        if _inside(t, "/tmp") or not os.path.isdir(t) or t == "/":
            continue
        if any(_inside(t, n) for n in needed):          # it holds part of the Python installation itself
            continue
        masks.append({"target": t, "keep": [n for n in needed if _inside(n, t)], "size": "1m",
                      "stage": f"{slot}/stage-{i}"})
    masks.append({"target": "/dev/shm", "keep": [], "size": "64m", "mode": "1777", "stage": f"{slot}/stage-shm"})
    masks.append({"target": "/var/tmp", "keep": [], "size": "1m", "stage": f"{slot}/stage-vartmp"})
    masks.append({"target": "/tmp", "keep": [sockdir] + [n for n in needed if _inside(n, "/tmp")],
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
    """A temporary directory, a uid and a launcher configuration for one kernel (or the probe).

    Layout: ``slot/`` (root, 0711) holds the launcher config and connection file (0600), the kernel's
    log, ``seed/`` (the scratch files) and ``sock/`` (owned by the kernel's uid, 0700: its ZeroMQ
    ``ipc`` sockets and its copy of the connection file). The kernel works in ``slot/work``, which in
    the isolated level exists only inside its private ``/tmp``.
    """

    def __init__(self, iso: Isolation, limits: Limits, files: dict[str, bytes], cpu_s: float):
        self.iso, self.limits = iso, limits
        self.dir = tempfile.mkdtemp(prefix=f"coursekit-grade-{os.getpid()}-")    # whose it is, at a glance
        os.chmod(self.dir, 0o711)
        self.uid = secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0] if iso.drop_uid else None
        self.token = secrets.token_hex(8)
        self.sockdir, self.workdir, self.seed = f"{self.dir}/sock", f"{self.dir}/work", f"{self.dir}/seed"
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
        self.connection_file = f"{self.dir}/conn.json"
        self.log = f"{self.dir}/kernel.log"
        self.cpu_s = cpu_s

    def config(self, argv: list[str], connection: bool) -> str:
        env = _base_env(self.workdir)
        env["COURSEKIT_KERNEL_TOKEN"] = self.token
        cfg = {"uid": self.uid, "gid": self.uid, "workdir": self.workdir, "argv": argv, "env": env,
               "rlimits": _rlimits(self.limits, self.iso, self.cpu_s), "no_new_privs": True,
               "seed": self.seed}
        if self.iso.namespaces:
            cfg["unshare"] = ["mount", "net", "ipc"]
            cfg["masks"] = _plan_masks(self.iso, self.dir, self.sockdir, self.workdir, self.seed, self.limits)
            cfg["hide_files"] = list(self.iso.hidden_files)
        if connection:
            cfg["connection_file"] = {"src": self.connection_file, "dst": f"{self.sockdir}/conn.json"}
        path = f"{self.dir}/launch.json"
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(cfg, f)
        return path

    def launcher_cmd(self, argv: list[str], connection: bool) -> list[str]:
        return [sys.executable, "-I", "-S", str(LAUNCHER), self.config(argv, connection)]

    def kill_all(self, pid: int | None = None) -> None:
        """Kill the kernel and everything it started (repeatedly: a fork bomb races the killer)."""
        if pid:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        if self.uid is not None:
            _kill_uid(self.uid)
        else:
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
        _rmtree(self.dir)


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


def _rmtree(path: str) -> None:
    """Remove a tree even if the kernel chmod-ed parts of it to 000."""
    def fix(func, p, _exc):
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)
    for _ in range(10):                 # a dying kernel's last processes may still be writing into it
        shutil.rmtree(path, onerror=fix)
        if not os.path.exists(path):
            return
        time.sleep(0.1)


# ------------------------------------------------------------------------------------ the probe

_PROBE = ("import json, os, socket, coursekit.grading.registry, ipykernel.kernelapp; hidden = {h: open(h, 'rb')"
          ".read(1) == b'' for h in %r if os.path.isfile(h)}; print('" + PROBE_OK + "', json.dumps({'uid': "
          "os.getuid(), 'ifaces': [n for _, n in socket.if_nameindex()], 'hidden_unreadable': hidden}))")


def _probe(iso: Isolation, limits: Limits) -> tuple[bool, str]:
    slot = Slot(iso, limits, {}, cpu_s=60)
    try:
        argv = [sys.executable, "-c", _PROBE % (list(iso.hidden_files),)]
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
        return True, ""
    except (subprocess.TimeoutExpired, OSError, ValueError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    finally:
        slot.kill_all()
        slot.remove()


_CACHE: dict[tuple, Isolation] = {}


def isolation(hidden_dirs=(), hidden_files=(), prefer: str = "auto") -> Isolation:
    """The best isolation level that works here, verified by a probe (cached per process).

    prefer: "auto" (best available), or "limits-only" to force the lowest level (tests of the degraded
    path; never use it as root for untrusted submissions).
    """
    hidden_dirs = tuple(sorted({os.path.abspath(d) for d in hidden_dirs if d}))
    hidden_files = tuple(sorted({os.path.abspath(f) for f in hidden_files if f}))
    key = (hidden_dirs, hidden_files, prefer)
    if key in _CACHE:
        return _CACHE[key]
    limits = Limits()
    common = dict(hidden_dirs=hidden_dirs, hidden_files=hidden_files)
    why = "the grader is not running as root (no namespaces, no separate uid)"
    result = None
    if prefer == "auto" and os.getuid() == 0 and sys.platform.startswith("linux"):
        needed = _python_paths()
        full = Isolation("isolated", True, True, needed=needed, **common)
        ok, why = _probe(full, limits)
        if ok:
            result = full
        else:
            ns_only = Isolation("same-user", False, True, needed=needed, **common,
                                why=f"an unprivileged uid could not start the kernel ({why})")
            ok2, why2 = _probe(ns_only, limits)
            result = ns_only if ok2 else None
            why = ns_only.why if ok2 else f"{why}; namespaces: {why2}"
    elif prefer == "limits-only":
        why = "limits-only was requested"
    if result is None:
        result = Isolation("limits-only", False, False, **common, why=why)
    _CACHE[key] = result
    return result


# ------------------------------------------------------------------------------------ the kernel

class SandboxedKernelManager(AsyncKernelManager):
    """An :class:`AsyncKernelManager` (nbclient's timeouts need the async one) whose kernel command is
    the launcher, over the ``ipc`` transport (TCP cannot cross into a new network namespace)."""

    def __init__(self, slot: Slot, **kw):
        super().__init__(transport="ipc", ip=f"{slot.sockdir}/k", connection_file=slot.connection_file, **kw)
        self.slot = slot

    def format_kernel_cmd(self, extra_arguments=None):
        conn = f"{self.slot.sockdir}/conn.json"
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", conn, "--HistoryManager.hist_file=:memory:",
                "--IPKernelApp.capture_fd_output=True"]
        return self.slot.launcher_cmd(argv, connection=True)


async def start_kernel(slot: Slot) -> SandboxedKernelManager:
    """Start a kernel in ``slot``; its stdout/stderr go to the slot's log, not the grader's terminal."""
    km = SandboxedKernelManager(slot)
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
