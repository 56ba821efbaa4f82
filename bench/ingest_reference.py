#!/usr/bin/env python3
"""Reference ingest for bench/ingest.ts: plain pandas + sqlite3, no DSI.

    python3 bench/ingest_reference.py FILE DB

Reads FILE with pandas.read_csv (default options: C parser, type inference) and writes it to
table `bench` of a new SQLite file DB with DataFrame.to_sql over a sqlite3 connection
(index=False), then commits. Prints one JSON line on stdout:

    {"rows": N, "readSeconds": s, "totalSeconds": s, "rssBeforeKiB": k, "maxRssKiB": k,
     "pandas": "x.y.z", "sqlite": "3.x"}

`readSeconds` is the wall time of read_csv + to_sql + commit (what the Node side's
`store.read` covers: parse, convert, insert, commit); `totalSeconds` adds connect and close.
`maxRssKiB` is resource.getrusage(RUSAGE_SELF).ru_maxrss (KiB on Linux, bytes on macOS:
normalised to KiB here).

Exit status 3 with a message on stderr when pandas cannot be imported.
"""
import json
import os
import resource
import sqlite3
import sys
import time


def max_rss_kib() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss


def current_rss_kib() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return max_rss_kib()


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: python3 bench/ingest_reference.py FILE DB", file=sys.stderr)
        return 2
    path, db = sys.argv[1], sys.argv[2]
    try:
        import pandas as pd
    except ImportError as e:
        print(f"pandas is not importable ({e}); install it with: python3 -m pip install pandas", file=sys.stderr)
        return 3

    rss_before = current_rss_kib()
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    t1 = time.perf_counter()
    cpu1 = time.process_time()
    df = pd.read_csv(path)
    df.to_sql("bench", con, index=False)
    con.commit()
    cpu = time.process_time() - cpu1
    t2 = time.perf_counter()
    rows = len(df)
    del df
    con.close()
    t3 = time.perf_counter()
    print(json.dumps({
        "rows": rows,
        "readSeconds": t2 - t1,
        "totalSeconds": t3 - t0,
        "cpuSeconds": cpu,
        "rssBeforeKiB": rss_before,
        "maxRssKiB": max_rss_kib(),
        "pandas": pd.__version__,
        "sqlite": sqlite3.sqlite_version,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
