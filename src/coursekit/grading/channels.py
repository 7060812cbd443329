"""The grader's end of a kernel's ZeroMQ sockets, with the grader's own memory bounded.

A kernel is hostile input too: it can flood its IOPub channel with gigabytes while the grader waits
for an answer, or send replies of any size. So the grader talks to it over sockets it makes itself
(not ``jupyter_client``'s channels, which keep and decode everything):

* every socket refuses messages above a size (``ZMQ_MAXMSGSIZE``: the connection is dropped
  before the message is read) and queues at most a few (``ZMQ_RCVHWM``): further messages wait in
  the kernel, not here;
* one task reads both sockets all the time, so nothing piles up unread: IOPub messages are only
  measured (their header is decoded when it is small; their content never is), shell messages are
  decoded only when they are the reply to a request of ours;
* a socket dropped for an oversized message is counted (as at least the size limit, for the
  output), replaced by a fresh connection, and a reply lost with it is reported as too large.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import zmq
import zmq.asyncio
from zmq.utils.monitor import parse_monitor_message

__all__ = ["Wire", "DROPPED", "IOPUB_MAX", "SHELL_MAX"]

IOPUB_MAX = 32 * 2**20          # one output message (a print loop sends its whole output as one)
SHELL_MAX = 16 * 2**20          # one reply (an answer to a check travels in one)
QUEUE = 4                       # messages queued per socket
SMALL = 64 * 2**10              # headers above this are not decoded
DELIM = b"<IDS|MSG>"
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "update_display_data"}
DROPPED = {"dropped": True}     # a reply lost with a connection dropped for an oversized message


def _small_json(frame) -> Any:
    if len(frame) > SMALL:
        return None
    try:
        return json.loads(frame.bytes)
    except ValueError:
        return None


class Wire:
    """Shell and IOPub sockets to one kernel (``ipc`` transport), read by one background task."""

    def __init__(self, km):
        self.km, self.session = km, km.session
        self.ctx = zmq.asyncio.Context()
        self.output_bytes = 0
        self.dropped_outputs = 0              # IOPub connections dropped for an oversized message
        self.dropped_replies = 0
        self._pending: dict[str, asyncio.Future] = {}
        self._task: asyncio.Task | None = None
        self.shell = self.iopub = self._shell_mon = self._iopub_mon = None

    def _url(self, channel: str) -> str:
        info = self.km.get_connection_info()
        return f"ipc://{info['ip']}-{info[channel + '_port']}"

    def _connect(self, channel: str):
        kind, limit = (zmq.DEALER, SHELL_MAX) if channel == "shell" else (zmq.SUB, IOPUB_MAX)
        sock = self.ctx.socket(kind)
        sock.setsockopt(zmq.MAXMSGSIZE, limit)
        sock.setsockopt(zmq.RCVHWM, QUEUE)
        sock.setsockopt(zmq.SNDHWM, QUEUE)
        sock.setsockopt(zmq.LINGER, 0)
        if kind == zmq.SUB:
            sock.setsockopt(zmq.SUBSCRIBE, b"")
        monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
        sock.connect(self._url(channel))
        return sock, monitor

    def _replace(self, channel: str) -> None:
        old, mon = (self.shell, self._shell_mon) if channel == "shell" else (self.iopub, self._iopub_mon)
        with contextlib.suppress(zmq.ZMQError):
            old.disable_monitor()
        mon.close(linger=0)
        old.close(linger=0)
        new = self._connect(channel)
        if channel == "shell":
            self.shell, self._shell_mon = new
        else:
            self.iopub, self._iopub_mon = new

    def start(self) -> None:
        self.shell, self._shell_mon = self._connect("shell")
        self.iopub, self._iopub_mon = self._connect("iopub")
        self._task = asyncio.ensure_future(self._pump())

    # ------------------------------------------------------------------ requests

    def send(self, msg_type: str, content: dict) -> tuple[str, asyncio.Future]:
        msg = self.session.msg(msg_type, content)
        msg_id = msg["header"]["msg_id"]
        fut = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = fut
        self.session.send(self.shell, msg)
        return msg_id, fut

    def execute(self, code: str, *, silent: bool, store_history: bool,
                user_expressions: dict | None = None) -> tuple[str, asyncio.Future]:
        return self.send("execute_request", {"code": code, "silent": silent, "store_history": store_history,
                                             "user_expressions": user_expressions or {}, "allow_stdin": False,
                                             "stop_on_error": False})

    def forget(self, msg_id: str) -> None:
        fut = self._pending.pop(msg_id, None)
        if fut is not None and not fut.done():
            fut.cancel()

    # ------------------------------------------------------------------ the reader

    async def _pump(self) -> None:
        while True:
            try:
                await self._pump_once()
            except asyncio.CancelledError:
                raise
            except Exception:                  # a socket error must not stop the reading for good
                await asyncio.sleep(0.05)

    async def _pump_once(self) -> None:
        poller = zmq.asyncio.Poller()
        for s in (self.shell, self.iopub, self._shell_mon, self._iopub_mon):
            poller.register(s, zmq.POLLIN)
        ready = dict(await poller.poll(250))
        if self.iopub in ready:
            self._on_output(await self.iopub.recv_multipart(copy=False))
        if self.shell in ready:
            self._on_reply(await self.shell.recv_multipart(copy=False))
        if self._iopub_mon in ready and await self._dropped(self._iopub_mon):
            self.dropped_outputs += 1
            self.output_bytes += IOPUB_MAX            # at least this much was printed at once
            self._replace("iopub")
        if self._shell_mon in ready and await self._dropped(self._shell_mon):
            self.dropped_replies += 1
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_result(DROPPED)
            self._pending.clear()
            self._replace("shell")

    @staticmethod
    async def _dropped(monitor) -> bool:
        event = parse_monitor_message(await monitor.recv_multipart())
        return event["event"] in (zmq.EVENT_DISCONNECTED, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)

    @staticmethod
    def _split(frames):
        for i, f in enumerate(frames):
            if len(f) == len(DELIM) and f.bytes == DELIM:
                return frames[i + 1:]
        return None

    def _on_output(self, frames) -> None:
        parts = self._split(frames)
        if not parts or len(parts) < 5:
            return
        header = _small_json(parts[1])
        kind = header.get("msg_type") if isinstance(header, dict) else None
        if kind is None or kind in OUTPUT_TYPES:
            self.output_bytes += len(parts[4]) + sum(len(b) for b in parts[5:])

    def _on_reply(self, frames) -> None:
        parts = self._split(frames)
        if not parts or len(parts) < 5:
            return
        parent = _small_json(parts[2])
        msg_id = parent.get("msg_id") if isinstance(parent, dict) else None
        fut = self._pending.pop(msg_id, None) if isinstance(msg_id, str) else None
        if fut is None or fut.done():
            return                                         # not ours (or no longer awaited): never decoded
        try:
            msg = self.session.deserialize(parts, content=True, copy=False)
        except Exception:                                  # a forged or corrupt reply
            fut.set_result({"content": {"status": "error", "ename": "Error",
                                        "evalue": "the kernel's reply could not be read"}})
            return
        fut.set_result(msg)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        for fut in self._pending.values():
            fut.cancel()
        self._pending.clear()
        for s in (self.shell, self.iopub):
            if s is not None:
                with contextlib.suppress(zmq.ZMQError):
                    s.disable_monitor()
        for s in (self._shell_mon, self._iopub_mon, self.shell, self.iopub):
            if s is not None:
                s.close(linger=0)
        self.ctx.term()
