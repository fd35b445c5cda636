"""Interpreter overhead: the engine issue's loop program in the language, and start-up.

Prints microseconds per loop iteration for value plus derivative (median of several
runs) beside the 15 us target, and the time to import the language and to build (or
load from the cache) the parser. Run: python bench/bench_interpreter.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_US = 15.0
N = 30000
PROGRAM = f"out = 1; for i in range({N}): if i % 3 != 0: out = out * x + 0.000001"


def main() -> None:
    start = time.perf_counter()
    import adcli.lang as lang
    from adcli.lang import parser

    imported = time.perf_counter()
    parser.get_parser()
    built = time.perf_counter()
    program = lang.parse(PROGRAM)
    parsed = time.perf_counter()
    print(f"import adcli.lang:            {(imported - start) * 1e3:7.1f} ms")
    print(f"build/load the parser:        {(built - imported) * 1e3:7.1f} ms"
          f"  (cache dir: {parser.cache_dir()})")
    print(f"parse the loop program:       {(parsed - built) * 1e3:7.1f} ms")

    value_times, total_times = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        result = lang.run(program, {"x": 1.0}, source=PROGRAM)
        t1 = time.perf_counter()
        derivative = result.tape.gradient(result.value, result.inputs["x"])
        t2 = time.perf_counter()
        value_times.append((t1 - t0) / N * 1e6)
        total_times.append((t2 - t0) / N * 1e6)
    value_us = statistics.median(value_times)
    total_us = statistics.median(total_times)
    print(f"loop program, value only:     {value_us:7.2f} us/iteration")
    print(f"loop program, value + d/dx:   {total_us:7.2f} us/iteration  (target {TARGET_US} us)"
          f"  {'OK' if total_us <= TARGET_US else 'OVER TARGET'}")
    print(f"  value {float(result.value):.6f}, d/dx {float(derivative):.6f}")


if __name__ == "__main__":
    main()
