//go:build tools

// Package tools pins the kind CLI that the real test tier runs.
package tools

import _ "sigs.k8s.io/kind"
