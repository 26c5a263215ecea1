//go:build tools

// Package tools pins etcdctl, shipped inside the real tier's etcd image (the encryption-at-rest
// probe reads a Secret's raw bytes with it). Kept apart from ../../../build/etcd so the KWOK
// tier's cache key and module graph stay as they are.
package tools

import _ "go.etcd.io/etcd/etcdctl/v3"
