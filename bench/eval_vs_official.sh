#!/usr/bin/env bash
# Whole-process timing of `t2sql eval --etype all` against the official Spider evaluation.py on
# the official example files (1034 dev predictions), in the same run on the same machine.
#
#   bench/eval_vs_official.sh [OFFICIAL_DIR] [RUNS] [TEST_SUITE_DIR]
#
# OFFICIAL_DIR holds the official evaluation.py + process_sql.py (taoyds/spider; not vendored).
# TEST_SUITE_DIR (optional) holds taoyds/test-suite-sql-eval (evaluation.py, exec_eval.py,
# parse.py, process_sql.py): then `--etype exec --plug_value` is timed against
# `t2sql eval --etype exec --exec-rule test-suite --plug-value`.
# Without it only t2sql is timed. Python is Debian's /usr/bin/python3 with python3-nltk; as in the
# reference fixtures, nltk.word_tokenize is replaced by NLTKWordTokenizer().tokenize (punkt data
# is not installed; see tests/fixtures/spider_eval/README.md). Each figure is the median of RUNS
# (default 5) runs; the outputs of both tools are compared table by table.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
official=${1:-}
runs=${2:-5}
test_suite=${3:-}
t2sql=${T2SQL_BIN:-$root/build/release/t2sql}
fixtures=$root/tests/fixtures/spider_eval
spider=$root/data/spider
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs "$@" $runs times; prints "<median wall s> <median cpu s>" (cpu = user + sys, which stays
# meaningful when other work shares the cores).
median_seconds() {
  local walls=() cpus=() TIMEFORMAT="%3R %3U %3S"
  for ((i = 0; i < runs; i++)); do
    # bash's `time` reads the clock and the child's rusage to the millisecond (/usr/bin/time
    # rounds wall time to 10 ms, a tenth of t2sql's run).
    { time "$@" >"$work/out.txt" 2>/dev/null; } 2>"$work/time.txt"
    read -r wall user sys < "$work/time.txt"
    walls+=("$wall")
    cpus+=("$(echo "$user + $sys" | bc -l)")
  done
  local wall cpu
  wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}')
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}')
  echo "$wall $cpu"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
t2sql_cmd=("$t2sql" eval --gold "$fixtures/gold_example.txt" --pred "$fixtures/pred_example.txt"
           --db-dir "$spider/database" --tables "$spider/tables.json" --etype all)
read -r t1 c1 <<< "$(median_seconds "${t2sql_cmd[@]}" --threads 1)"
read -r t2 c2 <<< "$(median_seconds "${t2sql_cmd[@]}" --threads 2)"
"${t2sql_cmd[@]}" > "$work/t2sql.txt"
echo "t2sql eval --etype all --threads 1: wall ${t1}s cpu ${c1}s"
echo "t2sql eval --etype all --threads 2: wall ${t2}s cpu ${c2}s"

if [[ -n "$official" ]]; then
  cat > "$work/run_official.py" <<PY
import sys, runpy, nltk
from nltk.tokenize import NLTKWordTokenizer
nltk.word_tokenize = NLTKWordTokenizer().tokenize
sys.path.insert(0, "$official")
sys.argv = ["evaluation.py"] + sys.argv[1:]
runpy.run_path("$official/evaluation.py", run_name="__main__")
PY
  official_cmd=(/usr/bin/python3 "$work/run_official.py" --gold "$fixtures/gold_example.txt"
                --pred "$fixtures/pred_example.txt" --db "$spider/database" --table "$spider/tables.json" --etype all)
  read -r to co <<< "$(median_seconds "${official_cmd[@]}")"
  "${official_cmd[@]}" > "$work/official.txt"
  echo "official evaluation.py --etype all: wall ${to}s cpu ${co}s"
  best=$(printf '%s\n%s\n' "$t1" "$t2" | sort -g | head -1)
  echo "wall ratio official / t2sql (best of --threads 1|2): $(echo "$to / $best" | bc -l | xargs printf '%.1f')x"
  echo "cpu ratio official / t2sql (--threads 1): $(echo "$co / $c1" | bc -l | xargs printf '%.1f')x"
  if diff <(awk '/^ +easy +medium/ {on = 1} on' "$work/official.txt") "$work/t2sql.txt" > /dev/null; then
    echo "score tables: identical"
  else
    echo "score tables: DIFFERENT"; exit 1
  fi
fi

if [[ -n "$test_suite" ]]; then
  cat > "$work/run_test_suite.py" <<PY
import sys, os, runpy, nltk
from nltk.tokenize import NLTKWordTokenizer
nltk.word_tokenize = NLTKWordTokenizer().tokenize
sys.path.insert(0, "$test_suite")
os.chdir("$work")
sys.argv = ["evaluation.py"] + sys.argv[1:]
runpy.run_path("$test_suite/evaluation.py", run_name="__main__")
PY
  ts_cmd=(/usr/bin/python3 "$work/run_test_suite.py" --gold "$fixtures/gold_example.txt"
          --pred "$fixtures/pred_example.txt" --db "$spider/database" --table "$spider/tables.json"
          --etype exec --plug_value)
  read -r tt ct <<< "$(median_seconds "${ts_cmd[@]}")"
  plug_cmd=("$t2sql" eval --gold "$fixtures/gold_example.txt" --pred "$fixtures/pred_example.txt"
            --db-dir "$spider/database" --tables "$spider/tables.json" --etype exec --exec-rule test-suite --plug-value)
  read -r pt1 pc1 <<< "$(median_seconds "${plug_cmd[@]}" --threads 1)"
  read -r pt2 pc2 <<< "$(median_seconds "${plug_cmd[@]}" --threads 2)"
  echo "test-suite evaluation.py --etype exec --plug_value: wall ${tt}s cpu ${ct}s"
  echo "t2sql eval --etype exec --exec-rule test-suite --plug-value --threads 1: wall ${pt1}s cpu ${pc1}s"
  echo "t2sql eval --etype exec --exec-rule test-suite --plug-value --threads 2: wall ${pt2}s cpu ${pc2}s"
  best=$(printf '%s\n%s\n' "$pt1" "$pt2" | sort -g | head -1)
  echo "wall ratio test-suite / t2sql: $(echo "$tt / $best" | bc -l | xargs printf '%.1f')x"
  echo "cpu ratio test-suite / t2sql (--threads 1): $(echo "$ct / $pc1" | bc -l | xargs printf '%.1f')x"
  "${ts_cmd[@]}" > "$work/ts.txt" 2>/dev/null
  "${plug_cmd[@]}" > "$work/plug.txt"
  if [[ "$(grep -m1 '^execution' "$work/ts.txt" | awk '{print $NF}')" == "$(grep -m1 '^execution' "$work/plug.txt" | awk '{print $NF}')" ]]; then
    echo "execution accuracy (all): identical ($(grep -m1 '^execution' "$work/plug.txt" | awk '{print $NF}'))"
  else
    echo "execution accuracy (all): DIFFERENT"; exit 1
  fi
fi
