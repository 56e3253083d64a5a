"""A TCP forwarder run as its own process: ``python -m tests.predict.tcp_proxy PORT TARGET``.

Tests put it between a client and a server and kill it, so that the server "goes away" for
the client while the server itself, and what it stored, lives on to be inspected. Prints
``ready`` once it listens on 127.0.0.1:PORT; forwards every connection to TARGET
(``host:port``).
"""

import asyncio
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _serve(port: int, host: str, target_port: int) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter):
        server_reader, server_writer = await asyncio.open_connection(host, target_port)
        await asyncio.gather(
            _pipe(client_reader, server_writer), _pipe(server_reader, client_writer)
        )

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    target_host, target_port = sys.argv[2].rsplit(":", 1)
    asyncio.run(_serve(int(sys.argv[1]), target_host, int(target_port)))
