// The image extractor of `kubestrap bundle` on hand-written manifests (pure: no helm, no files).
import { describe, expect, it } from 'vitest';
import { imagesInManifests, looksLikeImage, sortedImages } from '../../src/bundle/images.js';

describe('imagesInManifests', () => {
  it('finds containers, initContainers and ephemeralContainers in pod templates and CronJobs', () => {
    const text = `
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      initContainers: [{ name: init, image: "busybox:1.37.0" }]
      containers:
        - name: app
          image: registry.example.com/team/app:v1.2.3@sha256:${'a'.repeat(64)}
---
apiVersion: batch/v1
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: job, image: quay.io/org/job:2026.1 }]
---
apiVersion: v1
kind: Pod
spec:
  ephemeralContainers: [{ name: debug, image: docker.io/library/debian:13 }]
`;
    expect(sortedImages(imagesInManifests(text))).toEqual([
      'busybox:1.37.0',
      'docker.io/library/debian:13',
      'quay.io/org/job:2026.1',
      `registry.example.com/team/app:v1.2.3@sha256:${'a'.repeat(64)}`,
    ]);
  });

  it('finds the image of custom resources and of operator flags, not other args', () => {
    const text = `
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
spec: { image: quay.io/prometheus/prometheus:v3.14.0 }
---
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: op
          image: quay.io/jetstack/cert-manager-controller:v1.21.1
          args:
            - --acme-http01-solver-image=quay.io/jetstack/cert-manager-acmesolver:v1.21.1
            - --prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1
            - --v=2
            - --cluster-resource-namespace=$(POD_NAMESPACE)
`;
    expect(sortedImages(imagesInManifests(text))).toEqual([
      'quay.io/jetstack/cert-manager-acmesolver:v1.21.1',
      'quay.io/jetstack/cert-manager-controller:v1.21.1',
      'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1',
      'quay.io/prometheus/prometheus:v3.14.0',
    ]);
  });

  it('leaves out helm test hooks (kubestrap never runs helm test) but keeps other hooks', () => {
    const text = `
kind: Pod
metadata: { annotations: { helm.sh/hook: test } }
spec: { containers: [{ name: t, image: docker.io/bats/bats:1.14.0 }] }
---
kind: Job
metadata: { annotations: { helm.sh/hook: "post-install,post-upgrade" } }
spec: { template: { spec: { containers: [{ name: c, image: ghcr.io/kyverno/readiness-checker:v1.19.0 }] } } }
`;
    expect([...imagesInManifests(text)]).toEqual(['ghcr.io/kyverno/readiness-checker:v1.19.0']);
  });

  it('ignores image fields that are not image references (objects, templates, URLs)', () => {
    const text = `
kind: CustomResourceDefinition
spec: { versions: [{ schema: { openAPIV3Schema: { properties: { image: { type: string } } } } }] }
---
kind: ConfigMap
data: { image: "{{ .Values.image }}" }
---
kind: Thing
spec: { image: "https://example.com/x" }
`;
    expect([...imagesInManifests(text)]).toEqual([]);
  });

  it('reports a manifest that does not parse', () => {
    expect(() => imagesInManifests('a: [unclosed\n')).toThrow(/does not parse/);
  });

  it('looksLikeImage accepts tags and digests and rejects flags and blanks', () => {
    expect(looksLikeImage('kindest/node:v1.36.4@sha256:' + '0'.repeat(64))).toBe(true);
    expect(looksLikeImage('--flag')).toBe(false);
    expect(looksLikeImage('')).toBe(false);
    expect(looksLikeImage('a b')).toBe(false);
  });
});
