"""Every llmc performance target in one command (issue 8): ``python benchmarks/run.py``.

Builds what it needs in a temporary folder (about two minutes), then times fresh
``llmc`` processes and prints one table: each row's median beside its floor, a
figure taken in the same run from a process that does the least the row must do
(importing typer, or the same command on a light history), and PASS or MISS
against the issue's target. docs/performance.md explains each row.

What is built, seeded and ending at the current time:

* ``history-1k`` and ``history-1m``: 100,000 cards (the built-in bank plus
  synthetic concepts, read as the learner's own cards) with 1,000 and 1,000,000
  ratings over a year (benchmarks/fixtures.py: fsrs-simulated templates copied
  in SQL);
* ``history-100k``: 3,000 cards with 100,000 ratings, for ``llmc study``;
* ``user-bank-10k``: 10,002 cards of answer-sized text (benchmarks/export_bench.py),
  for ``llmc export``.

Every command runs once unmeasured first: that writes the compiled bytecode of
everything it imports (this environment sets PYTHONDONTWRITEBYTECODE, which is
removed for the children, since an installed llmc has its bytecode) and fills the
card-bank parse cache, as any earlier use would have. Runs of a row and its floor
alternate, so a burst of load from elsewhere hits both.

Options: ``--runs N`` scales the number of runs (default 1.0 = the figures in the
docs), ``--keep DIR`` builds into DIR and keeps it, ``--quick`` uses a tenth of
the history sizes (a smoke test; its figures do not answer the targets).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

STUDY_PROMPT = b"Answer, then an empty line:"
MB = 1024  # ru_maxrss is in KiB on Linux


@dataclass(frozen=True)
class Sizes:
    big_cards: int = 100_000
    small_reviews: int = 1_000
    big_reviews: int = 1_000_000
    study_cards: int = 3_000
    study_reviews: int = 100_000
    user_bank_concepts: int = 3_334  # 10,002 cards


@dataclass
class Sample:
    """One fresh process: wall milliseconds (to exit, or to a marker) and peak RSS in MB."""

    ms: float
    rss_mb: float


@dataclass
class Row:
    name: str
    unit: str  # "ms" or "MB"
    value: float | None
    floor_name: str = ""
    floor: float | None = None
    target: str = ""
    passed: bool | None = None  # None: no target (information)
    note: str = ""
    runs: int = 0

    def cells(self) -> list[str]:
        def show(number: float | None) -> str:
            if number is None:
                return "—"
            return f"{number:,.0f} {self.unit}" if number >= 100 else f"{number:.1f} {self.unit}"

        ratio = f"{self.value / self.floor:.2f}x" if self.value and self.floor else "—"
        floor = f"{show(self.floor)} ({self.floor_name})" if self.floor_name else "—"
        verdict = {True: "PASS", False: "MISS", None: "info"}[self.passed]
        return [self.name, show(self.value), floor, ratio, self.target or "—", verdict, self.note]


@dataclass
class Context:
    work: Path
    llmc: list[str]
    runs_factor: float
    homes: dict[str, Path] = field(default_factory=dict)
    cards: dict[str, Path | None] = field(default_factory=dict)

    def env(self, name: str) -> dict[str, str]:
        """The environment of a child llmc on the data directory ``name``."""
        env = dict(os.environ, LLMC_HOME=str(self.homes[name]), COLUMNS="80", LINES="24")
        env.pop("LLMC_DATABASE_URL", None)
        env.pop("LLMC_CARDS", None)
        if self.cards.get(name) is not None:
            env["LLMC_CARDS"] = str(self.cards[name])
        return env

    def runs(self, base: int) -> int:
        return max(1, round(base * self.runs_factor))


# -- running children ---------------------------------------------------------------------------


def run_child(
    argv: list[str], env: dict[str, str], *, stdin: bytes = b"", until: bytes | None = None
) -> Sample:
    """Run one fresh process; its wall time to exit (or until ``until`` appears on its
    standard output) and its own peak RSS (``os.wait4``, not the largest child so far).

    Raises:
        RuntimeError: the process failed (not for a study session ended by end of input).
    """
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    elapsed = None
    seen = b""
    if until is not None:
        while until not in seen:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            seen = seen[-len(until):] + chunk
        elapsed = time.perf_counter() - started
    try:
        process.stdin.write(stdin)
        process.stdin.close()
    except BrokenPipeError:
        pass
    process.stdout.read()
    errors = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if elapsed is None:
        elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    process.stdout.close()
    process.stderr.close()
    if process.returncode != 0 or (until is not None and until not in seen):
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: "
                           f"{errors.decode(errors='replace')[-400:]}")
    return Sample(elapsed * 1000, usage.ru_maxrss / MB)


@dataclass(frozen=True)
class Cmd:
    """A command line to run fresh, and how (see :func:`run_child`)."""

    argv: list[str]
    env: dict[str, str]
    stdin: bytes = b""
    until: bytes | None = None

    def run(self) -> Sample:
        return run_child(self.argv, self.env, stdin=self.stdin, until=self.until)


def interleaved(first: Cmd, second: Cmd, runs: int) -> tuple[list[Sample], list[Sample]]:
    """``runs`` samples of two commands, alternating which goes first; one warm-up each."""
    first.run(), second.run()
    a: list[Sample] = []
    b: list[Sample] = []
    for index in range(runs):
        order = ((first, a), (second, b)) if index % 2 == 0 else ((second, b), (first, a))
        for command, samples in order:
            samples.append(command.run())
    return a, b


def median_ms(samples: list[Sample]) -> float:
    return statistics.median(s.ms for s in samples)


def command_exists(ctx: Context, *words: str) -> bool:
    """Whether this checkout's llmc has the command (some are written in parallel)."""
    argv = ctx.llmc + [*words, "--help"]
    result = subprocess.run(argv, env=ctx.env("empty"), capture_output=True, check=False)
    return result.returncode == 0


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


# -- the rows -----------------------------------------------------------------------------------


def ratio_row(name: str, command: Cmd, floor_name: str, floor: Cmd, limit: float, runs: int) -> Row:
    mine, base = interleaved(command, floor, runs)
    value, floor_value = median_ms(mine), median_ms(base)
    passed = value <= limit * floor_value
    return Row(name, "ms", value, floor_name, floor_value, f"≤ {limit}x floor", passed, runs=runs)


def start_up_rows(ctx: Context) -> list[Row]:
    env = ctx.env("empty")
    explain = Cmd(ctx.llmc + ["explain", "kv-cache"], env)
    return [
        ratio_row("llmc --help", Cmd(ctx.llmc + ["--help"], env), "import typer",
                  Cmd(python("import typer"), env), 1.5, ctx.runs(15)),
        ratio_row("llmc explain kv-cache", explain, "import numpy, rich, typer",
                  Cmd(python("import numpy, rich, typer"), env), 1.3, ctx.runs(21)),
        # `import rich` loads little of rich; anything that prints with it needs rich.console too.
        ratio_row("llmc explain kv-cache (floor with rich.console)", explain,
                  "import numpy, rich.console, typer",
                  Cmd(python("import numpy, rich.console, typer"), env), 1.3, ctx.runs(11)),
    ]


def progress_rows(ctx: Context, sizes: Sizes) -> list[Row]:
    """`llmc due` and `llmc stats` on the heavy history, each beside the light one."""
    rows = []
    big, small = f"{sizes.big_reviews:,}", f"{sizes.small_reviews:,}"
    targets = (("due", ctx.runs(7), "≤ 1.5x floor, < 1 s"), ("stats", ctx.runs(5), "< 1 s"))
    for command, runs, target in targets:
        if not command_exists(ctx, command):
            missing = f"not measured: this llmc has no `{command}` yet"
            rows.append(Row(f"llmc {command}", "ms", None, note=missing))
            continue
        heavy, light = interleaved(Cmd(ctx.llmc + [command], ctx.env("history-1m")),
                                   Cmd(ctx.llmc + [command], ctx.env("history-1k")), runs)
        value, floor = median_ms(heavy), median_ms(light)
        passed = value < 1000 and (command != "due" or value <= 1.5 * floor)
        rows.append(Row(f"llmc {command}, {big} reviews ({sizes.big_cards:,} cards)", "ms", value,
                        f"{small} reviews", floor, target, passed, runs=runs))
        if command == "stats":
            peak = max(s.rss_mb for s in heavy)
            rows.append(Row(f"peak RSS, llmc stats, {big} reviews", "MB", peak, "import numpy, rich, typer",
                            _floor_rss(ctx), "< 200 MB", peak < 200, runs=runs))
    return rows


def _floor_rss(ctx: Context) -> float:
    return max(run_child(python("import numpy, rich, typer"), ctx.env("empty")).rss_mb for _ in range(3))


def study_rows(ctx: Context, sizes: Sizes) -> list[Row]:
    from study_latency import measure, report

    runs = ctx.runs(7)
    env = ctx.env("history-100k")
    first, base = interleaved(Cmd(ctx.llmc + ["study", "--plain"], env, until=STUDY_PROMPT),
                              Cmd(python("import sqlalchemy, fsrs, rich, typer"), env), runs)
    rows = [Row(f"llmc study --plain to the first prompt, {sizes.study_reviews:,} reviews", "ms",
                median_ms(first), "import sqlalchemy, fsrs, rich, typer", median_ms(base), runs=runs)]
    histories = (("history-100k-builtin", "built-in bank"), ("history-100k", f"{sizes.study_cards:,} cards"))
    for home, cards in histories:
        session = ctx.work / f"{home}-session"
        shutil.rmtree(session, ignore_errors=True)
        shutil.copytree(ctx.homes[home], session)  # ratings change the history: keep the original
        samples = measure(session, ctx.runs(40), 80)
        name = f"study: rating key to next prompt (pty), {sizes.study_reviews:,} reviews, {cards}"
        if not samples:
            rows.append(Row(name, "ms", None, note="not measured: nothing was due"))
            continue
        figures = report(samples)
        value = figures["median_ms"]
        rows.append(Row(name, "ms", value, target="< 50 ms", passed=value < 50,
                        note=f"{len(samples)} ratings in one session; p90 {figures['p90_ms']:.1f} ms",
                        runs=len(samples)))
    return rows


def study_memory_row(ctx: Context, sizes: Sizes) -> Row:
    """Peak RSS of a short session on the heavy history: three cards revealed and rated Good.

    A session ended at once comes first, unmeasured: like every row's warm-up, it refills
    the bank's parse cache if a bank file changed since the build (in a shared checkout
    the built-in cards change often, and parsing 100,000 cards is not what is measured).
    """
    Cmd(ctx.llmc + ["study", "--plain"], ctx.env("history-1m")).run()
    sample = Cmd(ctx.llmc + ["study", "--plain"], ctx.env("history-1m"), stdin=b"\n3\n" * 3).run()
    name = f"peak RSS, llmc study --plain (3 ratings), {sizes.big_reviews:,} reviews"
    return Row(name, "MB", sample.rss_mb,
               "import numpy, rich, typer", _floor_rss(ctx), "< 200 MB", sample.rss_mb < 200,
               note=f"session took {sample.ms / 1000:.1f} s", runs=1)


def export_rows(ctx: Context, sizes: Sizes) -> list[Row]:
    rows = []
    if not command_exists(ctx, "export", "anki"):
        return [Row("llmc export anki --all", "ms", None, note="not measured: no `export anki` command yet")]
    out = ctx.work / "exports"
    out.mkdir(exist_ok=True)
    user_bank = f"{3 * sizes.user_bank_concepts:,}-card user bank"
    for home, label, runs, target in (("empty", "built-in bank", ctx.runs(5), None),
                                      ("user-bank-10k", user_bank, ctx.runs(3), 5000.0)):
        argv = ctx.llmc + ["export", "anki", "--all", "-o", str(out / f"{home}.apkg"), "--force"]
        floor = Cmd(python("import genanki, typer"), ctx.env(home))
        samples, base = interleaved(Cmd(argv, ctx.env(home)), floor, runs)
        value = median_ms(samples)
        rows.append(Row(f"llmc export anki --all, {label}", "ms", value, "import genanki, typer",
                        median_ms(base), "< 5 s" if target else "", (value < target) if target else None,
                        runs=runs))
    return rows


# -- building -----------------------------------------------------------------------------------


#: Data directory name -> the learner's cards folder it reads (None: the home's own cards/).
LAYOUT = {
    "empty": None,
    "history-base": "bank-100k",
    "history-1k": "bank-100k",
    "history-1m": "bank-100k",
    "history-100k-builtin": None,
    "history-100k": None,
    "user-bank-10k": "bank-user-10k",
}


def layout(ctx: Context) -> None:
    for name, cards in LAYOUT.items():
        ctx.homes[name] = ctx.work / name
        ctx.cards[name] = ctx.work / cards if cards else None


def build(work: Path, sizes: Sizes) -> None:
    """Create the data directories (see the module docstring), timing each step.

    Runs in a process of its own: a child's peak RSS counts its parent's size at
    the fork, and building holds the whole 100,000-card bank in memory.
    """
    import export_bench
    import fixtures

    end = datetime.now(timezone.utc)
    (work / "empty").mkdir()
    step = time.perf_counter()
    builtin = fixtures.builtin_card_count()
    bank = work / LAYOUT["history-1m"]
    fixtures.write_synthetic_bank(bank, sizes.big_cards - builtin)
    base = work / "history-base"
    fixtures.prepare_base(base, bank, fixtures.history_spec(sizes.big_cards, 0, end))
    _say(f"  {sizes.big_cards:,}-card bank parsed and synced", step)
    for name, reviews in (("history-1k", sizes.small_reviews), ("history-1m", sizes.big_reviews)):
        step = time.perf_counter()
        spec = fixtures.history_spec(sizes.big_cards, reviews, end)
        fixtures.build_history(work / name, bank, spec, base=base)
        _say(f"  {name}: {reviews:,} reviews", step)
    step = time.perf_counter()
    fixtures.build_history(work / "history-100k-builtin", None,
                           fixtures.history_spec(builtin, sizes.study_reviews, end))
    study_home = work / "history-100k"
    fixtures.write_synthetic_bank(study_home / "cards", sizes.study_cards - builtin)
    fixtures.build_history(study_home, study_home / "cards",
                           fixtures.history_spec(sizes.study_cards, sizes.study_reviews, end))
    _say(f"  history-100k: {sizes.study_reviews:,} reviews, {builtin} and {sizes.study_cards:,} cards", step)
    step = time.perf_counter()
    user_bank = work / LAYOUT["user-bank-10k"]
    user_bank.mkdir()
    for index, text in enumerate(export_bench.synthetic_bank(sizes.user_bank_concepts)):
        (user_bank / f"bench-{index:02d}.yaml").write_text(text, encoding="utf-8")
    (work / "user-bank-10k").mkdir()
    fixtures.use_home(work / "user-bank-10k", user_bank)
    from llmconcepts.cardbank.loader import load_bank

    # Parse it once, as a learner's first command would, so the export rows time a warm cache.
    load_bank()
    _say(f"  user-bank-10k: {3 * sizes.user_bank_concepts:,} cards parsed", step)


def _say(text: str, since: float | None = None) -> None:
    suffix = f" ({time.perf_counter() - since:.0f} s)" if since is not None else ""
    print(text + suffix, file=sys.stderr, flush=True)


# -- report -------------------------------------------------------------------------------------


def machine() -> list[str]:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    described = (f"Machine: {model}, {os.cpu_count()} cores; Python {platform.python_version()} "
                 f"({sys.executable}); {platform.system()} {platform.release()}")
    return [described, f"Load average (1, 5, 15 min) at start: {load}"]


def table(rows: list[Row]) -> list[str]:
    header = ["measure", "median", "floor (same run)", "ratio", "target", "result", "note"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=float, default=1.0, help="scale the number of runs of every row")
    parser.add_argument("--keep", type=Path, help="build into this new folder and keep it")
    parser.add_argument("--quick", action="store_true", help="a tenth of the history sizes (smoke test)")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)  # the build, in a child process
    args = parser.parse_args(argv)
    if args.keep is not None and args.keep.exists():
        parser.error(f"{args.keep} exists; give a new folder")
    sizes = Sizes() if not args.quick else Sizes(10_000, 1_000, 100_000, 3_000, 10_000, 334)
    if args.build_only is not None:
        build(args.build_only, sizes)
        return 0
    started = time.perf_counter()
    header = machine()
    print("\n".join(header), file=sys.stderr, flush=True)
    # An installed llmc has compiled bytecode; this environment forbids writing it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.pop("NO_COLOR", None)
    work = args.keep or Path(tempfile.mkdtemp(prefix="llmc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    from progress_bench import llmc_command

    ctx = Context(work, llmc_command(), args.runs)
    layout(ctx)
    try:
        _say("building the data directories...")
        step = time.perf_counter()
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--build-only", str(work)]
                       + (["--quick"] if args.quick else []), check=True)
        _say("built", step)
        rows: list[Row] = []
        for title, make in (("start-up", lambda: start_up_rows(ctx)),
                            ("due and stats", lambda: progress_rows(ctx, sizes)),
                            ("study", lambda: study_rows(ctx, sizes)),
                            ("export", lambda: export_rows(ctx, sizes)),
                            ("study memory", lambda: [study_memory_row(ctx, sizes)])):
            step = time.perf_counter()
            try:
                rows += make()
            except RuntimeError as exc:  # a command failed: say so in the table, measure the rest
                rows.append(Row(title, "ms", None, note=f"failed: {' '.join(str(exc).split())[:300]}"))
            _say(f"measured {title}", step)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    end_load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB
    print("\n".join(header))
    print(f"Load average at end: {end_load}; total {time.perf_counter() - started:.0f} s"
          + (" (--quick: sizes are a tenth, figures do not answer the targets)" if args.quick else ""))
    print("Medians of fresh processes after one warm-up run each (bytecode compiled, bank parse cache "
          "filled); row and floor runs alternate.")
    print(f"Peak RSS per child from wait4; it cannot read below this process's own peak, {own_rss:.0f} MB.")
    print()
    print("\n".join(table(rows)))
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
