# tools/bench/stop.sh - sourced by the benchmark scripts (sync.sh, web.sh).
#
# stop_pid PID: SIGTERM to a child of this shell, then wait at most 60 s;
# its exit code into STOP_RC. Returns 1, after SIGKILL, when it did not
# stop in time. (Not in a $(...) subshell: only this shell may wait.)
stop_pid() {
  local pid=$1 n=0
  STOP_RC=0
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    n=$((n + 1))
    if [ "$n" -ge 600 ]; then
      kill -KILL "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  wait "$pid" || STOP_RC=$?
}
