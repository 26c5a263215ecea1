# Shared helpers for the add-on image build (sourced by build.sh and components/*.sh).
# Paths: everything lives under the test cache, never in the repository.
cache_root=${KUBESTRAP_TEST_CACHE:-$HOME/.cache/kubestrap-test-cluster}
out_dir=$cache_root/real/addon-images
work_dir=$out_dir/work

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly

log() { printf '[addon-images %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[addon-images] error: %s\n' "$*" >&2; exit 1; }

# module_source <module path> <version> <dest>: a writable copy of a module's source tree from the
# Go module proxy (go.mod keeps its replace directives, unlike `go install pkg@version`).
module_source() {
  local mod=$1 ver=$2 dest=$3 dir
  if [ -f "$dest/.complete" ]; then return; fi
  dir=$(cd "$work_dir" && GOFLAGS= go mod download -json "$mod@$ver" | jq -r '.Dir // empty') \
    || die "go mod download $mod@$ver failed (is the Go module proxy reachable?)"
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download $mod@$ver gave no source directory"
  rm -rf "$dest" "$dest.tmp"; mkdir -p "$(dirname "$dest")"
  cp -r "$dir" "$dest.tmp" && chmod -R u+w "$dest.tmp"
  touch "$dest.tmp/.complete"; mv "$dest.tmp" "$dest"
}

# go_binary <out file> <module dir> <ldflags> <package> [extra go build args...]: a static binary,
# skipped when already built. Written to a temporary name first so an interruption leaves nothing.
go_binary() {
  local out=$1 dir=$2 ldflags=$3 pkg=$4; shift 4
  if [ -f "$out" ]; then log "cached binary: $out"; return; fi
  mkdir -p "$(dirname "$out")"
  local start=$SECONDS
  log "go build $pkg (in $dir) ..."
  (cd "$dir" && go build -trimpath -ldflags "$ldflags" "$@" -o "$out.tmp" "$pkg") \
    || die "go build of $pkg failed (see the compiler output above)"
  mv "$out.tmp" "$out"
  log "built $(basename "$out") in $((SECONDS - start))s ($(du -h "$out" | cut -f1))"
}
