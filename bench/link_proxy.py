"""A village's link between a client and a server on this machine: a small asyncio TCP proxy that shapes traffic.

    .venv/bin/python bench/link_proxy.py --listen 5300 --target 127.0.0.1:5000   # then point the client at :5300

Terms:
- the *link* is what a tablet on 3G in a village gets: `rtt` seconds of round trip (half each way), `down` bits/s
  from the server to the client, `up` bits/s from the client to the server (defaults 0.3 s, 1 Mbit/s, 384 kbit/s);
- each direction is a queue shared by every connection (one radio link): a chunk of up to MSS bytes read from one
  side leaves when the bytes before it, of any connection, have gone (size * 8 / rate seconds each) and arrives
  rtt / 2 later, in order;
- a new connection costs one round trip before its first byte is sent (TCP's handshake; no TLS is modelled: with it
  each new connection would cost one or two more);
- *stats* count, over every connection: connections opened, bytes each way (headers included: what crossed the
  link), and *turns*, the times a connection's data changed direction from client->server to server->client (one
  request answered: a round trip the client waited for).
What it leaves out: TCP's slow start and losses (a 3G link also loses packets and varies); both servers are measured
through the same proxy, so what it leaves out costs them alike per round trip and per byte.
"""
import argparse
import asyncio
import threading
import time
from dataclasses import dataclass, field

MSS = 1460


@dataclass
class Stats:
    connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    turns: int = 0

    def copy(self) -> "Stats":
        return Stats(self.connections, self.bytes_up, self.bytes_down, self.turns)

    def minus(self, other: "Stats") -> "Stats":
        return Stats(self.connections - other.connections, self.bytes_up - other.bytes_up,
                     self.bytes_down - other.bytes_down, self.turns - other.turns)


@dataclass
class Link:
    rtt: float = 0.3
    down: float = 1_000_000
    up: float = 384_000
    stats: Stats = field(default_factory=Stats)
    free_at: dict = field(default_factory=lambda: {"up": 0.0, "down": 0.0})  # when each direction is free again


class _Direction:
    """One direction of one connection: chunks leave at the link's rate and arrive rtt / 2 later, in order."""

    def __init__(self, link: Link, name: str, writer: asyncio.StreamWriter, start: float):
        self.link, self.name, self.writer = link, name, writer
        self.rate = link.up if name == "up" else link.down
        self.start = start  # not before the handshake's round trip
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.ensure_future(self._deliver())

    def send(self, data: bytes) -> None:
        now = time.monotonic()
        for i in range(0, len(data), MSS):
            chunk = data[i:i + MSS]
            gone = max(now, self.start, self.link.free_at[self.name]) + len(chunk) * 8 / self.rate
            self.link.free_at[self.name] = gone
            self.queue.put_nowait((gone + self.link.rtt / 2, chunk))

    def close(self) -> None:
        self.queue.put_nowait((None, None))

    async def _deliver(self) -> None:
        try:
            while True:
                at, chunk = await self.queue.get()
                if chunk is None:
                    break
                delay = at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.writer.write(chunk)
                await self.writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                self.writer.close()
            except Exception:
                pass


class Proxy:
    """Listens on 127.0.0.1:`port` and forwards each connection to `target` through `link`."""

    def __init__(self, port: int, target: tuple[str, int], link: Link | None = None):
        self.port, self.target, self.link = port, target, link or Link()
        self.server = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)

    async def _connection(self, client_reader, client_writer) -> None:
        try:
            await self._forward(client_reader, client_writer)
        except asyncio.CancelledError:  # the proxy stops: the connection ends with it
            client_writer.close()

    async def _forward(self, client_reader, client_writer) -> None:
        link = self.link
        link.stats.connections += 1
        start = time.monotonic() + link.rtt  # the handshake's round trip before the first byte
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        up = _Direction(link, "up", server_writer, start)
        down = _Direction(link, "down", client_writer, start)
        last = ["down"]  # the direction of the last data: a turn is up followed by down

        async def pump(reader, direction: _Direction, name: str) -> None:
            try:
                while data := await reader.read(65536):
                    if name == "up":
                        link.stats.bytes_up += len(data)
                    else:
                        link.stats.bytes_down += len(data)
                        if last[0] == "up":
                            link.stats.turns += 1
                    last[0] = name
                    direction.send(data)
            except (ConnectionError, OSError):
                pass
            finally:
                direction.close()

        await asyncio.gather(pump(client_reader, up, "up"), pump(server_reader, down, "down"))
        await asyncio.gather(up.task, down.task, return_exceptions=True)


class ProxyThread:
    """The proxy on its own event loop in a daemon thread, for a bench in the same process."""

    def __init__(self, port: int, target: tuple[str, int], link: Link | None = None):
        self.proxy = Proxy(port, target, link)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.proxy.start())
            ready.set()
            self.loop.run_forever()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)

    @property
    def stats(self) -> Stats:
        return self.proxy.link.stats

    def stop(self) -> None:
        async def shutdown():
            self.proxy.server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--target", required=True, help="host:port of the server")
    parser.add_argument("--rtt", type=float, default=0.3, help="round trip, seconds")
    parser.add_argument("--down", type=float, default=1_000_000, help="server -> client, bits/s")
    parser.add_argument("--up", type=float, default=384_000, help="client -> server, bits/s")
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    proxy = Proxy(args.listen, (host, int(port)), Link(args.rtt, args.down, args.up))

    async def serve():
        await proxy.start()
        print(f"127.0.0.1:{args.listen} -> {args.target}: rtt {args.rtt * 1000:.0f} ms, down {args.down / 1e3:.0f} "
              f"kbit/s, up {args.up / 1e3:.0f} kbit/s", flush=True)
        await proxy.server.serve_forever()
    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        print(proxy.link.stats)


if __name__ == "__main__":
    main()
