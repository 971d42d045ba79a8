"""The peer of `wecon analyze`: DuckDB running wecon's own SQL metric library (queries/*.sql,
in the catalogue's order) over the same Parquet dataset, writing each metric as Parquet and
CSV as wecon does.

    python duck.py DATASET OUT PROFILE_TOML [WECON_RESULTS]

Only what DuckDB lacks is defined here: the functions wecon adds to DataFusion
(`local_week_minute`, `local_micros`, as macros over DuckDB's ICU time zones, `utc_week`, as
`date_trunc` in the session's UTC, `set_bits`, as a filter of the 64 places, `pseudonym`,
the text itself, as DuckDB reads persons as the dataset's text rather than as wecon's
integer keys, and the window function `max_before(x) OVER (...)`, written out as the
`MAX(x) OVER (... ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)` it stands for, and the
aggregate `first_value(x ORDER BY ...)`, DuckDB's `first`: its `first_value` is a window
function only) and the one-row `profile` table and the `levers` table. Prints each metric's
row count. Given wecon's results folder of the same dataset, it also compares every table
value for value (numbers to 1e-6) and exits 1 on a difference.
"""

import re
import sys
import tomllib
from pathlib import Path

import duckdb

root = Path(__file__).resolve().parents[2]
dataset, out, profile_file = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
wecon_results = Path(sys.argv[4]) if len(sys.argv) > 4 else None
out.mkdir(parents=True, exist_ok=True)

catalogue = (root / "crates/wecon-engine/src/catalogue.rs").read_text()
names = re.findall(r'"\.\./\.\./\.\./queries/([\w/]+)\.sql"', catalogue)

con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute(f"CREATE VIEW activities AS SELECT * FROM read_parquet('{dataset}/activities/**/*.parquet')")
for t in ["people", "ingest_log"]:
    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{dataset}/{t}.parquet')")
con.execute("""CREATE MACRO local_micros(ts, tz) AS epoch_us(timezone(COALESCE(tz, 'UTC'), ts))""")
con.execute("""CREATE MACRO utc_week(ts) AS CAST(date_trunc('week', ts) AS DATE)""")
con.execute("""CREATE MACRO pseudonym(p) AS p""")
con.execute("""CREATE MACRO set_bits(x) AS list_filter(range(64), lambda b: (x >> b) & 1 = 1)""")
con.execute(
    """CREATE MACRO local_week_minute(ts, tz) AS
       (isodow(timezone(COALESCE(tz, 'UTC'), ts)) - 1) * 1440
       + hour(timezone(COALESCE(tz, 'UTC'), ts)) * 60 + minute(timezone(COALESCE(tz, 'UTC'), ts))"""
)
profile = tomllib.loads(profile_file.read_text())
levers = profile.pop("levers", {})
con.execute("CREATE TABLE levers (lever VARCHAR, fraction DOUBLE)")
if levers:
    con.executemany("INSERT INTO levers VALUES (?, ?)", [(k, float(v)) for k, v in levers.items()])
columns = ", ".join(
    f"{repr(v).lower() if isinstance(v, bool) else (repr(v) if not isinstance(v, str) else chr(39) + v.replace(chr(39), chr(39) * 2) + chr(39))} AS {k}"
    for k, v in profile.items()
)
con.execute(f"CREATE TABLE profile AS SELECT {columns}")


def closing(text, i):
    """The index of the parenthesis closing the one at `i`."""
    depth = 0
    for j in range(i, len(text)):
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        if depth == 0:
            return j
    raise ValueError(f"unbalanced parentheses after {text[i:i + 40]!r}")


def max_before(sql):
    """`max_before(x) OVER (w)` as `MAX(x) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)`."""
    while (m := re.search(r"\bmax_before\s*\(", sql)) is not None:
        arg_end = closing(sql, m.end() - 1)
        over = re.compile(r"\s*OVER\s*\(", re.I).match(sql, arg_end + 1)
        if over is None:
            raise ValueError("max_before without OVER (...)")
        window_end = closing(sql, over.end() - 1)
        sql = (
            sql[: m.start()]
            + f"MAX({sql[m.end():arg_end]}) OVER ({sql[over.end():window_end]}"
            + " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
            + sql[window_end + 1 :]
        )
    return sql


def first_value_aggregates(sql):
    """`first_value(x ORDER BY ...)` not followed by `OVER` (an aggregate) as DuckDB's `first(...)`."""
    out, at = [], 0
    for m in re.finditer(r"\bfirst_value\s*\(", sql, re.I):
        end = closing(sql, m.end() - 1)
        if re.compile(r"\s*OVER\b", re.I).match(sql, end + 1) is None:
            out.append(sql[at : m.start()] + "first(")
            at = m.end()
    return "".join(out) + sql[at:]


for name in names:
    sql = (root / "queries" / f"{name}.sql").read_text()
    body = "\n".join(l for l in sql.splitlines() if not l.lstrip().startswith("--"))
    body = first_value_aggregates(max_before(body))
    if re.match(r"\s*CREATE\s", body, re.I):
        con.execute(body)
        continue
    con.execute(f"CREATE TABLE {name} AS {body}")
    con.execute(f"COPY {name} TO '{out}/{name}.parquet' (FORMAT parquet)")
    con.execute(f"COPY {name} TO '{out}/{name}.csv' (HEADER)")
    n = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    print(f"{name} {n}")


def differences(name):
    """Rows of one table that differ between wecon's CSV and DuckDB's, both sorted by every column."""
    read = lambda d: f"read_csv_auto('{d}/{name}.csv')"
    cols = len(con.execute(f"SELECT * FROM {read(out)} LIMIT 0").description)
    order = ", ".join(str(i + 1) for i in range(cols))
    # Person-level tables are in wecon's `individual/` folder (analyzed with --individual).
    ours = wecon_results / "individual" if (wecon_results / "individual" / f"{name}.csv").exists() else wecon_results
    mine = con.execute(f"SELECT * FROM {read(ours)} ORDER BY {order}").fetchall()
    theirs = con.execute(f"SELECT * FROM {read(out)} ORDER BY {order}").fetchall()
    if len(mine) != len(theirs):
        return [f"{len(mine)} rows from wecon, {len(theirs)} from DuckDB"]
    bad = []
    for a, b in zip(mine, theirs):
        for u, v in zip(a, b):
            same = (
                abs(u - v) <= 1e-6
                if isinstance(u, float) and isinstance(v, float)
                else str(u) == str(v)
            )
            if not same:
                bad.append(f"{a} vs {b}")
                break
    return bad


if wecon_results:
    failed = False
    for name in names:
        if (out / f"{name}.csv").exists():
            bad = differences(name)
            if bad:
                failed = True
                print(f"{name}: {len(bad)} rows differ, e.g. {bad[0]}", file=sys.stderr)
    sys.exit(1 if failed else 0)
