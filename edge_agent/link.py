"""The agent's end of the local link to its lock screen: authenticated, typed, never crashed by a peer.

A transport accepts connections and says who is on the other end (``Peer``): on Linux a Unix socket in a
folder only the agent's user may enter, with the peer's credentials from ``SO_PEERCRED``; on Windows a
named pipe would be one more transport class (its peer from ``GetNamedPipeClientProcessId``).

Only the UI process the agent started may use the link: its process id must be the one the guard
spawned, and its first line must be a ``hello`` with the secret handed to it at spawn (compared in
constant time), within ``HELLO_TIMEOUT_S``. Anything else is refused, counted, reported to the guard (which
journals a ``tamper.link_refused``) and disconnected. Once in, a line that is not a valid request gets an
``error`` reply; nothing a peer sends can raise out of here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from edge_agent.link_models import (
    MAX_LINE,
    UI_MESSAGE,
    Activity,
    CodeLoginRequest,
    EndSessionRequest,
    Error,
    Hello,
    LinkModel,
    MemberLoginRequest,
    Ping,
    PriceRequest,
    ScreenState,
    UiMessage,
    encode_line,
)

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Peer:
    pid: int | None
    uid: int | None


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, Peer], Awaitable[None]]


class Transport(Protocol):
    """Where the UI connects: starts serving ``handler`` and says where (for the UI's command line)."""

    address: str

    async def start(self, handler: Handler) -> None: ...
    async def close(self) -> None: ...


class UnixSocketTransport:
    """A Unix socket in a 0700 folder, the socket itself 0600: only the agent's user can even connect;
    ``SO_PEERCRED`` then names the process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "ui.sock"
        self.address = str(self.path)
        self._server: asyncio.Server | None = None

    async def start(self, handler: Handler) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a socket left by a previous run

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await handler(reader, writer, peer_of(writer))

        self._server = await asyncio.start_unix_server(accept, path=self.address, limit=MAX_LINE + 1)
        os.chmod(self.path, 0o600)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def peer_of(writer: asyncio.StreamWriter) -> Peer:
    sock = writer.get_extra_info("socket")
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return Peer(None, None)
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return Peer(None, None)
    pid, uid, _gid = struct.unpack("3i", raw)
    return Peer(pid, uid)


class LinkRequests(Protocol):
    """What the link asks of the agent for an authenticated UI."""

    async def on_request(self, request: UiMessage) -> LinkModel | None: ...
    def on_ping(self, shown: int | None) -> None:
        """The UI is alive; ``shown``: the version of the state it shows, when it says."""
        ...

    def on_refused(self, reason: str, peer: Peer) -> None: ...
    def on_connected(self) -> None: ...


class LinkServer:
    """Serves the UI over ``transport``; ``expected()`` is the (pid, secret) of the UI the guard started."""

    def __init__(
        self,
        transport: Transport,
        requests: LinkRequests,
        expected: Callable[[], tuple[int | None, str | None]],
    ) -> None:
        self.transport = transport
        self._requests = requests
        self._expected = expected
        self.refused = 0
        self.malformed = 0
        self._writer: asyncio.StreamWriter | None = None
        self._last: ScreenState | None = None
        self._answering: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self.transport.start(self._serve)

    async def close(self) -> None:
        await self.transport.close()

    @property
    def connected(self) -> bool:
        return self._writer is not None

    @property
    def last_version(self) -> int:
        """The version of the last state pushed (0: none yet)."""
        return self._last.version if self._last is not None else 0

    async def push(self, state: ScreenState) -> None:
        """Send the screen's state to the UI (kept for the next UI if none is connected)."""
        self._last = state
        await self._send(state)

    async def _send(self, message: LinkModel) -> None:
        writer = self._writer
        if writer is None:
            return
        try:
            writer.write(encode_line(message))
            await writer.drain()
        except (ConnectionError, OSError):
            self._drop(writer)

    def _drop(self, writer: asyncio.StreamWriter) -> None:
        if self._writer is writer:
            self._writer = None
        writer.close()

    def _refuse(self, writer: asyncio.StreamWriter, reason: str, peer: Peer) -> None:
        self.refused += 1
        log.warning("local link: refused pid %s uid %s: %s", peer.pid, peer.uid, reason)
        self._requests.on_refused(reason, peer)
        writer.close()

    async def _authenticate(self, reader: asyncio.StreamReader, peer: Peer) -> str | None:
        """None if the peer is the UI the guard started; otherwise why not."""
        pid, secret = self._expected()
        if secret is None:
            return "no lock screen was started"
        if pid is not None and peer.pid is not None and peer.pid != pid:
            return f"process {peer.pid} is not the lock screen the agent started ({pid})"
        try:
            line = await asyncio.wait_for(reader.readline(), HELLO_TIMEOUT_S)
        except TimeoutError:
            return "no hello in time"
        except (ValueError, ConnectionError, asyncio.LimitOverrunError):
            return "an unreadable hello"
        try:
            hello = UI_MESSAGE.validate_json(line)
        except ValidationError:
            return "the first message is not a valid hello"
        if not isinstance(hello, Hello):
            return "the first message is not a hello"
        if not hmac.compare_digest(hello.secret.encode(), secret.encode()):
            return "a wrong secret"
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer) -> None:
        try:
            why = await self._authenticate(reader, peer)
            if why is not None:
                self._refuse(writer, why, peer)
                return
            if self._writer is not None:
                self._drop(self._writer)  # the old UI's connection: the new one is the guard's
            self._writer = writer
            self._requests.on_connected()
            if self._last is not None:
                await self._send(self._last)
            await self._read(reader, writer)
        except Exception:  # a peer must never take the agent down
            log.exception("local link: connection failed")
        finally:
            self._drop(writer)

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while self._writer is writer:
            try:
                line = await reader.readline()
            except (ValueError, asyncio.LimitOverrunError):
                self.malformed += 1
                await self._send(Error(message=f"a line longer than {MAX_LINE} bytes"))
                return
            except ConnectionError:
                return
            if not line:
                return
            try:
                message = UI_MESSAGE.validate_json(line)
            except ValidationError as exc:
                self.malformed += 1
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "line"
                await self._send(Error(message=f"{where}: {first['msg']}"[:256]))
                continue
            match message:
                case Ping():
                    self._requests.on_ping(message.shown)
                case Hello():
                    await self._send(Error(message="already authenticated"))
                case (
                    Activity()
                    | MemberLoginRequest()
                    | CodeLoginRequest()
                    | EndSessionRequest()
                    | PriceRequest()
                ):
                    self._requests.on_ping(None)  # any message proves the UI's loop is alive
                    # Requests are answered in turn; a login waits for the hub without blocking pings.
                    task = asyncio.create_task(self._answer(message))
                    self._answering.add(task)
                    task.add_done_callback(self._answering.discard)

    async def _answer(self, request: UiMessage) -> None:
        try:
            reply = await self._requests.on_request(request)
        except Exception:
            log.exception("local link: request %s failed", request.op)
            reply = Error(message=f"{request.op} failed; try again")
        if reply is not None:
            await self._send(reply)
