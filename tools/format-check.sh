#!/usr/bin/env bash
# tools/format-check.sh - every tracked C file is as clang-format leaves it
# (.clang-format; STYLE 12). With --fix, reformat them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i $files
  exit 0
fi
bad=0
for f in $files; do
  if ! clang-format "$f" | cmp -s - "$f"; then
    echo "format: $f differs from clang-format (run tools/format-check.sh --fix)"
    bad=1
  fi
done
[ "$bad" -eq 0 ] && echo "format: $(echo "$files" | wc -l) C files as clang-format leaves them"
exit "$bad"
