"""``scripts/develop``: a real Home Assistant with the simulator, to use or to smoke-test.

``python -m tests.e2e.develop run`` serves until SIGTERM/SIGINT and prints where everything
is: the login, the action form, the simulator's inbox and its demo identities.
``python -m tests.e2e.develop check`` starts everything on a throwaway configuration,
runs the smoke test (onboard, create the entry through the flow, send a message, see it at
the simulator) and stops. Standard library and Home Assistant only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import shutil
import signal
import sys
import tempfile
import time
from typing import Any

from pushover_simulator import DEMO_TOKEN, DEMO_USER

from .demo import actions_menu, print_demo_identities
from .live import (
    OWNER,
    PASSWORD,
    REPO,
    USERNAME,
    Stack,
    running_stack,
    smoke,
)

OWNER_MARKER = ".develop-owner"  # in the config dir: scripts/develop created the owner


def running_what() -> str:
    """Which Home Assistant on which Python this process runs."""
    from homeassistant.const import __version__

    return f"Home Assistant {__version__} (Python {sys.version.split()[0]})"


def installation_note() -> str | None:
    """Home Assistant's own view of this installation, where it shows a repair for it.

    From 2025.12 Home Assistant reports a plain venv ("Core") installation as unsupported
    (a repair, "Unsupported installation method"). Inside a container it sees a container
    instead; scripts/_chroot.sh shows the chroot the host's container marker.
    """
    from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
    from homeassistant.util.package import is_docker_env

    if (MAJOR_VERSION, MINOR_VERSION) < (2025, 12) or is_docker_env():
        return None
    return (
        'Home Assistant lists "Unsupported installation method" under Settings: it says so '
        "of every venv installation; it is about this development setup, not the integration"
    )


def ensure_owner(stack: Stack, config_dir: Path) -> str:
    """Create the owner on a new configuration; say how to log in."""
    marker = config_dir / OWNER_MARKER
    if "user" in stack.ha.onboarding_left():
        stack.ha.onboard()
        marker.write_text(f"{USERNAME}\n")
    if marker.exists():
        return f"{USERNAME} / {PASSWORD} (the owner {OWNER!r}, made by scripts/develop)"
    return f"the owner you created when you onboarded {config_dir.name}/"


def serve(stack: Stack, config_dir: Path) -> int:
    """Print where everything is, then wait until a process ends or a signal comes."""
    print(f"  Home Assistant:  {stack.ha_url}/", flush=True)
    print(f"  log in as:       {ensure_owner(stack, config_dir)}", flush=True)
    print(f"  actions:         {actions_menu()}", flush=True)
    if note := installation_note():
        print(f"  note:            {note}", flush=True)
    if stack.sim_url:
        print(f"  simulator inbox: {stack.sim_url}", flush=True)
        print_demo_identities()
    else:
        print("  talking to the real Pushover (PUSHOVER_TOKEN is set)", flush=True)
    shown = (
        config_dir.relative_to(REPO) if config_dir.is_relative_to(REPO) else config_dir
    )
    print(f"  config: {shown}/ (log: {shown}/home-assistant.log)", flush=True)
    print("Ctrl-C stops everything.", flush=True)
    procs = stack.procs
    while all(p.alive() for p in procs):
        time.sleep(0.5)
    dead = next(p for p in procs if not p.alive())
    print(f"{dead.name} exited ({dead.popen.returncode}):\n{dead.tail()}", flush=True)
    return 1


def check(stack: Stack, t0: float) -> int:
    """The smoke test (with the simulator), or only onboarding (real Pushover)."""
    if not stack.sim_port:
        # Real Pushover: nothing is sent; Home Assistant starting is the check.
        stack.ha.onboard()
        print("  ok: onboarded; nothing sent (no simulator)", flush=True)
        return 0
    for line in smoke(stack, DEMO_TOKEN, DEMO_USER):
        print(f"  ok: {line}", flush=True)
    print(f"SMOKE TEST PASSED in {time.monotonic() - t0:.1f} s", flush=True)
    return 0


def print_log_tails(log_dir: Path) -> None:
    """The end of each process's log, after a failed check."""
    for name in ("hass.log", "simulator.log"):
        path = log_dir / name
        if path.exists():
            tail = "\n".join(path.read_text(errors="replace").splitlines()[-30:])
            print(f"--- {path} (tail)\n{tail}", file=sys.stderr)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.develop")
    parser.add_argument("mode", choices=["run", "check"])
    parser.add_argument("--config", type=Path, default=REPO / "config-dev")
    parser.add_argument("--ha-port", type=int, default=8123)
    parser.add_argument("--sim-port", type=int, default=8089)
    parser.add_argument("--no-simulator", action="store_true")
    return parser.parse_args(argv)


def on_signal(signum: int, _frame: Any) -> None:
    """SIGTERM/SIGINT: stop, once (a second Ctrl-C must not interrupt the cleanup)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """``run``: serve until SIGTERM/SIGINT. ``check``: start, smoke test, stop."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    is_check = args.mode == "check"
    config_dir: Path = args.config.resolve()
    if is_check:  # a throwaway config: onboarding must start from scratch
        config_dir = Path(tempfile.mkdtemp(prefix="pushover-complete-check."))
    log_dir = config_dir / "logs"
    t0 = time.monotonic()
    try:
        with running_stack(
            config_dir,
            log_dir,
            ha_port=args.ha_port,
            sim_port=None if args.no_simulator else args.sim_port,
            fresh_config=is_check,
        ) as stack:
            ready = time.monotonic() - t0
            print(f"\n{running_what()} is up after {ready:.1f} s", flush=True)
            return check(stack, t0) if is_check else serve(stack, config_dir)
    except KeyboardInterrupt:
        print("stopping ...", flush=True)
        return 1 if is_check else 0
    except (RuntimeError, TimeoutError, OSError, AssertionError) as err:
        print(f"FAILED: {err}", file=sys.stderr, flush=True)
        if is_check:
            print_log_tails(log_dir)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if is_check:
            shutil.rmtree(config_dir, ignore_errors=True)
        print("stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
