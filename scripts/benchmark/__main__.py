"""Command line: the orchestrator by default, or the ``sim`` or ``worker`` process."""

from __future__ import annotations

import argparse
import sys

from .common import REPO
from .registry import labels


def parser() -> argparse.ArgumentParser:
    """Return the command line's parser (the three modes)."""
    p = argparse.ArgumentParser(prog="scripts/bench")
    sub = p.add_subparsers(dest="mode")
    p_sim = sub.add_parser("sim", help="serve the bench simulator (internal)")
    p_sim.add_argument("--cert")
    p_sim.add_argument("--key")
    p_w = sub.add_parser("worker", help="run one scenario in Home Assistant (internal)")
    p_w.add_argument("--sim", required=True)
    p_w.add_argument("--scenario", "--phases", dest="scenario", default="main")
    p_w.add_argument("--reps", type=int, default=3)
    p_w.add_argument("--out", required=True)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--out", default=str(REPO / "bench-results.md"))
    p.add_argument("--only", type=only, help=f"comma list of {','.join(labels())}")
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="also profile S1 of ours (cProfile, plain HTTP): the ten largest costs "
        "go to the report and FILE, with every profiled sender's full listing; with "
        "--only profile (and no --reuse) print them and leave the report alone",
    )
    p.add_argument("--raw", help="also write the raw results (JSON) to this file")
    p.add_argument(
        "--reuse",
        help="raw results (JSON, from --raw) of an earlier run: report the workers "
        "not run now (see --only) from it",
    )
    return p


def only(value: str) -> str:
    """Check ``--only``: registered labels, comma separated."""
    unknown = set(value.split(",")) - set(labels())
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(sorted(unknown))}")
    return value


def main() -> int:
    """Run the mode asked for."""
    args = parser().parse_args()
    if args.mode == "sim":
        from .simulator import run_sim

        run_sim(args)
        return 0
    if args.mode == "worker":
        from .worker import run_worker

        run_worker(args)
        return 0
    from .orchestrate import orchestrate

    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
