"""File-system steps the grader takes on folders it does not trust: walk, read, remove.

Everything in a submissions folder (and in a kernel's scratch folder) may be hostile: a FIFO named
``alice.ipynb`` (``open`` blocks forever), a symbolic-link loop (``Path.resolve`` raises), a folder
nested a thousand deep (recursive walks run out of stack), a folder a kernel made unreadable. So:

* :func:`walk` is iterative, never follows a symbolic link, stops at ``max_depth`` and after
  ``max_entries`` entries, and says which limit it hit;
* :func:`read_regular` opens without following a link and without blocking (``O_NONBLOCK``), checks
  with ``fstat`` that it opened a regular file, and reads at most ``limit + 1`` bytes;
* :func:`remove_tree` removes a tree with at most two directories open and no recursion: it hoists
  every subdirectory of a subdirectory up to the top (``rename`` within one file system), so the tree
  it works on is never more than two levels deep, whatever was inside.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass

__all__ = ["Entry", "Walk", "walk", "read_regular", "open_regular", "hash_regular", "remove_tree", "NotRegular",
           "inside"]


def inside(path: str, root: str) -> bool:
    """Whether the absolute path ``path`` is ``root`` or lies below it (by its text: neither is resolved).
    The standalone ``launcher.py`` keeps its own copy, since it runs without importing coursekit."""
    return path == root or path.startswith(root.rstrip("/") + "/")

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


class NotRegular(OSError):
    """The path is not a regular file (a FIFO, socket, device, directory or symbolic link)."""


@dataclass(frozen=True)
class Entry:
    rel: tuple[str, ...]      # path components below the walk's root
    mode: int                 # from lstat: never a link's target
    size: int

    @property
    def name(self) -> str:
        return self.rel[-1]

    @property
    def is_regular(self) -> bool:
        return stat.S_ISREG(self.mode)


@dataclass
class Walk:
    entries: list[Entry]
    too_deep: bool = False    # directories below max_depth were not entered
    too_many: bool = False    # the walk stopped after max_entries entries
    unreadable: int = 0       # directories that could not be listed


def walk(root, *, max_depth: int = 8, max_entries: int = 5000, skip_hidden: bool = True) -> Walk:
    """Every entry below ``root`` (not ``root`` itself), breadth first, sorted within a directory.

    Symbolic links are listed (as links) and never entered; so are FIFOs, sockets and devices,
    which are never opened. Hidden entries (a leading dot) are passed over when ``skip_hidden``."""
    out = Walk([])
    queue: list[tuple[str, ...]] = [()]
    root = os.fspath(root)
    while queue:
        rel = queue.pop(0)
        try:
            with os.scandir(os.path.join(root, *rel) if rel else root) as it:
                names = sorted(it, key=lambda e: os.fsencode(e.name))
        except OSError:
            out.unreadable += 1
            continue
        for e in names:
            if skip_hidden and e.name.startswith("."):
                continue
            if len(out.entries) >= max_entries:
                out.too_many = True
                return out
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            entry = Entry(rel + (e.name,), st.st_mode, st.st_size)
            out.entries.append(entry)
            if stat.S_ISDIR(st.st_mode):
                if len(entry.rel) < max_depth:
                    queue.append(entry.rel)
                else:
                    out.too_deep = True
    return out


def read_regular(path, limit: int) -> bytes:
    """The first ``limit + 1`` bytes of the regular file ``path`` (no link followed, never blocks)."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(f"{os.fsdecode(path)!r} is not a regular file")
        chunks, left = [], limit + 1
        while left > 0:
            try:
                chunk = os.read(fd, min(left, 1 << 20))
            except BlockingIOError:        # a regular file never does this; be safe anyway
                break
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def open_regular(path) -> int:
    """A file descriptor on the regular file ``path`` (no link followed, never blocks); the caller closes it."""
    fd = os.open(path, _OPEN_FLAGS)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotRegular(f"{os.fsdecode(path)!r} is not a regular file")
    return fd


def hash_regular(path, digest, limit: int) -> int:
    """Feed the first ``limit + 1`` bytes of the regular file ``path`` to ``digest`` in chunks (bounded
    memory); returns how many bytes that was."""
    fd, n = open_regular(path), 0
    try:
        while n <= limit:
            chunk = os.read(fd, min(limit + 1 - n, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            n += len(chunk)
        return n
    finally:
        os.close(fd)


def _open_dir(name, dir_fd=None) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except PermissionError:                # a kernel made it 000: we own the scratch, take it back
        os.chmod(name, 0o700, dir_fd=dir_fd)       # (only called on what lstat said is a directory)
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)


def remove_tree(path) -> bool:
    """Remove ``path`` and everything in it without recursion or following links; True if it is gone.

    The top directory's subdirectories are emptied one by one: files are unlinked, and each
    directory found inside is renamed up into the top directory (under a fresh name), so no
    directory deeper than two levels is ever opened. Entries that cannot be removed (another
    file system mounted inside) are left; the function never raises for what it finds inside."""
    path = os.fspath(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    if not stat.S_ISDIR(st.st_mode):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return not os.path.lexists(path)
    top = _open_dir(path)
    try:
        for _ in range(1_000_000):                       # bounded: each round removes or hoists something
            with os.scandir(top) as it:
                entries = [(e.name, e.is_dir(follow_symlinks=False)) for e in it]
            if not entries:
                break
            progress = False
            for name, is_dir in entries:
                if not is_dir:
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=top)
                        progress = True
                    continue
                try:
                    sub = _open_dir(name, dir_fd=top)
                except OSError:
                    continue
                try:
                    if os.fstat(sub).st_dev != st.st_dev:  # a mount point: leave it alone
                        continue
                    with os.scandir(sub) as it:
                        inner = [(e.name, e.is_dir(follow_symlinks=False)) for e in it]
                    for iname, idir in inner:
                        with contextlib.suppress(OSError):
                            if idir:
                                os.rename(iname, f".rm-{secrets.token_hex(8)}", src_dir_fd=sub, dst_dir_fd=top)
                            else:
                                os.unlink(iname, dir_fd=sub)
                            progress = True
                finally:
                    os.close(sub)
                with contextlib.suppress(OSError):
                    os.rmdir(name, dir_fd=top)
                    progress = True
            if not progress:
                break
    finally:
        os.close(top)
    with contextlib.suppress(OSError):
        os.rmdir(path)
    return not os.path.lexists(path)
