#!/bin/bash
# A hold point in front of the real kubectl or helm, for the fault suite only (hold.ts): kubestrap
# finds it through KUBESTRAP_KUBECTL / KUBESTRAP_HELM. The first invocation whose arguments hold
# every word of KUBESTRAP_TEST_HOLD_MATCH (an argument equal to the word or ending in /word) writes
# its pid to $KUBESTRAP_TEST_HOLD_DIR/held and stops itself; once the test sends SIGCONT it becomes
# the real program (exec keeps the pid). Every other invocation becomes the real program at once.
matches() {
  local word arg found
  for word in $KUBESTRAP_TEST_HOLD_MATCH; do
    found=
    for arg in "$@"; do
      case "$arg" in "$word" | */"$word") found=1 && break ;; esac
    done
    [ -n "$found" ] || return 1
  done
}
if [ -n "$KUBESTRAP_TEST_HOLD_MATCH" ] && matches "$@" && mkdir "$KUBESTRAP_TEST_HOLD_DIR/taken" 2>/dev/null; then
  echo $$ >"$KUBESTRAP_TEST_HOLD_DIR/held.tmp" && mv "$KUBESTRAP_TEST_HOLD_DIR/held.tmp" "$KUBESTRAP_TEST_HOLD_DIR/held"
  kill -STOP $$
fi
exec "$KUBESTRAP_TEST_HOLD_REAL" "$@"
