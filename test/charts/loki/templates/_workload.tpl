{{/*
Shared by kubestrap's stand-in charts (each chart carries its own copy): a Deployment, DaemonSet or
StatefulSet whose single container does nothing. On the KWOK test cluster pods are simulated, so
only the object shapes matter: names, selectors and labels like the upstream chart's.
Input: dict "root" . "kind" K "name" N "component" C [ "replicas" R ] [ "serviceName" S ] [ "args" list ] [ "env" list ] [ "volumes" list ] [ "volumeMounts" list ]
*/}}
{{- define "kst.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kst.labels" -}}
{{ include "kst.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "kst.workload" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: {{ .kind }}
metadata:
  name: {{ .name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "kst.labels" . | nindent 4 }}
spec:
  {{- if ne .kind "DaemonSet" }}
  replicas: {{ .replicas | default 1 }}
  {{- end }}
  {{- if eq .kind "StatefulSet" }}
  serviceName: {{ .serviceName | default .name }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "kst.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "kst.labels" . | nindent 8 }}
    spec:
      automountServiceAccountToken: false
      # Compliant with the "restricted" Pod Security Standard, whatever the namespace's level.
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {{ .component }}
          image: {{ $root.Values.testImage | quote }}
          {{- with .args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .env }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .volumeMounts }}
          volumeMounts:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests:
              cpu: 10m
              memory: 16Mi
            limits:
              cpu: 100m
              memory: 64Mi
      {{- with .volumes }}
      volumes:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{- define "kst.headlessService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "kst.labels" . | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "kst.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ .portName }}
      port: {{ .port }}
{{- end -}}
