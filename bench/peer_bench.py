"""Runs the peer bench (../shared/peer-bench/side_by_side.py, its README says how) on this tree.

That script imports the push's hand-written inserts as `server.sync.writer`; they now live in server/ledger/visits.py,
so they are handed to it under that name. Its options pass through, e.g.
    .venv/bin/python bench/peer_bench.py --doorstep . --peer-dir ../peer-work --pg-url ... --rounds 3
"""
import runpy
import sys
from pathlib import Path

import server.sync
from server.ledger import visits

# Beside the main checkout (/work/main -> /work/shared) or beside a worktree's folder (/work/wt/x -> /work/shared).
SCRIPT = next((p for p in (Path(__file__).resolve().parents[n] / "shared" / "peer-bench" / "side_by_side.py"
                           for n in (2, 3)) if p.exists()), None)

if __name__ == "__main__":
    if SCRIPT is None:
        sys.exit("../shared/peer-bench/side_by_side.py not found")
    server.sync.writer = sys.modules["server.sync.writer"] = visits
    sys.argv[0] = str(SCRIPT)
    runpy.run_path(str(SCRIPT), run_name="__main__")
