# MinIO server and client at exactly the releases kubestrap pins (src/lock.ts), for its in-cluster
# backup store on the real kind tier. The Go module proxy lists no tagged versions of either
# module, but serves the release commits as pseudo-versions:
#   minio RELEASE.2025-09-07T16-13-09Z = commit 07c3a429bfed433e49018cb0f78a52145d4bedeb
#     (the proxy's .info names that commit, at 2025-09-07T16:13:09Z, the release time);
#   mc RELEASE.2025-08-13T08-35-41Z = commit 7394ce0dd2a80935aded936b09fa12cbb3cb8096 (the
#     commit-id the official mc binary of that release prints). The proxy serves it as
#     v0.0.0-20250813083541-7394ce0dd2a8 but the checksum database has no entry for it (404), so
#     this one module is fetched with GONOSUMDB (its dependencies are still verified by go.sum).
# The binaries are stamped as upstream's buildscripts/gen-ldflags.go stamps a release, so
# `minio --version` / `mc --version` name the release and commit.
#
# Images: upstream's are ubi-micro with a shell entrypoint script that prepends `minio` to the
# arguments; here the entrypoint is the binary itself (same behaviour for kubestrap's manifest,
# which passes `server /data ...` as args), on a static base. The bundled mc and curl of
# upstream's server image are left out (nothing in kubestrap's manifest runs them).
minio_release=RELEASE.2025-09-07T16-13-09Z
minio_module_version=v0.0.0-20250907161309-07c3a429bfed
minio_commit=07c3a429bfed433e49018cb0f78a52145d4bedeb
mc_release=RELEASE.2025-08-13T08-35-41Z
mc_module_version=v0.0.0-20250813083541-7394ce0dd2a8
mc_commit=7394ce0dd2a80935aded936b09fa12cbb3cb8096

# release_ldflags <module> <RELEASE.tag> <commit>: gen-ldflags.go's stamps for a release build.
release_ldflags() {
  local mod=$1 tag=$2 commit=$3 stamp
  stamp=${tag#RELEASE.}                                     # 2025-09-07T16-13-09Z
  stamp=${stamp%%T*}T$(sed 's/-/:/g' <<<"${stamp#*T}")      # 2025-09-07T16:13:09Z
  printf '%s' "-s -w -X $mod/cmd.Version=$stamp -X $mod/cmd.CopyrightYear=${stamp:0:4} \
-X $mod/cmd.ReleaseTag=$tag -X $mod/cmd.CommitID=$commit -X $mod/cmd.ShortCommitID=${commit:0:12}"
}

build_minio() {
  local tar=$1 ref=$2
  local src=$work_dir/src/minio-$minio_release bin=$work_dir/bin/minio-$minio_release/minio
  module_source github.com/minio/minio "$minio_module_version" "$src"
  # The Makefile builds with -tags kqueue.
  go_binary "$bin" "$src" "$(release_ldflags github.com/minio/minio "$minio_release" "$minio_commit")" . -tags kqueue

  local rootfs=$work_dir/rootfs/minio-$minio_release
  rm -rf "$rootfs"; mkdir -p "$rootfs/usr/bin" "$rootfs/data" "$rootfs/licenses"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/usr/bin/minio"
  install -m 644 "$src/LICENSE" "$src/CREDITS" "$rootfs/licenses/"
  write_image_archive "$ref" "$rootfs" "$tar" '{"Entrypoint":["/usr/bin/minio"],"ExposedPorts":{"9000/tcp":{}}}'
}

build_minio_mc() {
  local tar=$1 ref=$2
  local src=$work_dir/src/mc-$mc_release bin=$work_dir/bin/mc-$mc_release/mc
  GONOSUMDB=github.com/minio/mc module_source github.com/minio/mc "$mc_module_version" "$src"
  go_binary "$bin" "$src" "$(release_ldflags github.com/minio/mc "$mc_release" "$mc_commit")" .

  local rootfs=$work_dir/rootfs/mc-$mc_release
  rm -rf "$rootfs"; mkdir -p "$rootfs/usr/bin" "$rootfs/licenses"
  static_base "$rootfs"
  install -m 755 "$bin" "$rootfs/usr/bin/mc"
  install -m 644 "$src/LICENSE" "$rootfs/licenses/"
  write_image_archive "$ref" "$rootfs" "$tar" '{"Entrypoint":["/usr/bin/mc"]}'
}
