# write_image_archive <image ref> <rootfs dir> <out tar> <container config JSON>
# Writes a one-layer image in `docker save` format (manifest.json, <config digest>.json,
# <layer>/layer.tar, repositories) without a Docker daemon; `docker load` and
# `ctr images import` both read it. The layer is a reproducible tar (sorted, mtime 0, uid/gid
# numeric) compressed with gzip -n; diff_ids name the uncompressed tar as the image spec requires.
# The container config is e.g. {"Entrypoint":["/metrics-server"],"User":"65534"}.
write_image_archive() {
  local ref=$1 rootfs=$2 out=$3 container_config=$4
  local stage; stage=$(mktemp -d "$out_dir/.stage.XXXXXX")
  # Files keep the modes/owners of the rootfs (set by whoever built it) but never the builder's
  # uid: tar records owner 0 unless the entry was chowned on purpose (--numeric-owner keeps ids).
  (cd "$rootfs" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) > "$stage/files"
  tar -C "$rootfs" --no-recursion --numeric-owner --mtime=@0 --format=gnu \
    -cf "$stage/layer.raw" -T "$stage/files"
  local diff_id; diff_id=$(sha256sum "$stage/layer.raw" | cut -d' ' -f1)
  gzip -n -6 -c "$stage/layer.raw" > "$stage/layer.tar"
  rm "$stage/layer.raw" "$stage/files"

  local config; config=$(jq -cn --arg diff "sha256:$diff_id" --argjson cc "$container_config" '{
      architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
      config: ({Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                WorkingDir: "/"} + $cc),
      rootfs: {type: "layers", diff_ids: [$diff]},
      history: [{created: "1970-01-01T00:00:00Z", created_by: "kubestrap test/cluster/real/addon-images"}]
    }')
  local config_id; config_id=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
  printf '%s' "$config" > "$stage/$config_id.json"
  mkdir "$stage/$diff_id"; mv "$stage/layer.tar" "$stage/$diff_id/layer.tar"

  # docker save writes Docker Hub names short (library/ and docker.io/ dropped); do the same.
  local short=${ref#docker.io/}; short=${short#library/}
  local repo=${short%:*} tag=${short##*:}
  jq -cn --arg c "$config_id.json" --arg t "$short" --arg l "$diff_id/layer.tar" \
    '[{Config: $c, RepoTags: [$t], Layers: [$l]}]' > "$stage/manifest.json"
  jq -cn --arg r "$repo" --arg t "$tag" --arg id "$diff_id" '{($r): {($t): $id}}' > "$stage/repositories"

  tar -C "$stage" --numeric-owner --owner=0 --group=0 --mtime=@0 --format=gnu -cf "$out.tmp" \
    manifest.json repositories "$config_id.json" "$diff_id/layer.tar"
  rm -rf "$stage"
  mv "$out.tmp" "$out"
}
