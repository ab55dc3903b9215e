# tools/bench/stop.sh - sourced by the benchmark scripts (sync.sh, web.sh).
#
# gone_within PID TENTHS: wait until PID has exited, at most TENTHS tenths
# of a second; returns 1 when it is still running then.
gone_within() {
  local pid=$1 n=0
  while kill -0 "$pid" 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -lt "$2" ] || return 1
    sleep 0.1
  done
}

# stop_pid PID: SIGTERM to a child of this shell, then wait at most 60 s;
# its exit code into STOP_RC. Returns 1, after SIGKILL, when it did not
# stop in time. (Not in a $(...) subshell: only this shell may wait.)
stop_pid() {
  local pid=$1
  STOP_RC=0
  kill -TERM "$pid"
  if ! gone_within "$pid" 600; then
    kill -KILL "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid" || STOP_RC=$?
}
