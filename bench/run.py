"""Run the benchmarks and print their results as one JSON object: `make bench`,
or `python bench/run.py application startup` for some of them."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

BENCHMARKS = {
    "application": "bench_application",
    "startup": "bench_startup",
    "export": "bench_export",
    "projections": "bench_projections",
    "import": "bench_import",
    "concurrency": "bench_concurrency",
    "follow": "bench_follow",
    "verify": "bench_verify",
    "deals": "bench_deals",
    "show": "bench_show",
    "agenda": "bench_agenda",
    "movement": "bench_movement",
}


def main(names: list[str]) -> None:
    chosen = names or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark {unknown[0]!r}: choose from {', '.join(BENCHMARKS)}")
    results = {}
    for name in chosen:
        print(f"running {name}...", file=sys.stderr, flush=True)
        results[name] = importlib.import_module(BENCHMARKS[name]).run()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
