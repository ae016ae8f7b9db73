"""Redis commands of concurrent requests, sent together: one pipeline, one round trip.

Sent one at a time, each command would cost a request a connection from the pool, a
socket write, timers and a wake-up: with redis-py, more CPU time than the rest of the
mock's request. Here commands wait in a list while the previous round trip is out, and
go in the next one, together; each is still its own atomic step in Redis (a script or a
single command), and they run in the order they were given. The journal's entries ride
along at the front of the next round trip, so they cost no round trip of their own.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis import exceptions as redis_errors
from redis.asyncio import ConnectionPool, Redis

# Errors that mean "Redis cannot serve right now" (not a bug in a script): unreachable,
# too slow, still loading its data, or a replica after a failover.
UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    OSError,
)
# A cluster's redirections to follow in one round trip: one is the usual (the slot's
# node, then the node it moved to); more means the cluster is still changing.
MAX_REDIRECTIONS = 3

Command = tuple[Any, ...]


@dataclass(frozen=True)
class Script:
    """A Lua script, called by its SHA1 (EVALSHA) and loaded when Redis does not know it."""

    text: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.text.encode()).hexdigest())

    def call(self, keys: Sequence[str], *args: Any) -> Command:
        return ("EVALSHA", self.sha, len(keys), *keys, *args)


class RoundTrips:
    """Sends commands to Redis in pipelines, one round trip at a time.

    `call` waits at most `timeout` seconds for Redis, and a round trip at most as long:
    past it, or when the connection fails, every command waiting gets the error
    `unavailable` makes of it, at once.

    `riders()` gives commands whose results nobody awaits (the journal's): they go at
    the front of every round trip; when one fails, `riders_lost()` is called, so that
    they can be given again. `reached(error)` is told how each round trip ended: the
    error that failed it, or None.
    """

    def __init__(
        self,
        client: Redis,
        scripts: Sequence[Script],
        timeout: float,
        unavailable: Callable[[BaseException], Exception],
        riders: Callable[[], list[Command]],
        riders_lost: Callable[[], None],
        reached: Callable[[BaseException | None], None] = lambda _error: None,
    ) -> None:
        self._client = client
        self._scripts = scripts
        self._timeout = timeout
        self._unavailable = unavailable
        self._riders, self._riders_lost = riders, riders_lost
        self._reached = reached
        self._waiting: list[tuple[Command, asyncio.Future[Any]]] = []
        self._running: asyncio.Task[None] | None = None

    async def call(self, *command: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((command, future))
        self.start()
        try:
            # Its own bound too: a command given while a round trip is out waits for that
            # one first. Given up, it may still run in Redis; its answer is dropped.
            async with asyncio.timeout(self._timeout):
                return await future
        except TimeoutError:
            raise self._unavailable(TimeoutError()) from None

    def start(self) -> None:
        """Send what waits, unless a round trip is already out (it sends the rest after)."""
        if self._running is None:
            self._running = asyncio.get_running_loop().create_task(self._run())

    async def drain(self) -> None:
        """Wait until nothing waits to be sent."""
        while self._running is not None:
            await asyncio.shield(self._running)

    async def _run(self) -> None:
        try:
            while True:
                riders, batch = self._riders(), self._waiting
                if not riders and not batch:
                    return
                self._waiting = []
                try:
                    async with asyncio.timeout(self._timeout):
                        results = await self._send([*riders, *(c for c, _ in batch)])
                except (TimeoutError, *UNAVAILABLE, redis_errors.RedisError) as error:
                    # A RedisError raised, not answered: the connection's own set-up
                    # failed (a wrong DB index or password, a server that is not Redis).
                    # A command's error is an answer (raise_on_error=False), handled below.
                    self._reached(error)
                    self._fail(batch, self._unavailable(error))
                    return
                except Exception as error:  # a bug, not Redis going away: a 500 for each
                    self._fail(batch, error)
                    return
                self._reached(None)
                for (_, future), result in zip(batch, results[len(riders) :], strict=True):
                    if future.done():
                        continue  # its request was cancelled
                    if isinstance(result, redis_errors.RedisError):
                        # Read-only replica, a cluster mid-resharding (ASK, TRYAGAIN,
                        # CLUSTERDOWN), a script Redis refused: a 503 naming it.
                        future.set_exception(self._unavailable(result))
                    elif isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._running = None

    def _fail(self, batch: list[tuple[Command, asyncio.Future[Any]]], error: Exception) -> None:
        # Whoever waits now would wait for a Redis that just failed: tell them too.
        batch += self._waiting
        self._waiting = []
        self._riders_lost()
        for _, future in batch:
            if not future.done():
                future.set_exception(error)

    async def _send(self, commands: list[Command]) -> list[Any]:
        results = await self._pipeline(commands)
        for _ in range(MAX_REDIRECTIONS):
            moved = [i for i, r in enumerate(results) if isinstance(r, redis_errors.MovedError)]
            if not moved:
                break
            # Redis Cluster: the keys' slot is served by another node (the mock was given
            # another node, or resharding moved the slot). Every key of the store shares
            # one slot, so from now on every command goes there. A moved command did not
            # run: send it again.
            await self._connect_to(results[moved[0]].node_addr)
            again = await self._pipeline([commands[i] for i in moved])
            for index, result in zip(moved, again, strict=True):
                results[index] = result
        unknown = [i for i, r in enumerate(results) if isinstance(r, redis_errors.NoScriptError)]
        if unknown:
            # Redis lost its script cache (a restart, SCRIPT FLUSH): load them all and send
            # again the commands it refused; a refused EVALSHA did nothing. (Commands after
            # it in the round trip have run before it then: only ever just after that.)
            await self._pipeline([("SCRIPT LOAD", script.text) for script in self._scripts])
            again = await self._pipeline([commands[i] for i in unknown])
            for index, result in zip(unknown, again, strict=True):
                results[index] = result
        return results

    async def _connect_to(self, address: tuple[str, int]) -> None:
        """Use the node at `address` from now on, connected as the first one was."""
        host, port = address
        pool = self._client.connection_pool
        options = {**pool.connection_kwargs, "host": host, "port": port}
        replaced, self._client = (
            self._client,
            Redis(
                connection_pool=ConnectionPool(connection_class=pool.connection_class, **options)
            ),
        )
        await replaced.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _pipeline(self, commands: list[Command]) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for command in commands:
            pipe.execute_command(*command)
        results: list[Any] = await pipe.execute(raise_on_error=False)
        return results
