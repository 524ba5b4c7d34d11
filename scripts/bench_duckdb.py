#!/usr/bin/env python3
"""The DuckDB side of scripts/bench-ingest and scripts/bench-reports (run with the venv's Python,
which has duckdb from PyPI).

As a command, one ingest as a whole process (what bench-ingest times):

  bench_duckdb.py ingest-batch RESULTS.jsonl DB.duckdb BATCH.json [ID_PATTERN]
  bench_duckdb.py ingest-apilog LOG.jsonl DB.duckdb

Each reads the fields a ledger needs with `read_json` (typed `columns`, so `content` is skipped
by the JSON reader rather than materialised) into a persisted table, normalised the way Tally
normalises them (DESIGN.md, facts/formats.md): disjoint token categories (Anthropic writes split
5m/1h when the split is given, else all 5m; OpenAI `prompt_tokens` minus `cached_tokens`),
request status, and with ID_PATTERN the tenant and job taken from custom_id by the named groups.

As a module, bench-reports uses `load_prices` and `priced_query`: Tally's bundled price tables
loaded into DuckDB, and one SQL query that prices requests the way Tally does (rate by model,
mode, effective period and context tier, where long context is a cliff on total input =
input + cache writes + cache reads), in exact integer picodollars (rates are USD per million
tokens with at most 6 decimals, so tokens x rate x 10^6 is a whole number of 10^-12 dollars).
"""
import json
import re
import sys

# --- ingest -------------------------------------------------------------------------------

USAGE_TYPE = ("STRUCT(input_tokens BIGINT, output_tokens BIGINT, cache_creation_input_tokens BIGINT, "
              "cache_read_input_tokens BIGINT, cache_creation STRUCT(ephemeral_5m_input_tokens BIGINT, "
              "ephemeral_1h_input_tokens BIGINT), server_tool_use STRUCT(web_search_requests BIGINT), "
              "service_tier VARCHAR, prompt_tokens BIGINT, completion_tokens BIGINT, "
              "prompt_tokens_details STRUCT(cached_tokens BIGINT))")


def anthropic_tokens(u: str) -> str:
    """SELECT list of the disjoint categories of an Anthropic usage struct expression `u`."""
    return f"""
      coalesce({u}.input_tokens, 0) AS input,
      CASE WHEN {u}.cache_creation IS NULL THEN coalesce({u}.cache_creation_input_tokens, 0)
           ELSE coalesce({u}.cache_creation.ephemeral_5m_input_tokens, 0) END AS w5m,
      CASE WHEN {u}.cache_creation IS NULL THEN 0
           ELSE coalesce({u}.cache_creation.ephemeral_1h_input_tokens, 0) END AS w1h,
      coalesce({u}.cache_read_input_tokens, 0) AS rd,
      coalesce({u}.output_tokens, 0) AS output,
      coalesce({u}.server_tool_use.web_search_requests, 0) AS web"""


def id_pattern_groups(pattern: str):
    """Turns a Swift/ICU pattern with named groups into an RE2 pattern with plain groups and the
    list of group names in order (DuckDB's regexp_extract takes the names as a list)."""
    names = re.findall(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", pattern)
    return re.sub(r"\(\?<[A-Za-z_][A-Za-z0-9_]*>", "(", pattern), names


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ingest_batch(con, path: str, batch: dict, pattern) -> None:
    attribution = "NULL::VARCHAR AS tenant, NULL::VARCHAR AS job,"
    if pattern:
        re2, names = id_pattern_groups(pattern)
        names_sql = "[" + ", ".join(sql_string(n) for n in names) + "]"
        attribution = f"""
          nullif(regexp_extract(custom_id, {sql_string(re2)}, {names_sql}).tenant, '') AS tenant,
          nullif(regexp_extract(custom_id, {sql_string(re2)}, {names_sql}).job, '') AS job,"""
    con.execute(f"""
      CREATE TABLE requests AS
      SELECT {sql_string(batch["id"])} AS batch_id, custom_id, {attribution}
        strptime({sql_string(batch["created_at"])}, '%Y-%m-%dT%H:%M:%SZ') AS ts,
        result.type AS status, result.message.model AS model, 'batch' AS mode,
        {anthropic_tokens("result.message.usage")}
      FROM read_json({sql_string(path)}, format = 'newline_delimited', maximum_object_size = 268435456,
        columns = {{custom_id: 'VARCHAR',
                   result: 'STRUCT(type VARCHAR, message STRUCT(model VARCHAR, usage {USAGE_TYPE}))'}})""")


APILOG_COLUMNS = ("{timestamp: 'VARCHAR', tenant: 'VARCHAR', job: 'VARCHAR', request_id: 'VARCHAR', "
                  "metadata: 'STRUCT(tenant VARCHAR, job VARCHAR)', "
                  f"response: 'STRUCT(id VARCHAR, type VARCHAR, object VARCHAR, model VARCHAR, usage {USAGE_TYPE})'}}")


def ingest_apilog(con, path: str) -> None:
    u = "response.usage"
    con.execute(f"""
      CREATE TABLE requests AS
      WITH raw AS (
        SELECT * FROM read_json({sql_string(path)}, format = 'newline_delimited',
                                maximum_object_size = 268435456, columns = {APILOG_COLUMNS}))
      SELECT strptime(timestamp, '%Y-%m-%dT%H:%M:%SZ') AS ts,
        coalesce(tenant, metadata.tenant) AS tenant, coalesce(job, metadata.job) AS job,
        coalesce(request_id, response.id) AS request_key,
        CASE WHEN response.type = 'message' THEN 'anthropic' ELSE 'openai' END AS provider,
        response.model AS model,
        CASE WHEN {u}.service_tier = 'batch' THEN 'batch' ELSE 'sync' END AS mode,
        'succeeded' AS status,
        CASE WHEN response.type = 'message' THEN coalesce({u}.input_tokens, 0)
             ELSE coalesce({u}.prompt_tokens, 0) - coalesce({u}.prompt_tokens_details.cached_tokens, 0) END AS input,
        CASE WHEN response.type <> 'message' THEN 0
             WHEN {u}.cache_creation IS NULL THEN coalesce({u}.cache_creation_input_tokens, 0)
             ELSE coalesce({u}.cache_creation.ephemeral_5m_input_tokens, 0) END AS w5m,
        CASE WHEN response.type <> 'message' OR {u}.cache_creation IS NULL THEN 0
             ELSE coalesce({u}.cache_creation.ephemeral_1h_input_tokens, 0) END AS w1h,
        CASE WHEN response.type = 'message' THEN coalesce({u}.cache_read_input_tokens, 0)
             ELSE coalesce({u}.prompt_tokens_details.cached_tokens, 0) END AS rd,
        CASE WHEN response.type = 'message' THEN coalesce({u}.output_tokens, 0)
             ELSE coalesce({u}.completion_tokens, 0) END AS output,
        coalesce({u}.server_tool_use.web_search_requests, 0) AS web
      FROM raw""")


# --- prices and the priced aggregation ------------------------------------------------------

RATE_COLUMNS = ["input", "output", "cache_write_5m", "cache_write_1h", "cache_read", "batch_input",
                "batch_output", "batch_cache_write_5m", "batch_cache_write_1h", "batch_cache_read",
                "web_search_per_1k"]


def load_prices(con, csv_paths) -> None:
    """Loads pricing/*.csv into `prices`, every rate as an integer number of micro-dollars
    (NULL when empty); `effective_to` NULL when open."""
    files = "[" + ", ".join(sql_string(p) for p in csv_paths) + "]"
    rates = ",\n".join(
        f"CAST(round(CAST(nullif(trim({c}), '') AS DECIMAL(18, 6)) * 1000000) AS BIGINT) AS {c}"
        for c in RATE_COLUMNS)
    con.execute(f"""
      CREATE OR REPLACE TABLE prices AS
      SELECT provider, model, coalesce(aliases, '') AS aliases,
        CAST(effective_from AS DATE) AS effective_from, CAST(nullif(trim(effective_to), '') AS DATE) AS effective_to,
        CAST(min_input_tokens AS BIGINT) AS min_input, {rates}
      FROM read_csv({files}, header = true, all_varchar = true, union_by_name = true)""")
    # Which price-table model each name resolves to (id or alias; else the id without a date
    # suffix), the tier thresholds and price-period boundaries of each model. Small tables.
    con.execute("""
      CREATE OR REPLACE TABLE price_keys AS
      SELECT DISTINCT model AS key, model AS id FROM prices
      UNION SELECT DISTINCT unnest(string_split(aliases, ' ')) AS key, model AS id FROM prices WHERE aliases <> ''""")
    con.execute("""
      CREATE OR REPLACE TABLE price_models AS
      SELECT model AS id, list(DISTINCT min_input) AS tiers,
             list_distinct(flatten(list([effective_from] || CASE WHEN effective_to IS NULL THEN [] ELSE [effective_to] END))) AS bounds
      FROM prices GROUP BY model""")


def priced_query(where: str, dims, extra_keys=(), batch_keys_sql: str = "") -> str:
    """SQL for: requests matching `where`, grouped by `dims` (SQL expressions over `requests r`
    with aliases, e.g. ["r.tenant AS tenant"]), with billed requests, the token sums, list and
    actual cost in picodollars (HUGEINT) and unpriced requests. Requests are first summed per
    (dims, price model, mode, price period, context tier) and priced once per group, as Tally does.

    `batch_keys_sql`, when given, is a boolean SQL expression over `r`: matching sync traffic is
    priced at batch rates as the scenario (columns scenario_pico), for whatif."""
    dim_names = [d.rsplit(" AS ", 1)[1] for d in dims]
    dims_sql = ", ".join(dims) + ("," if dims else "")
    names_sql = ", ".join(dim_names) + ("," if dims else "")
    g_names_sql = ", ".join("g." + n for n in dim_names) + ("," if dims else "")
    scenario_key = f"({batch_keys_sql}) AS moved," if batch_keys_sql else "false AS moved,"
    # Web searches cost web_search_per_1k in both modes; with no such rate they leave the group unpriced.
    WEB = "CASE WHEN g.web = 0 THEN 0 ELSE CAST(g.web AS HUGEINT) * p.web_search_per_1k * 1000 END"
    rate = "(CASE WHEN g.mode = 'batch' THEN p.batch_{0} ELSE p.{0} END)"
    batch_rate = "p.batch_{0}"

    def cost(rates):
        return ("(CAST(g.input AS HUGEINT) * {i} + CAST(g.w5m AS HUGEINT) * {w5} + CAST(g.w1h AS HUGEINT) * {w1}"
                " + CAST(g.rd AS HUGEINT) * {r} + CAST(g.output AS HUGEINT) * {o} + {web})"
                ).format(i=rates.format("input"), w5=rates.format("cache_write_5m"), w1=rates.format("cache_write_1h"),
                         r=rates.format("cache_read"), o=rates.format("output"), web=WEB)

    list_cost = cost("p.{0}")
    actual_cost = cost(rate)
    batch_cost = cost(batch_rate)
    worst = ("(CAST(g.input AS HUGEINT) * p.batch_input + (CAST(g.w5m AS HUGEINT) + g.rd) * p.batch_cache_write_5m"
             " + CAST(g.w1h AS HUGEINT) * p.batch_cache_write_1h + CAST(g.output AS HUGEINT) * p.batch_output"
             " + " + WEB + ")")
    return f"""
      WITH names AS (SELECT DISTINCT model AS name FROM requests),
      resolved AS (
        SELECT n.name, coalesce(k1.id, k2.id) AS id FROM names n
        LEFT JOIN price_keys k1 ON k1.key = n.name
        LEFT JOIN price_keys k2 ON k2.key = regexp_replace(n.name, '-([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|[0-9]{{8}})$', '')),
      g AS (
        SELECT {dims_sql} rs.id AS pid, r.mode AS mode, {scenario_key}
          list_max(list_filter(pm.bounds, lambda b: b <= CAST(r.ts AS DATE))) AS period,
          list_max(list_filter(pm.tiers, lambda t: t <= r.input + r.w5m + r.w1h + r.rd)) AS tier,
          count(*) AS n, sum(r.input) AS input, sum(r.w5m) AS w5m, sum(r.w1h) AS w1h, sum(r.rd) AS rd,
          sum(r.output) AS output, sum(r.web) AS web
        FROM requests r LEFT JOIN resolved rs ON rs.name = r.model LEFT JOIN price_models pm ON pm.id = rs.id
        WHERE r.status = 'succeeded' AND ({where})
        GROUP BY ALL),
      gp AS (
        SELECT g.*, p.model IS NOT NULL AND (g.mode = 'sync' OR p.batch_input IS NOT NULL)
          AND (g.web = 0 OR p.web_search_per_1k IS NOT NULL) AS priced,
          {list_cost} AS list_pico, {actual_cost} AS actual_pico,
          CASE WHEN g.moved AND g.mode = 'sync' AND p.batch_input IS NOT NULL THEN {batch_cost} ELSE {actual_cost} END AS scenario_pico,
          CASE WHEN g.mode = 'sync' THEN {batch_cost} END AS batch_pico,
          CASE WHEN g.mode = 'sync' THEN {worst} END AS worst_pico
        FROM g LEFT JOIN prices p ON p.model = g.pid AND p.effective_from <= g.period
          AND (p.effective_to IS NULL OR g.period < p.effective_to) AND p.min_input <= g.tier
        QUALIFY row_number() OVER (PARTITION BY {g_names_sql} g.pid, g.mode, g.moved, g.period, g.tier
                                   ORDER BY p.min_input DESC NULLS LAST) = 1)
      SELECT {names_sql} sum(n) AS requests, sum(input) AS input, sum(w5m) AS w5m, sum(w1h) AS w1h,
        sum(rd) AS rd, sum(output) AS output, sum(web) AS web,
        coalesce(sum(list_pico) FILTER (WHERE priced), 0) AS list_pico,
        coalesce(sum(actual_pico) FILTER (WHERE priced), 0) AS actual_pico,
        coalesce(sum(scenario_pico) FILTER (WHERE priced), 0) AS scenario_pico,
        coalesce(sum(batch_pico) FILTER (WHERE priced AND mode = 'sync'), 0) AS batch_pico,
        coalesce(sum(worst_pico) FILTER (WHERE priced AND mode = 'sync'), 0) AS worst_pico,
        coalesce(sum(actual_pico) FILTER (WHERE priced AND mode = 'sync'), 0) AS sync_actual_pico,
        coalesce(sum(n) FILTER (WHERE mode = 'sync'), 0) AS sync_requests,
        coalesce(sum(n) FILTER (WHERE NOT priced), 0) AS unpriced
      FROM gp {"GROUP BY ALL" if dims else ""}"""


def main(argv) -> None:
    import duckdb

    command, path, db = argv[1], argv[2], argv[3]
    con = duckdb.connect(db)
    if command == "ingest-batch":
        with open(argv[4]) as f:
            batch = json.load(f)
        ingest_batch(con, path, batch, argv[5] if len(argv) > 5 else None)
    elif command == "ingest-apilog":
        ingest_apilog(con, path)
    else:
        sys.exit(f"unknown command {command}")
    rows = con.execute("SELECT count(*) FROM requests").fetchone()[0]
    con.close()
    print(rows)


if __name__ == "__main__":
    main(sys.argv)
