/**
 * The one typed model of kubestrap.yaml. Every object is strict (unknown keys are errors);
 * defaults are declared here and applied by zod when the merged file + env + flags are parsed,
 * so they always come last. `kubestrap schema` emits this as JSON Schema.
 */
import { z } from 'zod';
import { kubernetesMinors } from '../lock.js';
import { addonComponents } from './addon-components.js';
import {
  backupVolumesSchema,
  gatewayHostnamesSchema,
  logRetentionSchema,
  logShipperSchema,
  snapshotDriverSchema,
  specIssues,
  tlsSchema,
} from './schema-tls.js';
import { clusterProfiles, providerAddonNames } from './profile-names.js';

// zod compiles a fast path per object schema (new Function) on its first parse; a CLI parses one
// config per run, so the compilation cost more than it saved (issue 12). Results are the same.
z.config({ jitless: true });

const dns1123Label = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a Kubernetes name: lower-case letters, digits and "-", starting and ending with a letter or digit (e.g. "team-a")',
  );

const dns1123Subdomain = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a Kubernetes name: lower-case letters, digits, "-" and "." (e.g. "fast-ssd")',
  );

const cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/, 'must be an IPv4 CIDR such as 10.244.0.0/16')
  .refine(
    (v) =>
      v
        .slice(0, v.indexOf('/'))
        .split('.')
        .every((o) => Number(o) <= 255),
    'has an octet above 255',
  );

const imageReferencePattern = new RegExp(
  [
    '^',
    // optional registry host[:port] followed by a slash
    String.raw`(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]+)?/)?`,
    // repository path: lower-case components separated by "/" with ".", "_", "__" or "-" inside
    String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*`,
    String.raw`(?::[\w][\w.-]{0,127})?`,
    String.raw`(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?`,
    '$',
  ].join(''),
);

/** Kubernetes resource quantity, e.g. 500m, 2, 4Gi. */
const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, 'must be a Kubernetes quantity such as 500m, 2, 512Mi or 20Gi');

/** Prometheus-style duration, e.g. 15d, 12h. */
const promDuration = z.string().regex(/^[0-9]+(ms|s|m|h|d|w|y)$/, 'must be a duration such as 15d or 12h');
/** Go duration as Velero takes it, e.g. 720h0m0s or 168h. */
const goDuration = z
  .string()
  .regex(/^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/, 'must be a duration such as 720h or 168h0m0s')
  .refine((v) => v.length > 0, 'must not be empty');
/**
 * No control character (tab and newline included) and no U+0085/U+2028/U+2029, which YAML 1.1
 * readers take as line breaks. The loader refuses them in every value (src/config/text.ts); the
 * free-text fields carry it here too, so the JSON Schema tells editors.
 */
const oneLine = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;
const oneLineMessage = 'must not contain control characters or line/paragraph separators';

const cron = z
  .string()
  .regex(oneLine, oneLineMessage)
  .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression such as "0 2 * * *"')
  .refine((v) => !/[\n{}]/.test(v), 'must not contain braces or newlines');

/**
 * A container image reference as docker and containerd parse it: [registry[:port]/]path[:tag][@digest].
 * Whitespace and control characters are refused first, with their own message: they would reach
 * the kind config and be read differently by YAML and by the container runtime.
 */
const imageReference = z
  .string()
  .max(512, 'must be at most 512 characters')
  .refine((v) => !/[\s\p{Cc}\u0085\u2028\u2029]/u.test(v), 'must not contain spaces, line breaks or control characters')
  .refine(
    (v) => /[\s\p{Cc}\u0085\u2028\u2029]/u.test(v) || imageReferencePattern.test(v),
    'must be an image reference such as kindest/node:v1.36.4 or registry.example.com:5000/kindest/node:v1.36.4@sha256:<64 hex digits>',
  );

const podSecurityLevel = z.enum(['privileged', 'baseline', 'restricted']);
const secretRef = z.strictObject({
  name: dns1123Subdomain.describe('Secret name, in the namespace of the component that reads it'),
  key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key (letters, digits, "-", "_", ".")'),
});

/**
 * Workload identity: the cloud identity a component's ServiceAccount is bound to, so no static key
 * is stored in the cluster. One of the three, matching the cluster's profile (rules.ts).
 */
const workloadIdentity = z
  .strictObject({
    awsRoleArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/,
        'must be an IAM role ARN such as arn:aws:iam::123456789012:role/velero',
      )
      .optional()
      .describe('EKS (IRSA): annotation eks.amazonaws.com/role-arn on the ServiceAccount'),
    gcpServiceAccount: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/,
        'must be a Google service account e-mail such as velero@my-project.iam.gserviceaccount.com',
      )
      .optional()
      .describe('GKE Workload Identity: annotation iam.gke.io/gcp-service-account on the ServiceAccount'),
    azureClientId: z
      .string()
      .regex(
        /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
        'must be the client ID (a GUID) of a user-assigned managed identity',
      )
      .optional()
      .describe(
        'AKS Workload Identity: annotation azure.workload.identity/client-id on the ServiceAccount and pod label azure.workload.identity/use',
      ),
  })
  .refine(
    (w) => [w.awsRoleArn, w.gcpServiceAccount, w.azureClientId].filter(Boolean).length === 1,
    'must set exactly one of awsRoleArn, gcpServiceAccount, azureClientId',
  );

const tenant = z.strictObject({
  name: dns1123Label.describe('Tenant team; becomes the namespace name'),
  groups: z
    .array(z.string().min(1).max(256).regex(oneLine, oneLineMessage))
    .default([])
    .describe(
      'Identity-provider groups bound to the ClusterRole kubestrap-tenant-admin in the namespace (everything a team needs, but not its own NetworkPolicies, ResourceQuotas, LimitRanges or RoleBindings)',
    ),
  viewers: z
    .array(z.string().min(1).max(256).regex(oneLine, oneLineMessage))
    .default([])
    .describe('Identity-provider groups bound to the built-in ClusterRole view in the namespace (read-only; no Secrets)'),
  quota: z
    .strictObject({
      cpu: quantity.default('4'),
      memory: quantity.default('8Gi'),
      pods: z.number().int().min(1).max(10000).default(50),
      storage: quantity.default('100Gi'),
      persistentVolumeClaims: z.number().int().min(0).max(10000).default(20).describe('How many PersistentVolumeClaims'),
      loadBalancers: z
        .number()
        .int()
        .min(0)
        .max(100)
        .default(0)
        .describe('How many Services of type LoadBalancer (each one a paid cloud load balancer; the shared Gateway needs none)'),
    })
    .prefault({})
    .describe('ResourceQuota for the namespace (requests; limits are twice these)'),
  gatewayAccess: z
    .boolean()
    .default(true)
    .describe('The namespace may attach routes to the shared Gateway, and the gateway may reach its pods'),
  podSecurity: podSecurityLevel.optional().describe('Overrides security.podSecurity.tenants for this namespace'),
});

const cluster = z
  .strictObject({
    provider: z
      .enum(['kind', 'existing'])
      .default('kind')
      .describe('kind: create a local cluster; existing: adopt a cluster through its kube context'),
    profile: z
      .enum(clusterProfiles)
      .optional()
      .describe(
        "What the existing cluster is (eks, gke, aks, kubeadm, generic; kind for provider kind, which is also the default there; generic is the default for existing): decides which control-plane components can be scraped, which add-ons the provider already runs, workload identity, LoadBalancer annotations and cluster-autoscaler. up's preflight and doctor compare it with what the nodes say (providerID, node labels)",
      ),
    providerAddons: z
      .array(z.enum(providerAddonNames))
      .optional()
      .describe(
        'Add-ons the provider already runs, which kubestrap adopts (checks) instead of installing. Default from the profile: gke metrics-server, snapshot-controller and gateway-api-crds; aks metrics-server; none elsewhere. The preflight refuses when one listed is missing or one not listed is already there',
      ),
    name: dns1123Label.default('kubestrap').describe('Cluster name (kind cluster name; label on everything kubestrap creates)'),
    kubernetesVersion: z.enum(kubernetesMinors).default('1.36').describe('Kubernetes minor; selects the pinned kind node image'),
    nodeImage: imageReference
      .optional()
      .describe(
        'kind node image to use instead of the pinned one for kubernetesVersion, e.g. a private mirror (registry.example.com/kindest/node:v1.36.4)',
      ),
    context: z
      .string()
      .min(1)
      .max(253)
      .regex(oneLine, oneLineMessage)
      .regex(/^[^\s]+$/, 'must be a kube context name without spaces')
      .optional()
      .describe('Kube context of an existing cluster (required when provider is existing; never guessed)'),
    kubeconfig: z
      .string()
      .min(1)
      .regex(oneLine, oneLineMessage)
      .optional()
      .describe('Path of the kubeconfig holding the context (default: $KUBECONFIG or ~/.kube/config)'),
    nodes: z
      .strictObject({
        controlPlanes: z
          .number()
          .int()
          .min(1)
          .max(5)
          .refine((n) => n % 2 === 1, 'must be odd (etcd quorum)')
          .default(1),
        workers: z.number().int().min(0).max(20).default(2),
      })
      .prefault({})
      .describe('Node counts for kind'),
  })
  .superRefine((c, ctx) => {
    // Here rather than in rules.ts so the error points at the profile line of the file.
    if (c.profile === undefined) return;
    if (c.provider === 'kind' && c.profile !== 'kind') {
      ctx.addIssue({
        code: 'custom',
        path: ['profile'],
        message: `profile ${c.profile} describes an existing cluster, but provider is kind; remove profile (kind is implied) or set provider: existing`,
      });
    } else if (c.provider === 'existing' && c.profile === 'kind') {
      ctx.addIssue({
        code: 'custom',
        path: ['profile'],
        message: 'profile kind is for provider kind; an existing cluster takes eks, gke, aks, kubeadm or generic',
      });
    }
  })
  .prefault({});

const networking = z
  .strictObject({
    cni: z
      .enum(['cilium', 'calico', 'default'])
      .default('cilium')
      .describe("CNI to install; 'default' keeps the cluster's own (kindnet on kind)"),
    policyController: z
      .enum(['none', 'kube-router'])
      .default('none')
      .describe(
        "kube-router: enforce NetworkPolicies with kube-router (policy-only DaemonSet) when the cluster's CNI does not (cni: default only; Cilium and Calico enforce them themselves)",
      ),
    podSubnet: cidr.default('10.244.0.0/16'),
    serviceSubnet: cidr.default('10.96.0.0/12'),
    kubeProxyReplacement: z.boolean().default(false).describe('Cilium replaces kube-proxy (kind then runs with kubeProxyMode none)'),
    encryption: z
      .boolean()
      .default(false)
      .describe(
        'Encrypt pod-to-pod traffic in transit with WireGuard (cni cilium or calico; refused with cni default, whose encryption kubestrap cannot configure)',
      ),
    gateway: z
      .enum(['none', 'envoy-gateway', 'cilium', 'traefik'])
      .default('envoy-gateway')
      .describe('Gateway API implementation (ingress-nginx is retired and not offered)'),
    gatewayHostnames: gatewayHostnamesSchema,
    loadBalancer: z
      .strictObject({
        internal: z
          .boolean()
          .default(false)
          .describe("The Gateway's load balancer gets a private address only (the profile's annotation: eks, gke, aks)"),
        annotations: z
          .record(
            z
              .string()
              .min(1)
              .max(253)
              .regex(
                /^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
                'must be an annotation key such as service.beta.kubernetes.io/aws-load-balancer-type',
              ),
            z.string().max(1024).regex(oneLine, oneLineMessage),
          )
          .default({})
          .describe("Annotations on the Gateway's LoadBalancer Service, added to (and overriding) the profile's"),
      })
      .prefault({})
      .describe("The Service of type LoadBalancer in front of the Gateway's proxies"),
  })
  .prefault({});

const storage = z
  .strictObject({
    provisioner: z
      .enum(['builtin', 'longhorn'])
      .default('builtin')
      .describe("builtin: keep the cluster's provisioner (kind's local-path); longhorn: install Longhorn (needs open-iscsi)"),
    defaultClass: dns1123Subdomain
      .optional()
      .describe(
        "Name of the one default StorageClass (kind: standard). On an existing cluster asked by init, or left out: then the cluster's own default is used, and up's preflight names it and refuses when no class or several carry the default annotation",
      ),
    replicas: z.number().int().min(1).max(5).default(3).describe('Longhorn replica count'),
    snapshots: z.boolean().default(true).describe('Install the CSI snapshot controller and CRDs'),
  })
  .prefault({});

const security = z
  .strictObject({
    podSecurity: z
      .strictObject({
        system: podSecurityLevel.default('privileged').describe('kube-system and component namespaces that need host access'),
        platform: podSecurityLevel.default('baseline').describe('Platform add-on namespaces (monitoring, velero, ...)'),
        tenants: podSecurityLevel.default('restricted').describe('Tenant team namespaces'),
      })
      .prefault({}),
    defaultDenyNetworkPolicies: z
      .boolean()
      .default(true)
      .describe('Default-deny ingress+egress in tenant namespaces, with DNS egress allowed'),
    rbac: z.boolean().default(true).describe('Namespace admin Roles and RoleBindings for tenant groups'),
    policyEngine: z
      .strictObject({
        name: z.enum(['kyverno', 'none']).default('kyverno'),
        validationFailureAction: z.enum(['Audit', 'Enforce']).default('Audit'),
        replicas: z.number().int().min(1).max(7).default(1).describe('Admission controller replicas (3 or more for HA)'),
      })
      .prefault({}),
    certManager: z.boolean().default(true),
    tls: tlsSchema,
    auditLogging: z.boolean().default(true).describe('API server audit log (kind: rendered into the cluster config)'),
    secretsEncryption: z.boolean().default(true).describe('Encrypt Secrets at rest (kind: rendered into the cluster config)'),
  })
  .prefault({});

const receiver = z.strictObject({
  name: dns1123Label,
  type: z.enum(['slack', 'webhook', 'pagerduty']),
  secretRef: secretRef.describe('Secret in the monitoring namespace holding the webhook URL / routing key (never put it in this file)'),
  channel: z
    .string()
    .regex(/^#?[-_a-z0-9]+$/, 'must be a Slack channel such as #alerts')
    .optional(),
});

const monitoring = z
  .strictObject({
    metricsServer: z.boolean().default(true),
    prometheus: z
      .strictObject({
        enabled: z.boolean().default(true).describe('kube-prometheus-stack: Prometheus, Alertmanager, Grafana, exporters'),
        retention: promDuration.default('15d'),
        retentionSize: quantity.default('18Gi'),
        storageSize: quantity.default('20Gi'),
        replicas: z.number().int().min(1).max(5).default(1),
      })
      .prefault({}),
    grafana: z.boolean().default(true).describe('Grafana with a generated admin password stored as a Secret'),
    alertReceivers: z.array(receiver).default([]).describe('Where Alertmanager sends alerts'),
    deadMansSwitch: z
      .strictObject({
        secretRef: secretRef.describe('Secret in the monitoring namespace holding the URL (never put it in this file)'),
      })
      .optional()
      .describe(
        "Dead man's switch: the always-firing Watchdog alert is posted to this URL every 5 minutes (e.g. a healthchecks.io-style check with a 5 minute period), so an outside service notices when monitoring itself stops",
      ),
    controlPlaneMetrics: z
      .strictObject({
        etcd: z.boolean().default(false),
        controllerManager: z.boolean().default(false),
        scheduler: z.boolean().default(false),
        kubeProxy: z.boolean().default(false),
      })
      .prefault({})
      .describe(
        'Scrape (and alert on) these components. Only where their metrics port is reachable from pods: managed control planes and stock kubeadm (127.0.0.1) do not expose them, and an unreachable target pages as KubeSchedulerDown & co. forever. Ignored on kind, which keeps them on localhost',
      ),
    logs: z.boolean().default(false).describe('Loki (monolithic) for logs, with retention and a Grafana datasource; needs logShipper'),
    logShipper: logShipperSchema,
    logRetention: logRetentionSchema,
  })
  .prefault({});

const autoscaling = z
  .strictObject({
    hpa: z
      .strictObject({
        minReplicas: z.number().int().min(1).max(100).default(2),
        maxReplicas: z.number().int().min(1).max(1000).default(10),
        targetCPUUtilization: z.number().int().min(10).max(100).default(70),
        scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).default(300),
      })
      .prefault({})
      .describe('Defaults for the HorizontalPodAutoscalers kubestrap writes'),
    vpa: z
      .strictObject({
        enabled: z.boolean().default(true),
        updateMode: z.enum(['Off', 'Initial', 'Recreate', 'InPlaceOrRecreate']).default('Off').describe('Off = recommend only'),
      })
      .prefault({}),
    clusterAutoscaler: z
      .strictObject({
        provider: z.enum(['none', 'aws', 'gce', 'azure', 'clusterapi']).default('none'),
        clusterName: dns1123Label.optional().describe('Cluster name for node-group auto-discovery (default: cluster.name)'),
        region: z
          .string()
          .regex(/^[a-z0-9-]+$/, 'must be a region such as eu-west-1')
          .optional()
          .describe('AWS: region of the Auto Scaling groups (required for aws)'),
        nodeGroups: z
          .array(
            z.strictObject({
              namePrefix: z
                .string()
                .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be the start of a managed instance group name, e.g. gke-prod-pool-1'),
              minSize: z.number().int().min(0).max(1000),
              maxSize: z.number().int().min(1).max(1000),
            }),
          )
          .default([])
          .describe(
            'gce: the managed instance groups (GKE node pools) to scale, by name prefix, with their size bounds (required for gce)',
          ),
        azure: z
          .strictObject({
            subscriptionId: z
              .string()
              .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a subscription ID (a GUID)'),
            resourceGroup: z
              .string()
              .regex(/^[-\w._()]{1,90}$/, 'must be an Azure resource group name')
              .describe('The node resource group holding the VM scale sets (AKS: MC_<group>_<cluster>_<region>)'),
          })
          .optional()
          .describe(
            'azure: where the VM scale sets are (required for azure with workloadIdentity; a credentialsSecret carries them otherwise)',
          ),
        workloadIdentity: workloadIdentity
          .optional()
          .describe("Cloud identity of cluster-autoscaler's ServiceAccount (eks: awsRoleArn, gke: gcpServiceAccount, aks: azureClientId)"),
        credentialsSecret: dns1123Subdomain
          .optional()
          .describe(
            "Fallback without workloadIdentity: Secret in kube-system with static credentials (aws: keys AwsAccessKeyId, AwsSecretAccessKey; azure: ClientID, ClientSecret, TenantID, SubscriptionID, ResourceGroup, VMType). Without either, aws and gce use the nodes' own identity",
          ),
      })
      .prefault({}),
  })
  .prefault({});

const backupStorage = z
  .strictObject({
    type: z
      .enum(['minio', 's3', 'gcs', 'azure'])
      .default('minio')
      .describe('minio: an in-cluster object store (kind/dev only); s3/gcs/azure: real object storage'),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3-63 lower-case letters, digits, "." and "-")')
      .default('velero'),
    region: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a region such as eu-west-1')
      .optional(),
    s3Url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('S3-compatible endpoint URL (optional for AWS)'),
    credentialsSecret: dns1123Subdomain
      .optional()
      .describe('Secret in the velero namespace with a "cloud" key (s3/gcs/azure without workloadIdentity: static keys, the fallback)'),
    workloadIdentity: workloadIdentity
      .optional()
      .describe(
        "Cloud identity of Velero's ServiceAccount instead of static keys (s3: awsRoleArn on eks, gcs: gcpServiceAccount on gke, azure: azureClientId on aks)",
      ),
    azure: z
      .strictObject({
        resourceGroup: z.string().regex(/^[-\w._()]{1,90}$/, 'must be an Azure resource group name'),
        storageAccount: z.string().regex(/^[a-z0-9]{3,24}$/, 'must be an Azure storage account name (3-24 lower-case letters and digits)'),
        subscriptionId: z
          .string()
          .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a subscription ID (a GUID)')
          .optional()
          .describe('Subscription of the storage account (with workloadIdentity, where no credentials file names it)'),
      })
      .optional()
      .describe('Where the Azure container lives (required for type azure)'),
  })
  .prefault({});

const backup = z
  .strictObject({
    enabled: z.boolean().default(true),
    storage: backupStorage,
    schedule: cron.default('0 2 * * *'),
    ttl: goDuration.default('720h'),
    includedNamespaces: z.array(dns1123Label).default([]).describe('Namespaces to back up (empty: all except system ones)'),
    volumes: backupVolumesSchema,
    snapshotDriver: snapshotDriverSchema,
    restoreDrill: z
      .boolean()
      .default(true)
      .describe(
        'verify writes a file to a volume in a scratch namespace, backs it up, deletes the namespace, restores it into a new one and compares the file',
      ),
  })
  .prefault({});

const cost = z
  .strictObject({
    quotas: z.boolean().default(true).describe('ResourceQuota and LimitRange per tenant namespace'),
    limitRange: z
      .strictObject({
        defaultCpuRequest: quantity.default('100m'),
        defaultMemoryRequest: quantity.default('128Mi'),
        defaultCpuLimit: quantity.default('500m'),
        defaultMemoryLimit: quantity.default('512Mi'),
      })
      .prefault({}),
    priorityClasses: z
      .boolean()
      .default(true)
      .describe(
        'PriorityClasses, created in the foundation phase: kubestrap-platform-critical (named by every add-on pod) and tenant-high, tenant-default (the global default for pods that name none), batch-low',
      ),
    opencost: z.boolean().default(true),
    addonResources: z
      .partialRecord(
        z.enum(addonComponents),
        z.strictObject({
          requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
          limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
        }),
      )
      .default({})
      .describe(
        "Requests and limits of add-on containers, replacing kubestrap's sizes for a small production cluster (kind: for a laptop), e.g. prometheus: { requests: { memory: 4Gi }, limits: { memory: 8Gi } }",
      ),
  })
  .prefault({});

const charts = z
  .strictObject({
    source: z
      .enum(['repository', 'local', 'oci'])
      .default('repository')
      .describe('repository: public repos; local: a directory of charts (air-gapped); oci: a mirror registry'),
    localDir: z
      .string()
      .min(1)
      .regex(oneLine, oneLineMessage)
      .optional()
      .describe(
        'Directory of charts (source: local): <chart>/ or the packaged <chart>-<version>.tgz per chart, and gateway-api/standard-install.yaml; a `kubestrap bundle` charts/ folder is one. Relative to this file',
      ),
    ociMirror: z
      .string()
      .regex(/^oci:\/\/[^\s]+$/, 'must start with oci://, e.g. oci://registry.example.com/charts')
      .optional()
      .describe('OCI prefix; charts are pulled from <prefix>/<chart> (source: oci)'),
  })
  .prefault({});

const images = z
  .strictObject({
    registry: z
      .string()
      .regex(
        /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:]+\])(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
        'must be a registry host with an optional port and path, without a scheme or a trailing slash, e.g. registry.example.com:5000/mirror',
      )
      .optional()
      .describe(
        'Private registry every image is pulled from instead (air-gapped): quay.io/jetstack/cert-manager-controller:v1.21.1 becomes <registry>/jetstack/cert-manager-controller:v1.21.1. `kubestrap bundle` lists the images to copy there',
      ),
  })
  .prefault({});

const verification = z
  .strictObject({
    timeout: z
      .string()
      .regex(/^[0-9]+(s|m)$/, 'must be a duration such as 300s or 10m')
      .default('10m')
      .describe('How long a rollout or helm wait may take'),
    scorecard: z.boolean().default(true).describe('Write a scorecard of every check and flag drift'),
    keepSmoke: z
      .boolean()
      .default(false)
      .describe(
        'Keep the smoke-test workload (and the HPA/VPA/route aimed at it) after `up` verified the roadmap; by default `up` removes it once every check passed, and later runs report its checks as skipped',
      ),
    inCluster: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "Run kubestrap's read-only drift checks inside the cluster on a schedule (a CronJob with its own minimal RBAC) and alert when they fail or stop running",
          ),
        schedule: z
          .string()
          .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron schedule, e.g. */30 * * * *')
          .default('*/30 * * * *')
          .describe('When the in-cluster verifier runs (cron, in the controller manager time zone)'),
        staleAfter: z
          .string()
          .regex(/^[0-9]+(m|h)$/, 'must be a duration in minutes or hours, e.g. 90m or 2h')
          .default('2h')
          .describe('KubestrapVerificationStale fires when the verifier has not completed a run for this long'),
        image: z
          .string()
          .optional()
          .describe(
            "The verifier image (built from verifier/ in kubestrap's repository); default the locked ghcr.io/kubestrap/verifier tag, which must be reachable from the cluster",
          ),
      })
      .prefault({}),
  })
  .prefault({});

export const configSchema = z.strictObject({
  apiVersion: z.literal('kubestrap.dev/v1alpha1'),
  kind: z.literal('Roadmap'),
  metadata: z.strictObject({ name: dns1123Label }),
  spec: z
    .strictObject({
      cluster,
      networking,
      storage,
      security,
      tenants: z.array(tenant).default([]).describe('Tenant team namespaces (RBAC, quotas, policies)'),
      monitoring,
      autoscaling,
      backup,
      cost,
      charts,
      images,
      verification,
    })
    // Combinations that cannot work, refused at the value to change (src/config/schema-tls.ts).
    .superRefine((s, ctx) => {
      for (const issue of specIssues(s)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export const configApiVersion = 'kubestrap.dev/v1alpha1';
export const configKind = 'Roadmap';
