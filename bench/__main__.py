"""Run every benchmark under bench/ and print one table: work, ours, baseline, ratio, target.

Each module exposes `run() -> dict` with keys work, ours, baseline, ratio, target (and may add
more), or a list of such rows. Baselines are measured in the same run as our figure, since the machines are noisy.
Usage: `make bench` or `python -m bench [name ...]`; the table is also written to
bench/results/latest.json.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    modules = names or sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))
    rows, failed = [], False
    for name in modules:
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            result = importlib.import_module(f"bench.{name}").run()
        except Exception:  # one broken benchmark must not hide the others
            traceback.print_exc()
            result, failed = {"work": f"{name} (failed, see above)", "error": "failed", "met": False}, True
        rows.extend({"benchmark": name, **row} for row in (result if isinstance(result, list) else [result]))
    columns = ["benchmark", "work", "ours", "baseline", "ratio", "target", "met"]
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=2))
    print(f"written to {out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
