#!/bin/sh
# The core never does I/O (STYLE 1; DECISIONS 25): no clock, no
# environment, no printing, no files, no randomness of its own, no SQLite
# or libuv. This lists what libhz_core.a needs from outside and fails on
# anything that is not on the allowlist below (zstd: compression is pure
# computation on buffers; byte-order helpers come
# from msgpack-c's inlines in unoptimised builds; string search and copy,
# strchr strstr strncmp strcpy, for reading a roster's cells). A new
# entry here is a
# design decision: say why in the commit.
set -eu
lib="$1"
allowed='^(abort|ntohl|ntohs|htonl|htons|calloc|malloc|realloc|free|memcmp|memcpy|memmove|memset|strcmp|strncmp|strlen|strnlen|strchr|strstr|strcpy|strtod|strtoll|strtoul|snprintf|vsnprintf|qsort|bsearch|__errno_location|__stack_chk_fail|__assert_fail|crypto_[a-z0-9_]+|sodium_memzero|sodium_memcmp|msgpack_[a-z0-9_]+|ZSTD_[A-Za-z0-9_]+|__(a|ub|t)san_[a-z0-9_]+|__sanitizer_[a-z0-9_]+|__sancov_[a-z0-9_]+)$'
own=$(nm --defined-only "$lib" | awk 'NF==3 {print $3}' | sort -u)
bad=$(nm -u "$lib" | awk 'NF==2 {print $2}' | sort -u | while read -r sym; do
  printf '%s\n' "$own" | grep -qx "$sym" && continue
  printf '%s\n' "$sym" | grep -Eq "$allowed" || printf '%s\n' "$sym"
done)
if [ -n "$bad" ]; then
  echo "src/core calls outside its allowlist (no I/O in the core):"
  echo "$bad"
  exit 1
fi
echo "core symbols: only allowed externals ($(nm -u "$lib" | awk 'NF==2' | sort -u | wc -l) references checked)"
