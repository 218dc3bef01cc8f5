"""The orchestrator: simulators up, one worker process per scenario, the report, cleanup.

It makes a throw-away CA (trustme), starts two bench simulators (plain HTTP and HTTPS,
both on 127.0.0.1), runs the planned scenarios one after the other, each in a Home
Assistant worker process of its own with a time limit, then writes the report (and the
raw results, the profile) where asked. It stops every process it started and removes
its temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from pathlib import Path
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

from .common import REPO
from .profiling import write_profile
from .registry import SCENARIOS
from .report import render
from .scenario import Results, Scenario

PACKAGE = __package__ or "scripts.benchmark"


def orchestrate(args: argparse.Namespace) -> int:
    """Start the simulators, run the workers, report; stop everything started."""
    python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="pushover-bench-"))
    procs: list[subprocess.Popen[Any]] = []
    t_start = time.monotonic()
    try:
        env = worker_env(make_tls(work))
        urls = start_sims(python, work, procs)
        results = reused_results(args)
        for s in worker_plan(args):
            results[s.label] = run_worker_proc(
                python, urls[s.sim], s, args.reps, work, env
            )
        return finish(args, results, time.monotonic() - t_start)
    finally:
        for proc in procs:
            stop_proc(proc)
        shutil.rmtree(work, ignore_errors=True)


def worker_plan(args: argparse.Namespace) -> list[Scenario]:
    """Return the scenarios to run: ``--only``'s, else the default ones; the profile if asked."""
    wanted = set(args.only.split(",")) if args.only else None
    return [
        s
        for s in SCENARIOS
        if (s.label in wanted if wanted else s.by_default)
        or (s.label == "profile" and args.profile)
    ]


def finish(args: argparse.Namespace, results: Results, total_s: float) -> int:
    """Write the profile and the report as asked; return the exit status."""
    if args.profile and write_profile(Path(args.profile), results):
        print(f"(profile written to {args.profile})", file=sys.stderr)
    if not args.reuse and not any(s.by_default for s in worker_plan(args)):
        # Only on-request scenarios ran (``--only profile``): print, keep the report.
        print("\n".join(line for s in worker_plan(args) for line in s.report(results)))
        return 0 if all(results.get(s.label) for s in worker_plan(args)) else 1
    info = machine_info()
    info["total_s"] = f"{total_s:.0f}"
    if args.reuse:
        kept = ", ".join(k for k in results["_reused"] if results.get(k))
        info["reused"] = (
            f" Results of {kept} are from the run of {results['_reused_date']} "
            "(`--reuse`)."
        )
    write_report(args, info, results)
    return 0 if all(v for k, v in results.items() if not k.startswith("_")) else 1


def start_sims(
    python: str, work: Path, procs: list[subprocess.Popen[Any]]
) -> dict[str, str]:
    """Start the plain HTTP and the HTTPS simulator; return their URLs by scheme."""
    http_sim, http_url = start_sim(python, [], work / "sim-http.log")
    procs.append(http_sim)
    pem = str(work / "server.pem")
    https_sim, https_url = start_sim(
        python, ["--cert", pem, "--key", pem], work / "sim-https.log"
    )
    procs.append(https_sim)
    return {"http": http_url, "https": https_url}


def start_sim(
    python: str, extra: list[str], log: Path
) -> tuple[subprocess.Popen[str], str]:
    """Start a bench simulator process; return it and its base URL."""
    proc = subprocess.Popen(
        [python, "-m", PACKAGE, "sim", *extra],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        cwd=REPO,
        start_new_session=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        stop_proc(proc)
        raise RuntimeError(f"simulator did not start: {line!r}; see {log}")
    url = line.split(" ", 1)[1]
    assert url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")), url
    return proc, url


def stop_proc(proc: subprocess.Popen[Any]) -> None:
    """Stop a process group we started: SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def run_worker_proc(
    python: str,
    sim_url: str,
    s: Scenario,
    reps: int,
    work: Path,
    env: dict[str, str],
) -> dict[str, Any] | None:
    """Run one worker process (bounded by the scenario's time limit); return its results."""
    out, log = work / f"{s.label}.json", work / f"worker-{s.label}.log"
    cmd = [
        python, "-m", PACKAGE, "worker", "--sim", sim_url,
        "--scenario", s.label, "--reps", str(reps), "--out", str(out),
    ]  # fmt: skip
    print(
        f"--> worker {s.label} against {sim_url} (log {log})",
        file=sys.stderr,
        flush=True,
    )
    t0 = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.Popen(
            cmd, stdout=fh, stderr=fh, env=env, cwd=REPO, start_new_session=True
        )
        try:
            proc.wait(s.timeout)
        except subprocess.TimeoutExpired:
            print(f"    worker timed out after {s.timeout:.0f} s", file=sys.stderr)
            stop_proc(proc)
            return None
    print(
        f"    done in {time.monotonic() - t0:.0f} s (exit {proc.returncode})",
        file=sys.stderr,
        flush=True,
    )
    if proc.returncode != 0 or not out.exists():
        print(log.read_text()[-4000:], file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def machine_info() -> dict[str, str]:
    """Describe the machine and the versions measured."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import version

    from homeassistant.const import __version__ as ha_version

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "ha": ha_version,
        "builtin_lib": f"pushover_complete {version('pushover_complete')}",
        "aiohttp": version("aiohttp"),
    }


def make_tls(work: Path) -> Path:
    """Make a throw-away CA and a 127.0.0.1 certificate; return the clients' bundle."""
    import certifi
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(work / "server.pem"))
    # The clients' trust store: certifi's bundle (what both load in real life) + our CA.
    bundle = work / "bundle.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes() + ca.cert_pem.bytes())
    return bundle


def worker_env(bundle: Path) -> dict[str, str]:
    """Return the workers' environment: no proxies, our CA bundle."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not re.search(r"proxy|CA_BUNDLE|SSL_CERT|PYTHONASYNCIODEBUG", k, re.I)
    }
    # Read by `requests` and by Home Assistant's SSL context (homeassistant.util.ssl).
    env["REQUESTS_CA_BUNDLE"] = str(bundle)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def reused_results(args: argparse.Namespace) -> dict[str, Any]:
    """Return the results of the workers not run now, from ``--reuse`` (else none)."""
    if not args.reuse:
        return {}
    raw: dict[str, Any] = json.loads(Path(args.reuse).read_text())
    planned = {s.label for s in worker_plan(args)}
    kept = {k: v for k, v in raw.items() if k not in planned and not k.startswith("_")}
    return {
        **kept,
        "_reused": sorted(kept),
        "_reused_date": raw.get("_date", "an earlier run"),
    }


def write_report(
    args: argparse.Namespace, info: dict[str, str], results: dict[str, Any]
) -> None:
    """Print the report; write it (and the raw results) where asked."""
    report = render(info, results, args.reps)
    print(report)
    if args.out:
        Path(args.out).write_text(report)
        print(f"(written to {args.out})", file=sys.stderr)
    if args.raw:
        raw = {k: v for k, v in results.items() if not k.startswith("_reused")}
        raw["_date"] = info["date"]
        Path(args.raw).write_text(json.dumps(raw, indent=1))
