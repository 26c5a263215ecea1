#!/usr/bin/env bash
# kubestrap's own in-cluster verifier (verifier/ in this repository, standard library only), for
# the real kind tier's behaviour tests (test/e2e-real/behaviour*.test.ts). Sourced by build.sh like
# every component (it only defines functions there) but NOT in build.sh's image table: the node
# image is not rebuilt for it; the tests `kind load` the tar into the cluster they create.
# Run directly, it builds the image on a cache miss and prints `<tar> <ref>`:
#   components/verifier.sh
# The version is a hash of the verifier's sources, so an edit builds a new image.
verifier_repo=ghcr.io/kubestrap/verifier

# build_verifier <tar> <ref>
build_verifier() {
  local tar=$1 ref=$2 src bin rootfs
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../../verifier" && pwd)
  bin=$work_dir/bin/verifier-${ref##*:}/kubestrap-verifier
  go_binary "$bin" "$src" "-s -w" .
  rootfs=$work_dir/rootfs/verifier-${ref##*:}
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/kubestrap-verifier"
  write_image_archive "$ref" "$rootfs" "$tar" '{"Entrypoint":["/kubestrap-verifier"],"User":"65532"}'
  rm -rf "$rootfs"
}

verifier_version() {
  local src; src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../../verifier" && pwd)
  printf '0.1.0-%s' "$(cat "$src/go.mod" "$src"/*.go | sha256sum | cut -c1-10)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  here=$(cd "$(dirname "$0")/.." && pwd)
  source "$here/lib/common.sh"
  source "$here/lib/image-archive.sh"
  source "$here/lib/static-base.sh"
  # Outside addon-images/: build-real.sh imports every complete tar found there into the node image.
  out_dir=$cache_root/real/behaviour-images
  mkdir -p "$out_dir" "$work_dir"
  version=$(verifier_version)
  ref=$verifier_repo:$version
  tar=$out_dir/verifier-$version.tar
  if [ ! -f "$tar.complete" ]; then
    start=$SECONDS
    log "building $ref ..."
    build_verifier "$tar" "$ref"
    touch "$tar.complete"
    log "wrote $tar in $((SECONDS - start))s ($(du -h "$tar" | cut -f1))"
  fi
  printf '%s %s\n' "$tar" "$ref"
fi
