"""Speed and peak memory of `llmc due` and `llmc stats` on a light and a heavy history.

Usage::

    python benchmarks/progress_bench.py [--cards 100000] [--small 1000] [--large 1000000]
        [--runs 7] [--cache DIR] [--rebuild] [--json]

Two histories are built with benchmarks/generate_history.py: the same ``--cards``
cards (100,000: the built-in bank plus synthetic concepts), one with ``--small``
ratings (1,000) and one with ``--large`` ratings (1,000,000) over a year ending at
the time of the build. The histories are kept in ``--cache`` (default
``$TMPDIR/llmc-progress-bench``) and reused while they are less than a week old,
because the large one takes several minutes to simulate (every rating goes
through the fsrs package). ``--rebuild`` makes them afresh.

Each command runs as a fresh process (``llmc due``, ``llmc stats``, output to a
pipe at 80 columns) once to warm the file cache, then ``--runs`` times; the table
gives the median wall time, the fastest and slowest, the median CPU time (user +
system, steadier than wall time on a shared machine) and the largest maximum
resident set size (from ``wait4``). A floor row times ``python -c "import typer,
sqlalchemy.orm"``, the imports neither command can do without. Targets (issue 7 and 8): under 1 s each on
the large history, `llmc due` on the large history within 1.5x of the small one
(its cost must not grow with the log), `llmc stats` under 200 MB. Each row says
PASS or MISS. ``--json`` prints the figures as JSON instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_AGE = timedelta(days=7)
TIME_TARGET_MS = 1000.0
GROWTH_TARGET = 1.5
MEMORY_TARGET_MB = 200.0


@dataclass(frozen=True)
class Measurement:
    """Fresh-process runs of one command: wall times and CPU time (user + system) in ms,
    peak RSS in MB. CPU time moves less than wall time when other work shares the cores."""

    name: str
    median_ms: float
    fastest_ms: float
    slowest_ms: float
    cpu_median_ms: float
    max_rss_mb: float
    runs: int


def llmc_command() -> list[str]:
    """The ``llmc`` console script beside this interpreter, else ``python -m llmconcepts``."""
    script = Path(sys.executable).with_name("llmc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "llmconcepts"]


def history_home(cache: Path, cards: int, reviews: int, *, rebuild: bool = False) -> Path:
    """An LLMC_HOME holding ``cards`` cards and ``reviews`` ratings (seed 7, one year up to
    the build), reused from ``cache`` when younger than a week."""
    home = cache / f"cards{cards}-reviews{reviews}-seed7"
    stamp = home / "built-at"
    if home.exists() and not rebuild and stamp.exists():
        built = datetime.fromisoformat(stamp.read_text().strip())
        if datetime.now(timezone.utc) - built < MAX_AGE:
            return home
    shutil.rmtree(home, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="building-", dir=cache)) / "home"
    end = datetime.now(timezone.utc).replace(microsecond=0)
    print(f"building {home.name} (a million ratings take several minutes)...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(HERE / "generate_history.py"), str(partial), "--cards", str(cards),
         "--reviews", str(reviews), "--seed", "7", "--end", end.isoformat()],
        check=True, stdout=subprocess.DEVNULL,
    )
    (partial / "built-at").write_text(end.isoformat())
    partial.rename(home)
    shutil.rmtree(partial.parent, ignore_errors=True)
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return home


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, LLMC_HOME=str(home), COLUMNS="80", LINES="24")
    # An installed llmc has its bytecode; let the warm-up run write it if this shell forbids it.
    for name in ("LLMC_CARDS", "LLMC_DATABASE_URL", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall time in ms, CPU time in ms, max RSS in MB) of one fresh process, its output
    read from a pipe.

    The child is reaped with ``os.wait4`` so the RSS is its own peak, not the largest
    of every child so far. Raises RuntimeError if the command fails.
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        process.stdout.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = (time.perf_counter() - started) * 1000
        process.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
        process.stdout.close()
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(argv)} failed: {errors.read().decode(errors='replace')[-500:]}")
    return elapsed, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024


def measure(name: str, argv: list[str], env: dict[str, str], runs: int) -> Measurement:
    """Warm once, then time ``runs`` fresh processes."""
    run_once(argv, env)
    samples = [run_once(argv, env) for _ in range(runs)]
    times = [elapsed for elapsed, _cpu, _rss in samples]
    return Measurement(name, statistics.median(times), min(times), max(times),
                       statistics.median(cpu for _elapsed, cpu, _rss in samples),
                       max(rss for _elapsed, _cpu, rss in samples), runs)


def run(cards: int, small: int, large: int, runs: int, cache: Path, rebuild: bool) -> dict:
    """Build (or reuse) both histories and measure; returns the figures and verdicts."""
    homes = {label: history_home(cache, cards, reviews, rebuild=rebuild)
             for label, reviews in (("small", small), ("large", large))}
    llmc = llmc_command()
    floor = measure("floor: import typer, sqlalchemy.orm", [sys.executable, "-c", "import typer, sqlalchemy.orm"],
                    _env(homes["small"]), runs)
    rows: list[Measurement] = []
    for command in ("due", "stats"):
        for label, reviews in (("small", small), ("large", large)):
            rows.append(measure(f"llmc {command}, {reviews:,} ratings", llmc + [command], _env(homes[label]), runs))
    due_small, due_large, stats_small, stats_large = rows
    checks = [
        (f"llmc due, {large:,} ratings < 1 s", due_large.median_ms < TIME_TARGET_MS),
        (f"llmc stats, {large:,} ratings < 1 s", stats_large.median_ms < TIME_TARGET_MS),
        (f"llmc due {large:,} / {small:,} ratings <= {GROWTH_TARGET}x "
         f"({due_large.median_ms / due_small.median_ms:.2f}x)",
         due_large.median_ms <= GROWTH_TARGET * due_small.median_ms),
        (f"llmc stats peak memory, {large:,} ratings < 200 MB", stats_large.max_rss_mb < MEMORY_TARGET_MB),
    ]
    return {
        "cards": cards,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "floor": asdict(floor),
        "measurements": [asdict(row) for row in rows],
        "checks": [{"target": target, "pass": ok} for target, ok in checks],
    }


def print_table(figures: dict) -> None:
    print(f"{figures['cards']:,} cards; median of {figures['measurements'][0]['runs']} fresh processes "
          f"after one warm-up; Python {figures['python']}, {figures['cpus']} CPUs")
    print(f"{'command':<36} {'median':>8} {'fastest':>8} {'slowest':>8} {'CPU':>8} {'max RSS':>9}")
    for row in [figures["floor"], *figures["measurements"]]:
        print(f"{row['name']:<36} {row['median_ms']:>6.0f}ms {row['fastest_ms']:>6.0f}ms "
              f"{row['slowest_ms']:>6.0f}ms {row['cpu_median_ms']:>6.0f}ms {row['max_rss_mb']:>6.1f} MB")
    for check in figures["checks"]:
        print(f"{'PASS' if check['pass'] else 'MISS'}  {check['target']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000, help="ratings in the light history")
    parser.add_argument("--large", type=int, default=1_000_000, help="ratings in the heavy history")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (after one warm-up)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "llmc-progress-bench")
    parser.add_argument("--rebuild", action="store_true", help="build the histories again")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.cards < 1 or args.small < 0 or args.large < 0:
        parser.error("--runs and --cards must be at least 1, the rating counts at least 0")
    figures = run(args.cards, args.small, args.large, args.runs, args.cache, args.rebuild)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
