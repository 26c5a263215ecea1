# static_base <dir>: the few files a static Go binary expects from its image (what a distroless
# "static" base provides): users, CA bundle, a world-writable /tmp, name-service order.
static_base() {
  local dir=$1
  [ -r /etc/ssl/certs/ca-certificates.crt ] \
    || die "/etc/ssl/certs/ca-certificates.crt missing (install Debian's ca-certificates package)"
  mkdir -p "$dir/etc/ssl/certs" "$dir/tmp" "$dir/home/nonroot" "$dir/root"
  chmod 1777 "$dir/tmp"
  cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
  chmod 644 "$dir/etc/ssl/certs/ca-certificates.crt"
  cat > "$dir/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat > "$dir/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
  printf 'hosts: files dns\n' > "$dir/etc/nsswitch.conf"
  chown 65532:65532 "$dir/home/nonroot"
}
