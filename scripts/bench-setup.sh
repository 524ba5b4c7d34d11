# Sourced by scripts/bench-ingest and scripts/bench-reports: the release build of tally, the DuckDB
# venv and the generated data files, all under .build/bench/ (reused while the generators are
# unchanged). Expects to run from the repository root with LINES set.

WORK=.build/bench
mkdir -p "$WORK"

# A data file's name carries the hash of the generator that wrote it: edit a generator and the
# next run writes fresh data.
generator_hash() { cat "$@" | sha1sum | cut -c1-8; }

# The batch results file and its batch object for $LINES lines; sets BATCH_RESULTS and BATCH_JSON.
make_batch_data() {
  local hash
  hash=$(generator_hash scripts/bench_generate.py scripts/bench_text.py)
  BATCH_RESULTS="$WORK/msgbatch_01Bench${LINES}x${hash}_results.jsonl"
  BATCH_JSON="$WORK/msgbatch_01Bench${LINES}x${hash}.json"
  if [ ! -f "$BATCH_RESULTS" ] || [ ! -f "$BATCH_JSON" ]; then
    echo "generating $LINES batch result lines into $BATCH_RESULTS" >&2
    python3 scripts/bench_generate.py "$LINES" "$BATCH_RESULTS.tmp" "$BATCH_JSON"
    mv "$BATCH_RESULTS.tmp" "$BATCH_RESULTS"
  fi
}

# The year-long API log for $LINES lines; sets APILOG.
make_apilog_data() {
  local hash
  hash=$(generator_hash scripts/bench_generate_apilog.py scripts/bench_text.py)
  APILOG="$WORK/apilog-${LINES}-${hash}.jsonl"
  if [ ! -f "$APILOG" ]; then
    echo "generating $LINES API-log lines into $APILOG" >&2
    python3 scripts/bench_generate_apilog.py "$LINES" "$APILOG.tmp"
    mv "$APILOG.tmp" "$APILOG"
  fi
}

# Builds tally in release mode; sets TALLY.
build_tally() {
  echo "building tally (release)" >&2
  swift build -c release --product tally >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
  TALLY="$(swift build -c release --product tally --show-bin-path)/tally"
}

# A venv with duckdb from PyPI; sets DUCK_PY (its python).
make_duckdb_venv() {
  DUCK_PY="$WORK/venv/bin/python"
  if ! "$DUCK_PY" -c "import duckdb" 2>/dev/null; then
    echo "installing duckdb into $WORK/venv" >&2
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet duckdb
  fi
}
