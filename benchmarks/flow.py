"""Weekly flows per FMP × nationality × direction from 10,000,000 FMR group records, and
shares of respondents with Wilson 95% intervals from 1,000,000 FMS interviews: pantau's DuckDB
SQL (`pantau.flow.analytics.flows_sql` and `pantau.flow.surveys.shares_sql`, the queries
`ws.flow.flows` and `ws.flow.survey_shares` run) against the same work in pandas, in the same
run.

    python benchmarks/flow.py [--rows 10000000] [--surveys 1000000] [--repeat 3]

The records are generated in DuckDB (deterministic: hashes of the row number): 200 FMPs, 40
nationalities, 3 directions, 365 days, groups of 1–60 people split into men, women, boys,
girls. The same rows are copied into a pandas DataFrame with text columns as categories (the
fast layout for pandas; the copy is not timed). Each side then computes, per ISO week (from
Monday) × FMP × nationality × direction, the sums of individuals, men, women, boys, girls,
unaccompanied children and the number of groups; the two results are compared before any
time is printed. The interviews: departure country (4 values), nationality (40) and one to
three reasons each (space-separated, as Kobo writes a select_multiple); each side computes, per
value, respondents, n, share and the Wilson interval — for the departure country (one answer)
and for the reasons (several answers: split and counted per respondent). Each figure is the
median of `--repeat` runs. Prints the load average: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import duckdb
import numpy as np
import pandas as pd

from pantau.flow.analytics import create_sql, flows_sql, use_enums
from pantau.flow.surveys import FMS_COLUMNS, Z95, shares_sql

BY = ("point", "nationality", "direction")
NATIONALITIES = ["BGD", "EGY", "SYR", "TUN", "GIN", "CIV", "PAK", "AFG", "ERI", "SDN", "MLI",
                 "BFA", "IRQ", "IRN", "DZA", "MAR", "NGA", "SEN", "GMB", "SOM", "ETH", "CMR",
                 "GHA", "LBY", "TUR", "UKR", "VEN", "COL", "HTI", "MMR", "IDN", "PHL", "NPL",
                 "LKA", "IND", "CHN", "VNM", "TCD", "NER", "YEM"]


def generate(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    con.execute(create_sql())
    nats = "[" + ", ".join(f"'{n}'" for n in NATIONALITIES) + "]"
    con.execute(f"""
        INSERT INTO fmr
        WITH g AS (
            SELECT i, hash(i) AS h, 1 + CAST(hash(i, 1) % 60 AS BIGINT) AS total
            FROM range($n) t(i))
        SELECT 'FMP-' || lpad(CAST(h % 200 AS VARCHAR), 3, '0'), NULL, NULL, NULL,
               DATE '2024-01-01' + CAST((h >> 8) % 365 AS INTEGER),
               (['incoming', 'outgoing', 'transit'])[1 + CAST((h >> 20) % 3 AS INTEGER)],
               {nats}[1 + CAST((h >> 24) % {len(NATIONALITIES)} AS INTEGER)],
               total, total - total // 2 - total // 6 - total // 8,
               total // 2, total // 6, total // 8, (total // 8) // 2,
               'boat', NULL, NULL, NULL, NULL, NULL, NULL
        FROM g""", {"n": rows})
    use_enums(con)  # as `pantau.flow.analytics.loaded` does


def duck_weekly(con: duckdb.DuckDBPyConnection) -> int:
    """The result stays a DuckDB table, as the pandas result stays a DataFrame: neither side
    pays for turning a million rows into Python objects."""
    con.execute("CREATE OR REPLACE TEMP TABLE weekly AS " + flows_sql("week", BY))
    return int(con.execute("SELECT COUNT(*) FROM weekly").fetchone()[0])


def pandas_weekly(df: pd.DataFrame) -> pd.DataFrame:
    week = df["date"] - pd.to_timedelta(df["date"].dt.day_of_week, unit="D")
    grouped = df.assign(period=week).groupby(["period", *BY], observed=True, sort=True)
    out = grouped[["total", "men", "women", "boys", "girls", "unaccompanied"]].sum()
    out["groups"] = grouped.size()
    return out.reset_index()


REASONS = ["economic", "conflict", "persecution", "family", "education", "other"]


def generate_surveys(con: duckdb.DuckDBPyConnection, n: int) -> None:
    con.execute("CREATE TABLE fms (" + ", ".join(f"{c} {t}" for c, t in FMS_COLUMNS) + ")")
    nats = "[" + ", ".join(f"'{x}'" for x in NATIONALITIES) + "]"
    reasons = "[" + ", ".join(f"'{x}'" for x in REASONS) + "]"
    con.execute(f"""
        INSERT INTO fms (id, point, date, nationality, departure_country, reasons)
        WITH g AS (SELECT i, hash(i, 7) AS h FROM range($n) t(i))
        SELECT i, 'FMP-' || CAST(h % 50 AS VARCHAR),
               DATE '2024-01-01' + CAST((h >> 8) % 365 AS INTEGER),
               {nats}[1 + CAST((h >> 20) % {len(NATIONALITIES)} AS INTEGER)],
               (['LBY', 'TUN', 'TUR', 'DZA'])[1 + CAST((h >> 28) % 4 AS INTEGER)],
               array_to_string(list_distinct([{reasons}[1 + CAST((h >> 32) % 6 AS INTEGER)],
                   {reasons}[1 + CAST((h >> 36) % 6 AS INTEGER)]]), ' ')
        FROM g""", {"n": n})


def duck_shares(con: duckdb.DuckDBPyConnection, dimension: str) -> int:
    con.execute(f"CREATE OR REPLACE TEMP TABLE shares_{dimension} AS "
                + shares_sql(dimension))
    return int(con.execute(f"SELECT COUNT(*) FROM shares_{dimension}").fetchone()[0])


def pandas_shares(df: pd.DataFrame, dimension: str) -> pd.DataFrame:
    answered = df[df[dimension].notna()]
    n = len(answered)
    if dimension == "reasons":
        values = answered[dimension].str.split(" ").explode()
    else:
        values = answered[dimension]
    k = values.value_counts()
    out = pd.DataFrame({"respondents": k, "n": n})
    p = k / n
    centre, denom = p + Z95 ** 2 / (2 * n), 1 + Z95 ** 2 / n
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n))
    out["share"], out["ci_low"], out["ci_high"] = p, (centre - half) / denom, \
        (centre + half) / denom
    return out


def timed(fn, repeat: int):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--surveys", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    con = duckdb.connect()
    t0 = time.perf_counter()
    generate(con, args.rows)
    df = con.execute("SELECT date, point, nationality, direction, total, men, women, boys, "
                     "girls, unaccompanied FROM fmr").df()
    for c in ("point", "nationality", "direction"):
        df[c] = df[c].astype("category")
    df["date"] = pd.to_datetime(df["date"])
    print(f"setup (not timed in the figures): {time.perf_counter() - t0:.1f} s for "
          f"{args.rows:,} FMR groups")
    duck_s, n = timed(lambda: duck_weekly(con), args.repeat)
    pandas_s, pdf = timed(lambda: pandas_weekly(df), args.repeat)
    individuals, groups = con.execute("SELECT SUM(individuals), SUM(groups) FROM weekly"
                                      ).fetchone()
    assert n == len(pdf), (n, len(pdf))
    assert int(individuals) == int(pdf["total"].sum()) == \
        int(con.execute("SELECT SUM(total) FROM fmr").fetchone()[0])
    assert int(groups) == int(pdf["groups"].sum()) == args.rows
    first = con.execute("SELECT period, point, nationality, direction, individuals "
                        "FROM weekly LIMIT 1").fetchone()
    head = pdf.iloc[0]
    assert (first[0], first[1], first[2], first[3], first[4]) == (
        head["period"].date(), head["point"], head["nationality"], head["direction"],
        head["total"]), "both sides sort the same way and agree on the first row"
    print(f"weekly flows per FMP × nationality × direction, {args.rows:,} FMR groups → "
          f"{n:,} rows (median of {args.repeat}; DuckDB threads: "
          f"{con.execute('SELECT current_setting(' + repr('threads') + ')').fetchone()[0]})")
    print(f"  pantau (DuckDB SQL): {duck_s:6.2f} s")
    print(f"  pandas groupby:      {pandas_s:6.2f} s")
    print(f"  pantau is {pandas_s / duck_s:.1f}× faster   (load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; the machine may be shared)")
    surveys(con, args.surveys, args.repeat)


def surveys(con: duckdb.DuckDBPyConnection, n: int, repeat: int) -> None:
    generate_surveys(con, n)
    df = con.execute("SELECT id, nationality, departure_country, reasons FROM fms").df()
    for dimension in ("departure_country", "reasons"):
        duck_s, rows = timed(lambda d=dimension: duck_shares(con, d), repeat)
        pandas_s, pdf = timed(lambda d=dimension: pandas_shares(df, d), repeat)
        got = {r[0]: r[1:] for r in con.execute(
            f"SELECT value, respondents, ci_low, ci_high FROM shares_{dimension}").fetchall()}
        assert rows == len(pdf) and set(got) == set(pdf.index)
        for value, (k, low, high) in got.items():
            assert k == pdf.loc[value, "respondents"]
            assert abs(low - pdf.loc[value, "ci_low"]) < 1e-12
            assert abs(high - pdf.loc[value, "ci_high"]) < 1e-12
        print(f"shares of respondents by {dimension} with Wilson 95% intervals, {n:,} FMS "
              f"interviews → {rows} rows (median of {repeat})")
        print(f"  pantau (DuckDB SQL): {duck_s:6.3f} s")
        print(f"  pandas:              {pandas_s:6.3f} s")
        print(f"  pantau is {pandas_s / duck_s:.1f}× faster   (load average "
              f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})")


if __name__ == "__main__":
    main()
