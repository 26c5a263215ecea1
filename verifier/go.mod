module kubestrap.dev/verifier

go 1.24
