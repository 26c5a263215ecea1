#!/usr/bin/env bash
# Checks the complete add-on image tars that build.sh wrote, without a registry:
#  - structure: manifest.json names the ref, the config and the layer; the config's diff_id is the
#    sha256 of the uncompressed layer; `repositories` agrees;
#  - the entrypoint exists in the layer and starts (`--help` from a chroot of the unpacked layer, as
#    root; exit 126/127 = it cannot be executed);
#  - with --docker: `docker load` accepts the tar and `docker run` of the entrypoint works (the
#    image is removed again afterwards).
# Exit 1 on the first failure, naming the tar and what is wrong.
#   verify.sh [--docker] [NAME...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/common.sh"
use_docker=false
if [ "${1:-}" = --docker ]; then use_docker=true; shift; fi
fail() { printf '[verify] FAIL %s: %s\n' "$1" "$2" >&2; exit 1; }

mapfile -t rows < <("$here/build.sh" --list)
checked=0
for row in "${rows[@]}"; do
  tar=${row%% *} ref=${row#* }
  name=$(basename "$tar" .tar); name=${name%-v*}
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  if [ ! -f "$tar.complete" ]; then
    if [ $# -gt 0 ]; then fail "$tar" "not built (no .complete marker)"; fi
    printf '[verify] skipped: %s (not built yet)\n' "$name" >&2; continue
  fi
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  tar -xf "$tar" -C "$t"
  short=${ref#docker.io/}
  [ "$(jq -r '.[0].RepoTags[0]' "$t/manifest.json")" = "$short" ] || fail "$tar" "manifest.json does not tag $short"
  config=$(jq -r '.[0].Config' "$t/manifest.json"); layer=$(jq -r '.[0].Layers[0]' "$t/manifest.json")
  [ "$(sha256sum "$t/$config" | cut -d' ' -f1).json" = "$config" ] || fail "$tar" "config file name is not its digest"
  diff=$(gzip -dc "$t/$layer" | sha256sum | cut -d' ' -f1)
  [ "$(jq -r '.rootfs.diff_ids[0]' "$t/$config")" = "sha256:$diff" ] || fail "$tar" "diff_id does not match the layer"
  repo=${short%:*} tagname=${short##*:}
  [ "$(jq -r --arg r "$repo" --arg t "$tagname" '.[$r][$t]' "$t/repositories")" = "${layer%/layer.tar}" ] \
    || fail "$tar" "repositories does not point $short at the layer"
  entry=$(jq -r '.config.Entrypoint[0]' "$t/$config")
  mkdir "$t/rootfs"; gzip -dc "$t/$layer" | tar -x -C "$t/rootfs"
  [ -x "$t/rootfs$entry" ] || fail "$tar" "entrypoint $entry is not an executable in the layer"
  mkdir -p "$t/rootfs/dev"; : > "$t/rootfs/dev/null"
  # The program must start: exit codes 126/127 mean it could not be executed (wrong format, missing
  # loader); any other code is the program's own answer to --help (some have no such flag).
  rc=0; out=$(chroot "$t/rootfs" "$entry" --help 2>&1) || rc=$?
  if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then fail "$tar" "$entry does not start (exit $rc): ${out:0:300}"; fi
  size=$(du -h "$tar" | cut -f1)
  if $use_docker; then
    docker load -i "$tar" >/dev/null || fail "$tar" "docker load rejected it"
    docker image inspect "$short" >/dev/null || fail "$tar" "docker has no image $short after load"
    # docker run exits 125 (daemon), 126 (cannot invoke) or 127 (not found) when the container fails.
    rc=0; docker run --rm --network none --entrypoint "$entry" "$short" --help >/dev/null 2>&1 || rc=$?
    if [ "$rc" -ge 125 ] && [ "$rc" -le 127 ]; then fail "$tar" "docker run $short $entry --help failed (exit $rc)"; fi
    docker rmi "$short" >/dev/null || fail "$tar" "docker rmi $short failed"
  fi
  printf '[verify] ok %s (%s, %s)\n' "$ref" "$size" "$($use_docker && echo 'docker load+run' || echo 'structure+chroot run')" >&2
  rm -rf "$t"; trap - EXIT
  checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || fail "all" "no image was checked"
