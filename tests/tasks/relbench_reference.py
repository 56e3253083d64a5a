"""RelBench's rel-f1 task definitions, written independently of relgraph as test oracles.

Timestamps as in RelBench's database (race date + time, qualifying one day before its race),
RelBench's anchor times, the data cut at the test timestamp for train and validation, and
RelBench's SQL from ``relbench/tasks/f1.py`` (including its "active in the previous year"
subquery, which has no upper bound and so keeps every driver with a row in the window).
Used by tests/tasks/test_f1.py and bench/tasks.py.
"""

import duckdb
import pandas as pd
import pyarrow as pa

RELBENCH_SQL = {
    # RelBench's did_not_finish is 0 when the driver did not finish a race in the window and
    # 1 otherwise; relgraph's driver-dnf label is 1 for "did not finish" (the README's and the
    # task name's meaning). AUROC is the same either way; the test compares label == 1 - theirs.
    "driver-dnf": (
        "results",
        30,
        "CASE WHEN MAX(CASE WHEN re.statusId != 1 THEN 1 ELSE 0 END) = 1 THEN 0 ELSE 1 END",
    ),
    "driver-top3": ("qualifying", 30, "CASE WHEN MIN(re.position) <= 3 THEN 1 ELSE 0 END"),
    "driver-position": ("results", 60, "mean(re.positionOrder)"),
}


def relbench_anchors(
    split: str, days: int, earliest: pd.Timestamp, latest: pd.Timestamp
) -> pd.DatetimeIndex:
    """``relbench.base.task_base.BaseTask._get_table``'s timestamps."""
    val, test, delta = (
        pd.Timestamp("2005-01-01"),
        pd.Timestamp("2010-01-01"),
        pd.Timedelta(days=days),
    )
    if split == "train":
        return pd.date_range(start=val - delta, end=earliest, freq=-delta)
    if split == "validation":
        return pd.date_range(start=val, end=min(val + delta * 39, test - delta), freq=delta)
    return pd.date_range(start=test, end=min(test + delta * 39, latest - delta), freq=delta)


def relbench_tables(data: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """RelBench's rel-f1 database: event tables carry their race's timestamp."""
    con = duckdb.connect()
    for name in ("races", "results", "qualifying", "drivers"):
        con.register(f"raw_{name}", data[name])
    con.execute(
        "CREATE TABLE races AS SELECT raceId, CAST(date AS DATE) + "
        "COALESCE(TRY_CAST(time AS TIME), TIME '00:00:00') AS date FROM raw_races;"
        "CREATE TABLE results AS SELECT r.*, ra.date FROM raw_results r LEFT JOIN races ra USING (raceId);"
        "CREATE TABLE qualifying AS SELECT q.*, ra.date - INTERVAL 1 DAY AS date "
        "FROM raw_qualifying q LEFT JOIN races ra USING (raceId);"
        "CREATE TABLE drivers AS SELECT * FROM raw_drivers;"
    )
    return con


def relbench_table(con: duckdb.DuckDBPyConnection, task: str, split: str) -> pd.DataFrame:
    table, days, label = RELBENCH_SQL[task]
    earliest, latest = con.execute("SELECT min(date), max(date) FROM races").fetchall()[0]
    timestamps = relbench_anchors(split, days, pd.Timestamp(earliest), pd.Timestamp(latest))
    cut = "" if split == "test" else "WHERE date <= TIMESTAMP '2010-01-01'"
    timestamp_df = pd.DataFrame({"timestamp": timestamps})
    con.register("timestamp_df", timestamp_df)
    return con.sql(
        f"""
        WITH re_db AS (SELECT * FROM {table} {cut})
        SELECT t.timestamp AS date, dri.driverId AS driverId, {label} AS label
        FROM timestamp_df t
        LEFT JOIN re_db re ON re.date <= t.timestamp + INTERVAL '{days} days' AND re.date > t.timestamp
        LEFT JOIN drivers dri ON re.driverId = dri.driverId
        WHERE dri.driverId IN (
            SELECT DISTINCT driverId FROM re_db WHERE date > t.timestamp - INTERVAL '1 year'
        )
        GROUP BY t.timestamp, dri.driverId
        ORDER BY date, driverId
        """
    ).df()
