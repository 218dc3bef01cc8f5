"""Run the simulator standalone: python -m pushover_simulator --host 127.0.0.1 --port 8089."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from .model import DEMO_GROUP, DEMO_TOKEN, DEMO_USER, DEMO_USER2
from .open_client import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
)
from .server import PushoverSimulator


async def serve(host: str, port: int, latency: float) -> None:
    """Serve a demo-seeded simulator until SIGINT or SIGTERM."""
    sim = PushoverSimulator()
    sim.latency = latency
    base_url = await sim.start(host, port)
    print(f"Pushover simulator listening at {base_url}")
    print(f"  inbox:       {base_url.removesuffix('1/')}")
    print(f"  demo token:  {DEMO_TOKEN}")
    print(f"  demo user:   {DEMO_USER} (devices phone, tablet)")
    print(f"  demo user 2: {DEMO_USER2} (device laptop)")
    print(f"  demo group:  {DEMO_GROUP}")
    print(f"  push:        {sim.push_url}")
    print(f"  open client: {DEMO_EMAIL} / {DEMO_PASSWORD} (user 1)")
    print(
        f"  open client: {DEMO_2FA_EMAIL} / {DEMO_2FA_PASSWORD}, "
        f"code {DEMO_2FA_CODE} (user 2)"
    )
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await sim.stop()
        print("Pushover simulator stopped")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m pushover_simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds per request"
    )
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.latency))


if __name__ == "__main__":
    main()
