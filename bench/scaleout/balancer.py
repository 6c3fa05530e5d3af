"""One address in front of several web processes: a round-robin TCP proxy, as a load
balancer would be (``python -m bench.scaleout.balancer LISTEN BACKEND [BACKEND ...]``).
A backend that refuses the connection is skipped for that connection. It stops when its
standard input closes."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import threading


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def serve(listen: int, backends: list[int]) -> None:
    turn = itertools.cycle(backends)

    async def handle(client_reader, client_writer):
        for _ in backends:
            port = next(turn)
            try:
                server_reader, server_writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            client_writer.close()
            return
        await asyncio.gather(
            _pipe(client_reader, server_writer), _pipe(server_reader, client_writer)
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=512)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def _watch_stdin() -> None:
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_watch_stdin, daemon=True).start()
    asyncio.run(serve(int(sys.argv[1]), [int(port) for port in sys.argv[2:]]))
