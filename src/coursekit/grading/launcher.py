"""Start one grading kernel inside its limits: the last step between the grader and a submission.

Run as a script, never imported by the kernel: ``python -I -S launcher.py CONFIG.json``. It uses
the standard library only (no site-packages), reads its JSON configuration (written by
:mod:`coursekit.grading.kernel`), sets the process up and ``execve``\\ s the next command, so the
kernel (or bubblewrap) keeps this process's pid (the grader signals and reaps it directly).

First, on the host: join the kernel's cgroups (``cgroup_procs``: memory, processes, CPU share for
everything that follows). Then one of two ways:

**bubblewrap** (``bwrap`` in the configuration): ``execve`` bubblewrap, which builds the kernel's
allowlisted file system and namespaces (see :mod:`coursekit.grading.bwrap`) and runs this script
again inside, as ``launcher.py --inside CONFIG``: it starts a session of its own, copies the
connection file and the scratch files into the private ``/tmp``, then does steps 4 and 5 below.

**the fallback launcher** (no bubblewrap), in order, each step only where the configuration asks:

1. ``unshare`` new mount, network and IPC namespaces (root only). In the new network namespace
   there is only a loopback device, which is down: no network. The kernel still talks to the grader
   over unix-domain sockets (ZeroMQ's ``ipc`` transport), which live in the file system.
2. Mount private, size-limited tmpfs file systems over ``/tmp``, ``/dev/shm``, ``/var/tmp``, the
   submissions and output folders and over any directory on the way to the Python installation
   that the kernel's user could not traverse (``/root`` here); each re-exposes only the paths listed
   in ``keep`` (the interpreter, site-packages, the kernel's socket directory). Files to hide (the
   instructor notebook, the private tests) get ``/dev/null`` bound over them. The mounts vanish
   with the kernel's last process.
3. Copy the submission's scratch files into the kernel's working directory (in the private ``/tmp``).
4. ``setrlimit``: address space, CPU seconds, processes, file size, open files, no core dumps.
5. Drop to an unprivileged uid/gid of its own (no supplementary groups, ``no_new_privs``), set a
   ``077`` umask, ``chdir`` to the working directory and ``execve`` the kernel with a scrubbed
   environment.

What the fallback does not do: it is not a container. It hides listed paths instead of allowing
listed ones (so the rest of the machine, e.g. a course checkout around the instructor notebook,
stays readable), there is no PID namespace (the kernel can read other processes' command lines),
no seccomp filter, and without root only step 4 and the scrubbed environment apply.
"""

import ctypes
import ctypes.util
import json
import os
import resource
import shutil
import sys
import time

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC = 0x00020000, 0x40000000, 0x08000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 2, 4, 4096, 8192, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
RLIMITS = {"AS": resource.RLIMIT_AS, "CPU": resource.RLIMIT_CPU, "NPROC": resource.RLIMIT_NPROC,
           "FSIZE": resource.RLIMIT_FSIZE, "NOFILE": resource.RLIMIT_NOFILE, "CORE": resource.RLIMIT_CORE}

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None):
    enc = lambda s: None if s is None else os.fsencode(s)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {source} on {target}")


def _inside(path, root):         # grading.files.inside: this script imports nothing of coursekit
    return path == root or path.startswith(root.rstrip("/") + "/")


def _mask(spec, index, chown_to):
    """Mount a fresh tmpfs over ``spec['target']`` that shows only ``spec['keep']`` (bind mounts),
    plus ``spec['workdir']`` (a new directory owned by the kernel's user, filled from ``seed``)."""
    target = spec["target"]
    if not os.path.isdir(target):
        return
    stage = spec["stage"]
    os.makedirs(stage, mode=0o700, exist_ok=True)
    _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec['size']},mode={spec.get('mode', '755')}")
    for keep in spec.get("keep", []):
        if not _inside(keep, target) or not os.path.exists(keep):
            continue
        dst = os.path.join(stage, os.path.relpath(keep, target))
        if os.path.isdir(keep):
            os.makedirs(dst, mode=0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(dst), mode=0o755, exist_ok=True)
            open(dst, "ab").close()
        _mount(keep, dst, None, MS_BIND | MS_REC)
    work = spec.get("workdir")
    if work and _inside(work, target):
        dst = os.path.join(stage, os.path.relpath(work, target))
        os.makedirs(dst, mode=0o755, exist_ok=True)
        os.chmod(dst, 0o700)
        _seed(spec.get("seed"), dst, chown_to)
    _mount(stage, target, None, MS_MOVE)


def _seed(seed, dst, chown_to):
    """Copy the scratch files into ``dst`` (no symlinks followed) and give them to the kernel's user."""
    if seed and os.path.isdir(seed):
        shutil.copytree(seed, dst, symlinks=True, dirs_exist_ok=True)
    if chown_to is not None:
        for root, dirs, files in os.walk(dst):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), *chown_to)
        os.chown(dst, *chown_to)


def _become_kernel(cfg, workdir):
    """Steps 4 and 5: limits, the kernel's own uid, a scrubbed environment, ``execve``."""
    uid, gid = cfg.get("uid"), cfg.get("gid")
    for name, (soft, hard) in cfg.get("rlimits", {}).items():
        resource.setrlimit(RLIMITS[name], (soft, hard))
    if uid is not None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    if cfg.get("no_new_privs"):
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.umask(0o077)
    os.chdir(workdir)
    env = dict(cfg.get("env", {}))
    if cfg.get("parent_pid") and "JPY_PARENT_PID" in os.environ:   # lets ipykernel exit if the grader dies
        env["JPY_PARENT_PID"] = os.environ["JPY_PARENT_PID"]
    argv = cfg["argv"]
    os.execve(argv[0], argv, env)


def _copy_connection(conn, chown_to):
    if conn:                                                # a copy the kernel's user may read
        shutil.copyfile(conn["src"], conn["dst"])
        os.chmod(conn["dst"], 0o400)
        if chown_to is not None:
            os.chown(conn["dst"], *chown_to)


def main(config_path):
    with open(config_path) as f:
        cfg = json.load(f)
    for path in cfg.get("cgroup_procs", []):              # before anything else: all that follows is inside
        with open(path, "w") as f:
            f.write(str(os.getpid()))
    if cfg.get("bwrap"):                                   # options through a file descriptor: the
        argv = cfg["bwrap"]                                # sandbox's pid 1 shows no host path
        cut = argv.index("--")
        fd = os.memfd_create("bwrap-args", 0)
        os.write(fd, b"".join(os.fsencode(a) + b"\0" for a in argv[1:cut]))
        os.lseek(fd, 0, os.SEEK_SET)
        os.set_inheritable(fd, True)
        os.execv(argv[0], [argv[0], "--args", str(fd)] + argv[cut:])
    uid, gid = cfg.get("uid"), cfg.get("gid")
    chown_to = (uid, gid) if uid is not None else None
    flags = {"mount": CLONE_NEWNS, "net": CLONE_NEWNET, "ipc": CLONE_NEWIPC}
    unshare = sum(flags[n] for n in cfg.get("unshare", []))
    if unshare:
        _check(_libc.unshare(unshare), "unshare")
    if cfg.get("unshare") and "mount" in cfg["unshare"]:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)       # nothing we mount propagates to the host
    _copy_connection(cfg.get("connection_file"), chown_to)
    for i, spec in enumerate(cfg.get("masks", [])):
        _mask(spec, i, chown_to)
    for path in cfg.get("hide_files", []):
        if os.path.isfile(path):
            _mount("/dev/null", path, None, MS_BIND)
    _become_kernel(cfg, cfg["workdir"])                     # (without masks the grader made the workdir)


def inside(config_path):
    """The second half under bubblewrap: root in the sandbox, with only the capabilities it needs."""
    with open(config_path) as f:
        cfg = json.load(f)["inside"]
    try:
        os.setsid()
    except OSError:
        pass
    uid, gid = cfg.get("uid"), cfg.get("gid")
    chown_to = (uid, gid) if uid is not None else None
    _copy_connection(cfg.get("connection_file"), chown_to)
    workdir = cfg["workdir"]
    os.makedirs(workdir, mode=0o700)
    _seed(cfg.get("seed"), workdir, chown_to)
    _become_kernel(cfg, workdir)


def kill_uid(uid):
    """Become ``uid`` and ``kill(-1, SIGKILL)`` until none of its processes is left alive.

    A fresh single-threaded process does this, not the grader: forking the multi-threaded grader to
    change uid can deadlock (e.g. in OpenBLAS's fork handlers)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    me = os.getpid()
    for _ in range(400):
        try:
            os.kill(-1, 9)
        except ProcessLookupError:
            return
        if not any(_alive(pid, uid) for pid in os.listdir("/proc") if pid.isdigit() and int(pid) != me):
            return
        time.sleep(0.005)


def _alive(pid, uid):
    try:
        if os.stat(f"/proc/{pid}").st_uid != uid:
            return False
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


if __name__ == "__main__":
    if sys.argv[1] == "--kill-uid":
        kill_uid(int(sys.argv[2]))
        sys.exit(0)
    try:
        inside(sys.argv[2]) if sys.argv[1] == "--inside" else main(sys.argv[1])
    except BaseException as exc:                           # the grader reads this from the log
        print(f"coursekit launcher: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        os._exit(70)
