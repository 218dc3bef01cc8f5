"""Benchmark: Pushover Complete vs Home Assistant's built-in ``pushover`` vs a bare aiohttp floor.

Run it through ``scripts/bench`` (it prepares the environment, then runs
``python -m scripts.benchmark`` from the repository's root). Traffic goes to 127.0.0.1
only. Three modes, each a process of its own:

* ``[--reps N] [--out FILE] [--only LABELS] [--profile FILE] [--raw FILE] [--reuse FILE]``
  — the orchestrator (``orchestrate``): a throw-away CA, two simulators (plain HTTP and
  HTTPS), one Home Assistant worker per scenario, the Markdown report
  (``bench-results.md``); it stops everything it started.
* ``sim [--cert PEM --key PEM]`` — the bench simulator (``simulator``).
* ``worker --sim URL --scenario LABEL --out FILE [--reps N]`` — one real Home Assistant
  running one scenario (``worker``), its results as JSON.

Layout: ``common`` (measuring: CPU/wall windows, percentiles, formatting; the bench's
users), ``scenario`` (what a scenario is), ``registry`` (the registered scenarios),
``simulator`` and ``control`` (the simulator process and the worker's client of it),
``worker`` and ``harness`` (the Home Assistant process, its config entries, event
timing), ``clients`` (the compared senders), ``clock`` (a virtual clock for Home
Assistant), ``report`` (the Markdown report), ``orchestrate`` and ``__main__``. One
module per scenario group: ``sends`` (``http``, ``https``: S1, S2, S3 for the built-in,
ours and the floors; ``targets`` renders their targets table), ``extra`` (1,000-send
burst, acknowledgement delays, outbox), ``alarms`` (with ``alarm_kit`` and
``alarm_memory``), ``incidents`` (re-paged, deduplicated, resolved; action links tapped:
with ``incident_kit``, ``incident_memory``, ``action_taps`` and ``incident_report``),
``receive`` (Home Assistant as a Pushover device) and ``profiling`` (``profile``, on
request: cProfile of S1).

Adding a scenario (say ``digest``):

1. A module ``digest.py`` with ``async def run(ctx: WorkerContext) -> Results``
   (in the worker: add the entries it needs with ``harness.open_bench``, measure with
   ``common.measured``, return a JSON-able dict, conventionally
   ``{"digest": {...}}``), ``def report(results: Results) -> list[str]`` (its Markdown
   section from the whole run's results, a placeholder when its own is missing:
   ``scenario.result_of(results, "digest", "digest")``) and
   ``SCENARIO = Scenario("digest", "http", <time limit s>, run, report)``
   (``by_default=False`` to run it only when named in ``--only``).
2. One line in ``registry.SCENARIOS``, where its section belongs in the report.

``--only digest`` then runs it alone; ``--reuse`` fills in the rest of the report
from an earlier run's raw results.
"""
