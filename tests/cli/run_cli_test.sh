#!/usr/bin/env bash
# Runs the cases of one tests/cli/*.test file against the t2sql binary.
# A case is a block of lines separated by a blank line:
#   # free comment
#   run: <arguments to t2sql, shell-quoted; $FIXTURES and $TMP are set>
#   stdin: <one line fed to standard input>     (optional, repeatable)
#   exit: <expected exit status>                (default 0; "nonzero" accepted)
#   stdout: <text that must appear in stdout>    (repeatable)
#   stderr: <text that must appear in stderr>    (repeatable)
#   !stdout: <text that must NOT appear in stdout>
# A case that needs setup runs a harmless first command and chains the rest with && (the binary is
# $T2SQL), e.g. `run: --version >/dev/null && cp -r A $TMP/m && $T2SQL ask --model $TMP/m ...`.
set -u
binary=$1
export T2SQL=$binary
case_file=$2
export FIXTURES=${T2SQL_FIXTURES:-}
export TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
cases=0

run_case() {
  local run=$1 stdin_text=$2 expected_exit=$3
  shift 3
  cases=$((cases + 1))
  local out="$TMP/stdout" err="$TMP/stderr"
  printf '%b' "$stdin_text" | eval "timeout 300 \"$binary\" $run" >"$out" 2>"$err"
  local status=$?
  local ok=1
  if [[ "$expected_exit" == "nonzero" ]]; then
    [[ $status -ne 0 ]] || ok=0
  else
    [[ $status -eq $expected_exit ]] || ok=0
  fi
  local check
  for check in "$@"; do
    local kind=${check%%:*} text=${check#*: }
    case $kind in
      stdout) grep -qF -- "$text" "$out" || ok=0 ;;
      stderr) grep -qF -- "$text" "$err" || ok=0 ;;
      '!stdout') grep -qF -- "$text" "$out" && ok=0 ;;
    esac
  done
  # A sanitizer report or a crash is always a failure.
  if grep -qE "AddressSanitizer|runtime error:|Segmentation fault|terminate called" "$err"; then ok=0; fi
  if [[ $ok -eq 0 ]]; then
    failures=$((failures + 1))
    echo "FAILED: t2sql $run (exit $status, expected $expected_exit)"
    printf '  expected: %s\n' "$@"
    echo "  --- stdout (head)"; head -20 "$out"
    echo "  --- stderr (head)"; head -20 "$err"
  fi
}

run="" stdin_text="" expected_exit=0 checks=()
flush() {
  if [[ -n "$run" ]]; then run_case "$run" "$stdin_text" "$expected_exit" "${checks[@]+"${checks[@]}"}"; fi
  run="" stdin_text="" expected_exit=0 checks=()
}
while IFS= read -r line || [[ -n "$line" ]]; do
  case $line in
    '') flush ;;
    '#'*) ;;
    run:*) run=${line#run: } ;;
    stdin:*) stdin_text+="${line#stdin: }\n" ;;
    exit:*) expected_exit=${line#exit: } ;;
    stdout:* | stderr:* | '!stdout:'*) checks+=("$line") ;;
    *) echo "unknown line in $case_file: $line"; exit 2 ;;
  esac
done <"$case_file"
flush
echo "$case_file: $cases cases, $failures failed"
[[ $cases -gt 0 && $failures -eq 0 ]]
