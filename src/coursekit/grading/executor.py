"""Run one submission in a sandboxed kernel, then ask every check — whatever the cells do.

Each code cell is sent as one ``execute_request`` (errors allowed, so one broken cell does not stop
the rest) over the grader's own bounded sockets (:mod:`coursekit.grading.channels`), under a
per-cell and a per-notebook time limit. The limits count the kernel's *own* time: the wall clock
minus the time its main thread spent runnable but waiting for a CPU that a neighbour had (Linux's
``schedstat``), so a busy machine or a hostile kernel next door cannot time an honest cell out; a
cell is stopped at the latest after ``WALL_FACTOR`` times its limit of wall-clock time. A timeout
escalates: SIGINT, then, if the kernel does not answer within a grace period, kill it (and
everything in its cgroup, or of its uid), start a fresh kernel and replay the cells that had
completed, skipping the one that hung or killed the kernel. At most ``Limits.max_restarts``
restarts; a watchdog thread kills the kernel at a hard deadline even if this event loop were stuck.

Then the *ask* phase, one request per check, in the same kernel:

* a public check (shipped in coursekit): the kernel drops every cached ``coursekit`` module,
  imports :mod:`coursekit.grading.registry` afresh and evaluates
  ``ask(name, <answer expression>, seed)``; the JSON comes back in the reply's
  ``user_expressions`` (not through stdout, so a replaced ``print``/``sys.stdout`` changes nothing);
* a private check: its ``ask`` runs *here*, in the grader, with a stand-in for the student's
  function whose calls go to the kernel as plain data (:mod:`coursekit.grading.remote`).

Outputs are counted, never stored or decoded: a flood of printed megabytes costs the grader nothing.
Nothing is judged here; :mod:`coursekit.grading.grader` does that with the returned data.
"""

from __future__ import annotations

import ast
import asyncio
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import plain
from .channels import DROPPED, SHELL_MAX, Wire
from .kernel import Isolation, Limits, Slot, start_kernel, stop_kernel
from .registry import get_check

PREPARE = """\
def _coursekit_prepare(names):
    import sys
    for name in [m for m in list(sys.modules) if m == "coursekit" or m.startswith("coursekit.")]:
        sys.modules.pop(name, None)
    from coursekit.grading import registry, remote
    for name in names:                  # imports only the chapters' check modules these names need
        try:
            registry.get_check(name)
        except KeyError:
            pass
_coursekit_prepare(%r)
del _coursekit_prepare
"""
REGISTRY = "__import__('coursekit.grading.registry', fromlist=['ask'])"
REMOTE = "__import__('coursekit.grading.remote', fromlist=['call'])"
MAX_PAYLOAD_CHARS = SHELL_MAX * 3 // 4          # an answer's text within one reply
WALL_FACTOR = 3                                  # a starved cell still stops after 3x its limit of wall time
POLL_S = 0.2


@dataclass
class Ask:
    name: str
    expression: str        # the answer, as an expression in the notebook's namespace
    seed: int
    private: bool = False


@dataclass
class AskResult:
    kind: str              # "answered" (payload to judge) | "undefined" | "error" | "timeout" | "died" | "skipped"
    payload: str | None = None
    detail: str = ""


@dataclass
class Incident:
    kind: str              # "timeout" | "died" | "notebook timeout"
    where: str             # "cell 7" or "check optim.sigmoid"
    detail: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "where": self.where, "detail": self.detail}


@dataclass
class RunResult:
    cell_seconds: float = 0.0          # the notebook's own execution time (first run of each cell, wall clock)
    cells_run: int = 0
    output_bytes: int = 0
    dropped_outputs: int = 0           # output messages above the size limit (dropped unread)
    errors: int = 0
    first_error: dict | None = None
    incidents: list[Incident] = field(default_factory=list)
    restarts: int = 0
    notebook_timed_out: bool = False
    kernel_failure: str = ""           # the kernel could not be started (at all, or again)
    answers: dict[str, AskResult] = field(default_factory=dict)
    wall_seconds: float = 0.0
    resources: dict = field(default_factory=dict)   # the kernels' cgroup: peak memory, CPU seconds, OOM kills

    def add_resources(self, stats: dict) -> None:
        r = self.resources
        for key, value in stats.items():
            r[key] = max(r.get(key, 0), value) if key == "peak_memory_mb" else round(r.get(key, 0) + value, 3)


class KernelSession:
    """One sandboxed kernel and the grader's bounded sockets to it."""

    def __init__(self, iso: Isolation, limits: Limits, files: dict[str, bytes], cpu_s: float):
        self.iso, self.limits, self.files, self.cpu_s = iso, limits, files, cpu_s
        self.slot: Slot | None = None
        self.km = None
        self.wire: Wire | None = None

    async def start(self) -> None:
        self.slot = Slot(self.iso, self.limits, self.files, self.cpu_s)
        try:
            self.km = await start_kernel(self.slot)
            self.wire = Wire(self.km)
            self.wire.start()
            await self._wait_ready()
            self.slot.find_kernel(self.pid)
            self.slot.seal()
        except Exception as exc:
            reason = self.slot.log_tail(400).splitlines() if self.slot else []
            await self.close()
            raise RuntimeError(reason[-1] if reason else f"{type(exc).__name__}: {exc}") from None

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.limits.startup_s
        while time.monotonic() < deadline:
            msg_id, fut = self.wire.send("kernel_info_request", {})
            try:
                reply = await asyncio.wait_for(asyncio.shield(fut), 1.0)
                if reply is not DROPPED:
                    return
            except asyncio.TimeoutError:
                self.wire.forget(msg_id)
            if not await self.km.is_alive():
                raise RuntimeError("the kernel died before it answered")
        raise RuntimeError(f"the kernel did not answer within {self.limits.startup_s:g} s")

    @property
    def pid(self) -> int | None:
        try:
            return self.km.provisioner.pid
        except AttributeError:
            return None

    async def _await_reply(self, msg_id: str, fut: asyncio.Future, budget: float) -> tuple[str, Any, float]:
        """Wait for a reply while the kernel's own time stays within ``budget`` seconds (and the wall
        clock within ``WALL_FACTOR`` times it). ("ok" | "timeout" | "died" | "dropped", reply, own seconds)."""
        t0, waited0 = time.monotonic(), self.slot.waited_s()
        while True:
            wall = time.monotonic() - t0
            own = max(0.0, wall - (self.slot.waited_s() - waited0))
            if own >= budget or wall >= WALL_FACTOR * budget:
                self.wire.forget(msg_id)
                return "timeout", None, own
            try:
                reply = await asyncio.wait_for(asyncio.shield(fut), min(POLL_S, budget - own))
            except asyncio.TimeoutError:
                if not await self.km.is_alive():
                    self.wire.forget(msg_id)
                    return "died", None, own
                continue
            except asyncio.CancelledError:
                if fut.cancelled():               # forgotten by another path
                    return "timeout", None, own
                raise
            if reply is DROPPED:
                await asyncio.sleep(0.2)          # a dying kernel also drops its connections
                return ("dropped" if await self.km.is_alive() else "died"), None, own
            return "ok", reply, own

    async def run_cell(self, source: str, timeout: float) -> tuple[str, dict, float, float]:
        """("ok" | "error" | "timeout" | "died", reply content, wall seconds, own seconds)."""
        t0 = time.monotonic()
        msg_id, fut = self.wire.execute(source, silent=False, store_history=True)
        kind, reply, own = await self._await_reply(msg_id, fut, timeout)
        wall = time.monotonic() - t0
        if kind == "dropped":
            return "error", {"status": "error", "ename": "Error",
                             "evalue": f"the cell's reply was larger than {SHELL_MAX // 2**20} MiB and was dropped"}, wall, own
        if kind != "ok":
            return kind, {}, wall, own
        content = reply.get("content", {})
        return ("error" if content.get("status") == "error" else "ok"), content, wall, own

    async def request(self, code: str, expressions: dict[str, str], timeout: float) -> tuple[str, dict]:
        """Execute ``code`` silently and evaluate ``expressions``: ("ok", reply content) | ("timeout"|"died", {})."""
        msg_id, fut = self.wire.execute(code, silent=True, store_history=False, user_expressions=expressions)
        kind, reply, _ = await self._await_reply(msg_id, fut, timeout)
        if kind == "dropped":
            return "ok", {"status": "ok", "user_expressions": {key: {
                "status": "error", "ename": "AnswerTooLarge",
                "evalue": f"the answer is larger than {SHELL_MAX // 2**20} MiB"} for key in expressions}}
        return (kind, reply.get("content", {})) if kind == "ok" else (kind, {})

    async def interrupt(self) -> bool:
        """SIGINT the kernel; True if it finishes what it was running within the grace period."""
        try:
            await self.km.interrupt_kernel()
        except Exception:
            return False
        msg_id, fut = self.wire.execute("", silent=True, store_history=False)   # answered once it is free
        kind, _, _ = await self._await_reply(msg_id, fut, self.limits.interrupt_grace_s)
        return kind == "ok"

    async def close(self) -> dict:
        """Stop the kernel, remove its slot; returns its cgroup's resource use."""
        stats = {}
        if self.wire is not None:
            try:
                await self.wire.close()
            except Exception:
                pass
        if self.slot is not None:
            try:
                await stop_kernel(self.km, self.slot)
                stats = self.slot.stats()
            finally:                    # the scratch directory goes even if stopping the kernel failed
                self.slot.remove()
        self.km = None
        return stats


def _describe_error(content: dict) -> tuple[str, str]:
    return str(content.get("ename", "Error"))[:200], str(content.get("evalue", ""))[:500]


def _read_expression(content: dict, key: str = "r") -> tuple[str, Any]:
    """Decode a user expression: ("ok", str) | ("undefined", name) | ("error", message)."""
    if content.get("status") != "ok":
        return "error", "the kernel could not evaluate the check"
    expr = (content.get("user_expressions") or {}).get(key) or {}
    if expr.get("status") != "ok":
        ename, evalue = str(expr.get("ename", "")), str(expr.get("evalue", ""))
        if ename == "NameError":
            return "undefined", evalue[:200]
        return "error", f"{ename}: {evalue}"[:500]
    text = (expr.get("data") or {}).get("text/plain", "")
    if len(text) > MAX_PAYLOAD_CHARS:
        return "error", "the answer is too large to be checked"
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return "error", "the answer could not be read back from the notebook"
    if not isinstance(value, str):
        return "error", "the answer could not be read back from the notebook"
    return "ok", value


class _KernelGone(Exception):
    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class _StudentError(Exception):
    pass


class _RemoteFunction:
    """Stands in for the student's function inside a private check's ``ask``."""

    def __init__(self, expression: str, evaluate: Callable[[str], tuple[str, Any]]):
        self._expression, self._evaluate = expression, evaluate

    def __call__(self, *args, **kwargs):
        try:
            arguments = plain.dumps([list(args), kwargs])
        except (plain.NotPlainData, ValueError, TypeError) as exc:
            raise RuntimeError(f"a hidden check may pass only data to the answer ({exc})") from None
        status, value = self._evaluate(f"{REMOTE}.call(({self._expression}), {arguments!r})")
        if status != "ok":
            raise _StudentError(value)
        reply = plain.loads(value)
        if reply.get("status") != "ok":
            raise _StudentError(reply.get("error", "error"))
        return reply.get("data")


def _private_ask(ask: Ask, evaluate: Callable[[str], tuple[str, Any]]) -> AskResult:
    """A private check's ask half, run in the grader with the kernel behind ``evaluate``."""
    chk = get_check(ask.name)
    try:
        status, value = evaluate(f"{REMOTE}.describe(({ask.expression}))")
        if status == "undefined":
            return AskResult("undefined", detail=value)
        if status != "ok":
            return AskResult("error", detail=value)
        desc = plain.loads(value)
        if desc["kind"] == "unanswered":
            return AskResult("answered", plain.dumps({"status": "not attempted"}))
        if desc["kind"] == "other":
            return AskResult("error", detail=f"a hidden check cannot use an answer of type {desc.get('type')}")
        answer = desc["value"] if desc["kind"] == "plain" else _RemoteFunction(ask.expression, evaluate)
        try:
            data = chk.ask(answer, chk.inputs(np.random.default_rng(ask.seed)))
        except _StudentError as exc:            # as registry.ask decides for public checks
            if str(exc).startswith("NotImplementedError"):
                return AskResult("answered", plain.dumps({"status": "not attempted", "reason":
                                 "Your code raises NotImplementedError: replace it with your answer."}))
            return AskResult("answered", plain.dumps({"status": "error", "error": str(exc)}))
        try:
            return AskResult("answered", plain.dumps({"status": "answered", "data": data}))
        except (plain.NotPlainData, ValueError) as exc:
            return AskResult("answered", plain.dumps({"status": "answered", "unreadable": str(exc)[:300]}))
    except _KernelGone as exc:
        return AskResult(exc.kind)
    except Exception as exc:             # the check's own code failed: the checker's fault, not the student's
        return AskResult("answered", plain.dumps({"status": "checker error", "error": (
            f"The hidden check {ask.name!r} itself failed ({type(exc).__name__}). This is a problem in the "
            "private tests, not in your answer: tell your instructor.")}))


class Runner:
    """Runs ``cells`` then ``asks`` for one submission; :meth:`run` returns a :class:`RunResult`."""

    def __init__(self, cells: list[tuple[int, str]], asks: list[Ask], limits: Limits, iso: Isolation,
                 files: dict[str, bytes]):
        self.cells, self.asks, self.limits, self.iso, self.files = cells, asks, limits, iso, files
        self.result = RunResult()
        self.session: KernelSession | None = None
        self.skip: set[int] = set()
        self.first_pass = -1
        n = len(asks) + 1
        self.nb_left = 0.0                 # the notebook's own time left (see the module docstring)
        self.hard_s = (limits.startup_s * (limits.max_restarts + 1)
                       + WALL_FACTOR * (2 * limits.notebook_s + n * limits.cell_s)
                       + limits.interrupt_grace_s * (limits.max_restarts + n) + 30)
        self.cpu_s = limits.notebook_s + n * limits.cell_s + 10

    # -------------------------------------------------------------- kernel lifecycle

    async def _start(self) -> bool:
        self.session = KernelSession(self.iso, self.limits, self.files, self.cpu_s)
        try:
            await self.session.start()
            return True
        except Exception as exc:
            self.result.kernel_failure = str(exc) or type(exc).__name__
            self.session = None
            return False

    async def _close_session(self) -> None:
        if self.session is not None:
            wire = self.session.wire
            if wire is not None:
                self.result.output_bytes += wire.output_bytes
                self.result.dropped_outputs += wire.dropped_outputs
            self.result.add_resources(await self.session.close())
            self.session = None

    async def _restart(self) -> bool:
        """A fresh kernel with the completed cells replayed (not those that hung or killed one)."""
        await self._close_session()
        while self.result.restarts < self.limits.max_restarts and time.monotonic() < self.hard_deadline:
            self.result.restarts += 1
            if not await self._start():
                return False
            if await self._cells():
                return True
        await self._close_session()
        return False

    def _watchdog(self) -> threading.Timer:
        """Kill whatever kernel is current at the hard deadline, from outside the event loop."""
        def fire():
            s = self.session
            if s is not None and s.slot is not None:
                s.slot.kill_all(s.pid)
        timer = threading.Timer(self.hard_s, fire)
        timer.daemon = True
        timer.start()
        return timer

    # -------------------------------------------------------------- the cells

    async def _cells(self) -> bool:
        """Run every non-skipped cell; on a hang or death skip it and restart. False: no kernel left."""
        pos = 0
        while pos < len(self.cells):
            if pos in self.skip:
                pos += 1
                continue
            remaining = self.nb_left
            number, source = self.cells[pos]
            if remaining <= 0:
                if not self.result.notebook_timed_out:
                    self.result.notebook_timed_out = True
                    self.result.incidents.append(Incident("notebook timeout", f"cell {number}",
                                                          f"the notebook ran longer than {self.limits.notebook_s:g} s"))
                return self.session is not None
            kind, content, seconds, own = await self.session.run_cell(source, min(self.limits.cell_s, remaining))
            self.nb_left -= own
            first = pos > self.first_pass
            if first:
                self.first_pass = pos
                self.result.cell_seconds += seconds
                self.result.cells_run += 1
            if kind in ("ok", "error"):
                if kind == "error" and first:
                    self._record_error(number, source, content)
                pos += 1
                continue
            self.skip.add(pos)
            if kind == "timeout":
                hit_notebook_limit = self.limits.cell_s > remaining
                detail = (f"the notebook ran longer than {self.limits.notebook_s:g} s" if hit_notebook_limit
                          else f"ran longer than {self.limits.cell_s:g} s and was stopped")
                self.result.notebook_timed_out |= hit_notebook_limit
                self.result.incidents.append(Incident("notebook timeout" if hit_notebook_limit else "timeout",
                                                      f"cell {number}", detail))
                if await self.session.interrupt():
                    pos += 1
                    continue
            else:
                self.result.incidents.append(Incident("died", f"cell {number}", self._death()))
            return await self._restart()
        return True

    def _death(self) -> str:
        code = None
        try:
            code = self.session.km.provisioner.process.poll()
        except AttributeError:
            pass
        stats = self.session.slot.stats() if self.session and self.session.slot else {}
        if stats.get("oom_kills"):
            return (f"the kernel was killed: its processes together used more than {self.limits.memory_mb} MiB "
                    "(the memory limit)")
        if code is not None and code > 128 and self.iso.bwrap:       # bubblewrap reports a signal as 128 + n
            code = 128 - code
        if code is not None and code < 0:
            try:
                return f"the kernel was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"the kernel was killed by signal {-code}"
        return "the kernel exited" + (f" (exit code {code})" if code is not None else "")

    def _record_error(self, number: int, source: str, content: dict) -> None:
        self.result.errors += 1
        if self.result.first_error is None:
            ename, evalue = _describe_error(content)
            first_line = next((ln for ln in source.splitlines() if ln.strip()), "")[:120]
            self.result.first_error = {"cell": number, "ename": ename, "evalue": evalue, "source": first_line}

    # -------------------------------------------------------------- the checks

    async def _ask(self, ask: Ask) -> AskResult:
        loop = asyncio.get_running_loop()
        session = self.session
        if not ask.private:
            expr = f"{REGISTRY}.ask({ask.name!r}, ({ask.expression}), {ask.seed})"
            kind, content = await session.request("", {"r": expr}, self.limits.cell_s)
            if kind != "ok":
                return AskResult(kind)
            status, value = _read_expression(content)
            return AskResult("answered", value) if status == "ok" else AskResult(status, detail=value)
        deadline = time.monotonic() + self.limits.cell_s

        def evaluate(expression: str) -> tuple[str, Any]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _KernelGone("timeout")
            fut = asyncio.run_coroutine_threadsafe(session.request("", {"r": expression}, remaining), loop)
            kind, content = fut.result()
            if kind != "ok":
                raise _KernelGone(kind)
            return _read_expression(content)

        return await asyncio.to_thread(_private_ask, ask, evaluate)

    async def _prepare(self) -> None:
        names = sorted({a.name for a in self.asks if not a.private})
        await self.session.request(PREPARE % (names,), {}, self.limits.cell_s)

    async def _asks(self) -> None:
        prepared = False
        for ask in self.asks:
            if self.session is None:
                self.result.answers[ask.name] = AskResult("skipped", detail=self.result.kernel_failure or
                                                          "the kernel could not be restarted")
                continue
            if not prepared:
                await self._prepare()
                prepared = True
            res = await self._ask(ask)
            self.result.answers[ask.name] = res
            if res.kind in ("timeout", "died"):
                detail = (f"ran longer than {self.limits.cell_s:g} s" if res.kind == "timeout" else self._death())
                self.result.incidents.append(Incident(res.kind, f"check {ask.name}", detail))
                if res.kind == "timeout" and await self.session.interrupt():
                    continue
                prepared = False
                self.nb_left = max(self.nb_left, self.limits.notebook_s)
                if not await self._restart():
                    self.result.kernel_failure = self.result.kernel_failure or "the kernel could not be restarted"

    # -------------------------------------------------------------- all of it

    async def run(self) -> RunResult:
        t0 = time.monotonic()
        self.hard_deadline = t0 + self.hard_s
        timer = self._watchdog()
        try:
            if await self._start():
                self.nb_left = self.limits.notebook_s
                await self._cells()
            await self._asks()
        finally:
            timer.cancel()
            await self._close_session()
            self.result.wall_seconds = time.monotonic() - t0
        return self.result


def run_submission(cells: list[tuple[int, str]], asks: list[Ask], limits: Limits, iso: Isolation,
                   files: dict[str, bytes]) -> RunResult:
    """Synchronous entry point (each call has its own event loop: safe in any worker thread)."""
    return asyncio.run(Runner(cells, asks, limits, iso, files).run())
