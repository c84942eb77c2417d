"""Latency of `llmc study`: from pressing a rating key to the next card's prompt on screen.

Usage::

    python benchmarks/study_latency.py [--home HOME] [--cards 3000] [--reviews 100000]
        [--ratings 40] [--columns 80] [--json]

Without ``--home`` a history is generated first with benchmarks/generate_history.py
(``--cards``, ``--reviews``, one year, seed 7, ending now). The session runs on a
copy of HOME, so the same HOME can be measured again.

``llmc study`` runs in a real pseudo-terminal (pexpect, 24 rows x ``--columns``).
For each card the benchmark reveals the answer (Enter), waits for the rating row,
then times from sending ``3`` (Good) to the moment the next card's answer prompt
has arrived on the terminal: the rating's database transaction, choosing the next
card, counting what is left, and drawing the screen. The first ``--ratings`` cards
are timed; the median, the 90th percentile and the extremes are printed, in
milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ANSWER_PROMPT = "Enter alone reveals."
RATING_ROW = "q quit"


def measure(home: Path, ratings: int, columns: int) -> list[float]:
    """Milliseconds from each rating keypress to the next prompt, for ``ratings`` cards."""
    import pexpect

    env = dict(os.environ, LLMC_HOME=str(home), TERM="xterm-256color")
    for name in ("LLMC_CARDS", "LLMC_DATABASE_URL", "NO_COLOR"):
        env.pop(name, None)
    child = pexpect.spawn(sys.executable, ["-m", "llmconcepts", "study"], env=env,
                          dimensions=(24, columns), encoding="utf-8", timeout=120)
    child.delaybeforesend = None  # pexpect sleeps 50 ms before each send by default
    samples = []
    try:
        child.expect_exact(ANSWER_PROMPT)
        for _ in range(ratings):
            child.send("\r")  # reveal without typing
            child.expect_exact(RATING_ROW)
            started = time.perf_counter()
            child.send("3")
            index = child.expect_exact([ANSWER_PROMPT, "Session complete", pexpect.EOF])
            if index != 0:
                break
            samples.append((time.perf_counter() - started) * 1000)
        child.send("\r")
        child.expect_exact(RATING_ROW)
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return samples


def report(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "ratings_timed": len(ordered),
        "median_ms": statistics.median(ordered),
        "p90_ms": ordered[max(0, round(0.9 * len(ordered)) - 1)],
        "min_ms": ordered[0],
        "max_ms": ordered[-1],
        "mean_ms": statistics.fmean(ordered),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="an LLMC_HOME with a history (default: generate one)")
    parser.add_argument("--cards", type=int, default=3000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--ratings", type=int, default=40, help="cards to time")
    parser.add_argument("--columns", type=int, default=80)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="llmc-latency-") as scratch:
        source = args.home
        if source is None:
            sys.path.insert(0, str(Path(__file__).parent))
            from datetime import datetime, timezone

            from generate_history import HistorySpec, generate

            source = Path(scratch) / "generated"
            spec = HistorySpec(cards=args.cards, reviews=args.reviews, end=datetime.now(timezone.utc))
            generated = generate(source, spec)
            if not args.json:
                print(f"generated {generated['reviews']} reviews over {generated['cards']} cards "
                      f"in {generated['seconds']:.1f} s")
        home = Path(scratch) / "session"
        shutil.copytree(source, home)
        samples = measure(home, args.ratings, args.columns)
    if not samples:
        print("no card was rated: nothing due in that history", file=sys.stderr)
        return 1
    result = report(samples)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"rating key -> next prompt over {result['ratings_timed']} cards: "
              f"median {result['median_ms']:.1f} ms, p90 {result['p90_ms']:.1f} ms, "
              f"min {result['min_ms']:.1f} ms, max {result['max_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
