"""The bubblewrap command line of one grading kernel: an allowlisted root with nothing of the course.

Debian's ``bubblewrap`` builds the kernel's file system from nothing, so what is not listed here is
not there (instead of hiding paths one by one, as the fallback launcher must):

* read-only: ``/usr`` (and the ``/bin``, ``/lib``… links or folders beside it), a few files of
  ``/etc`` that the C library and fonts need, and the Python installation the kernel runs (its
  prefixes and ``sys.path``: the virtual environment, the standard library, coursekit's own
  folder);
* private, size-limited tmpfs: ``/tmp`` (the kernel's working copy lives in ``/tmp/work``) and
  ``/dev/shm``; a fresh ``/proc`` of a new PID namespace (the kernel sees only its own processes,
  not the grader's command line) and a minimal ``/dev``;
* read-write: only the kernel's socket folder, which the grader seals (root-owned, read-only,
  emptied of everything but the sockets) as soon as the kernel has answered, before any cell runs;
* new IPC, network (loopback only, down), PID, UTS and cgroup namespaces; a new session (no
  terminal to inject into); the sandbox dies with the grader (``--die-with-parent``).

The launcher runs inside as root with the few capabilities it needs to copy the scratch files and
drop to the kernel's own uid; they are gone before the kernel starts. Hidden paths that happen to
lie inside an allowed folder (the instructor's folder, private tests, a ``.git`` or ``_build``
folder next to an allowed one) are covered by an empty tmpfs or ``/dev/null``.
"""

from __future__ import annotations

import os
import shutil

from .files import inside

__all__ = ["find", "command", "INSIDE", "WORKDIR"]

INSIDE = "/run/coursekit"              # the launcher, its configuration, the seed files
WORKDIR = "/tmp/work"                  # the kernel's working directory, inside its private /tmp
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "alternatives", "mime.types",
       "nsswitch.conf", "host.conf", "ssl/openssl.cnf", "matplotlibrc")
ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
NEVER_SHOWN = (".git", "_build", ".jupyter_cache", ".ipynb_checkpoints")
CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE")


def find() -> str | None:
    """The bubblewrap executable, if installed (Debian: ``apt-get install bubblewrap``)."""
    return shutil.which("bwrap") or next((p for p in ("/usr/bin/bwrap", "/bin/bwrap") if os.access(p, os.X_OK)), None)


def _parents(path: str, made: set[str]) -> list[str]:
    """``--dir`` for each missing ancestor of ``path``, traversable (bubblewrap would make them 0700)."""
    out, parts = [], path.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/" + "/".join(parts[:i])
        if d not in made and d not in ("/tmp", "/usr", "/proc", "/dev"):
            made.add(d)
            out += ["--perms", "0755", "--dir", d]
    return out


def command(bwrap: str, *, needed, hidden_dirs, hidden_files, slot: str, sockdir: str, launcher: str,
            scratch_mb: int, python: str) -> list[str]:
    """``bwrap ... -- python -I -S /run/coursekit/launcher.py --inside /run/coursekit/launch.json``."""
    a = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
         "--die-with-parent", "--new-session"]
    for cap in CAPS:
        a += ["--cap-add", cap]
    a += ["--ro-bind", "/usr", "/usr"]
    for name in ROOT_LINKS:
        p = f"/{name}"
        if os.path.islink(p):
            a += ["--symlink", os.readlink(p), p]
        elif os.path.isdir(p):
            a += ["--ro-bind", p, p]
    for name in ETC:
        a += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    a += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(64 * 2**20), "--tmpfs", "/dev/shm",
          "--perms", "1777", "--size", str(scratch_mb * 2**20), "--tmpfs", "/tmp"]
    bound: list[str] = ["/usr"]
    made: set[str] = set()
    for p in sorted(set(needed), key=lambda q: (q.count("/"), q)):
        if not os.path.isabs(p) or not os.path.exists(p) or any(inside(p, b) for b in bound):
            continue
        a += _parents(p, made) + ["--ro-bind", p, p]
        bound.append(p)
    for b in bound[1:]:                                  # what must never show next to an allowed folder
        if os.path.isdir(b):
            for name in NEVER_SHOWN:
                q = os.path.join(b, name)
                if os.path.isdir(q) and not os.path.islink(q):
                    a += ["--tmpfs", q]
                elif os.path.lexists(q):
                    a += ["--ro-bind", "/dev/null", q]
    for d in hidden_dirs:
        if any(inside(d, b) for b in bound) and os.path.isdir(d):
            a += ["--tmpfs", d]
    for f in hidden_files:
        if any(inside(f, b) for b in bound) and os.path.isfile(f):
            a += ["--ro-bind", "/dev/null", f]
    a += _parents(sockdir, made) + ["--bind", sockdir, sockdir,
          "--ro-bind", f"{slot}/seed", f"{INSIDE}/seed",
          "--ro-bind", f"{slot}/launch.json", f"{INSIDE}/launch.json",
          "--ro-bind", launcher, f"{INSIDE}/launcher.py"]
    if os.path.exists(f"{slot}/conn.json"):
        a += ["--ro-bind", f"{slot}/conn.json", f"{INSIDE}/conn.json"]
    a += ["--remount-ro", "/", "--chdir", "/", "--", python, "-I", "-S", f"{INSIDE}/launcher.py", "--inside",
          f"{INSIDE}/launch.json"]
    return a
