/**
 * Parts of the config model for TLS (cert-manager issuers, the Gateway's HTTPS listener), logs and
 * backup volume data, and the cross-section checks that refuse combinations that cannot work.
 * Those checks run inside the schema (not in rules.ts) so a refusal points at the file, line and
 * key path of the value to change, like any other invalid value.
 */
import { z } from 'zod';

const k8sName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a Kubernetes name: lower-case letters, digits, "-" and "."',
  );

const secretKeyRef = z.strictObject({
  name: k8sName.describe('Secret name, in the cert-manager namespace'),
  key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key (letters, digits, "-", "_", ".")'),
});

/** A DNS name a certificate can carry: lower case, at least two labels, an optional leading `*.`. */
const dnsName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(
    /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/,
    'must be a lower-case DNS name such as apps.example.com, or a wildcard such as *.apps.example.com',
  );

const dns01 = z
  .strictObject({
    provider: z.enum(['cloudflare', 'route53', 'clouddns', 'azuredns']).describe('DNS provider that holds the zone of the hostnames'),
    secretRef: secretKeyRef
      .optional()
      .describe(
        "Secret in the cert-manager namespace: cloudflare API token (required); route53 secret access key (with accessKeyID); clouddns service-account JSON key. Leave out for route53, clouddns and azuredns to use the workload identity of cert-manager's ServiceAccount",
      ),
    accessKeyID: z
      .string()
      .regex(/^[A-Z0-9]{16,128}$/, 'must be an AWS access key ID')
      .optional()
      .describe('route53 with secretRef: the access key ID'),
    region: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a region such as eu-west-1')
      .optional()
      .describe('route53: region of the Route 53 API'),
    project: z
      .string()
      .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, 'must be a Google Cloud project ID')
      .optional()
      .describe('clouddns: project of the managed zone (required)'),
    subscriptionID: z
      .string()
      .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a subscription ID (a GUID)')
      .optional()
      .describe('azuredns: subscription of the DNS zone (required)'),
    resourceGroupName: z
      .string()
      .regex(/^[-\w._()]{1,90}$/, 'must be an Azure resource group name')
      .optional()
      .describe('azuredns: resource group of the DNS zone (required)'),
    hostedZoneName: dnsName.optional().describe('azuredns: the DNS zone, e.g. example.com (required)'),
  })
  .describe(
    'DNS-01 challenges: TXT records written through the DNS provider (works for wildcards and for gateways not reachable from the internet)',
  );

const acme = z
  .strictObject({
    email: z.email('must be an e-mail address').describe('Account contact: the ACME CA sends expiry and policy notices here'),
    server: z
      .url({ protocol: /^https$/, error: 'must be an https:// URL of an ACME directory' })
      .default('https://acme-v02.api.letsencrypt.org/directory')
      .describe("ACME directory URL (default Let's Encrypt production; staging: https://acme-staging-v02.api.letsencrypt.org/directory)"),
    solver: z
      .enum(['http01', 'dns01'])
      .default('http01')
      .describe(
        "http01: answered through the shared Gateway's http listener (port 80 must be reachable from the internet; no wildcards); dns01: TXT records through a DNS provider",
      ),
    dns01: dns01.optional(),
  })
  .describe('ACME account and challenge solver (issuer: acme)');

export const tlsSchema = z
  .strictObject({
    issuer: z
      .enum(['selfSigned', 'ca', 'acme'])
      .default('ca')
      .describe(
        "Who signs the certificates kubestrap requests (ClusterIssuer kubestrap-selfsigned, kubestrap-ca or kubestrap-acme). ca: a private CA, kubestrap's own (Secret cert-manager/kubestrap-root-ca, distribute its ca.crt to clients) or yours (ca.secretRef); acme: a public CA such as Let's Encrypt; selfSigned: every certificate signs itself (nothing to distribute, nothing to trust)",
      ),
    ca: z
      .strictObject({
        secretName: k8sName
          .optional()
          .describe(
            "Secret in the cert-manager namespace with your CA's tls.crt and tls.key (default: kubestrap creates its own root CA, Secret kubestrap-root-ca)",
          ),
      })
      .prefault({}),
    acme: acme.optional(),
    gatewayHttps: z
      .boolean()
      .default(true)
      .describe(
        'An HTTPS listener (port 443) on the shared Gateway with a cert-manager Certificate for spec.networking.gatewayHostnames (needs certManager)',
      ),
    httpRedirect: z
      .boolean()
      .default(true)
      .describe(
        "The Gateway's HTTP listener answers every request with a redirect to HTTPS (only kubestrap's redirect route may attach to it)",
      ),
  })
  .prefault({})
  .describe("TLS for what users reach: the issuer and the Gateway's HTTPS listener");

export const gatewayHostnamesSchema = z
  .array(dnsName)
  .max(100, 'must list at most 100 hostnames')
  .default([])
  .describe(
    'Hostnames served by the shared Gateway, put on its TLS certificate (e.g. apps.example.com, *.apps.example.com). Empty: the certificate names gateway.<cluster name>.internal, which no public CA issues (fine for selfSigned and ca)',
  );

export const logShipperSchema = z
  .enum(['none', 'external'])
  .default('none')
  .describe(
    'Who sends pod logs to Loki. kubestrap pins no log shipper chart yet, so logs: true needs external: your own agent (Grafana Alloy, Fluent Bit, Vector) pushes to http://loki-gateway.monitoring.svc/loki/api/v1/push. none with logs: true is refused: Loki would stay empty',
  );

export const logRetentionSchema = z
  .string()
  .regex(/^[0-9]+(h|d|w)$/, 'must be a duration such as 168h, 14d or 4w')
  .default('14d')
  .describe('How long Loki keeps logs; its compactor deletes older chunks');

export const backupVolumesSchema = z
  .enum(['auto', 'snapshot', 'file-system', 'none'])
  .default('auto')
  .describe(
    "How volume data is backed up. snapshot: CSI VolumeSnapshots (needs storage.snapshots and a CSI driver: Longhorn, or backup.snapshotDriver), their data moved to the backup bucket; file-system: Velero's node agent copies files from running pods (kind's local-path has no snapshots); auto: snapshot where a CSI driver is known, else file-system; none: objects only",
  );

export const snapshotDriverSchema = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a CSI driver name such as ebs.csi.aws.com')
  .optional()
  .describe(
    'CSI driver of the volumes to snapshot (e.g. ebs.csi.aws.com, pd.csi.storage.gke.io, disk.csi.azure.com); kubestrap labels a VolumeSnapshotClass for it for Velero. Longhorn: implied',
  );

/** The slice of the spec the cross-section checks read (the spec type itself is built from these). */
interface SpecView {
  cluster: { provider: string };
  networking: { cni: string; encryption: boolean; gateway: string; gatewayHostnames: string[] };
  storage: { provisioner: string; snapshots: boolean };
  security: { certManager: boolean; tls: z.output<typeof tlsSchema> };
  monitoring: { logs: boolean; logShipper: string };
  backup: { enabled: boolean; volumes: string; snapshotDriver?: string | undefined };
}

type Issue = { path: (string | number)[]; message: string };

/**
 * Combinations kubestrap cannot make work, each refused at the value to change, with the fix in
 * the message. Paths are relative to `spec`.
 */
export function specIssues(s: SpecView): Issue[] {
  const out: Issue[] = [];
  const { networking, security, monitoring, backup, storage, cluster } = s;
  const tls = security.tls;

  if (networking.encryption && networking.cni === 'default') {
    out.push({
      path: ['networking', 'encryption'],
      message:
        "encryption in transit is configured through the CNI kubestrap installs (Cilium or Calico WireGuard); with cni: default (kindnet, flannel or a provider's CNI) kubestrap cannot turn it on and will not pretend to. Set networking.cni: cilium or calico, or encryption: false and use your provider's own (e.g. Azure CNI powered by Cilium, GKE Dataplane V2 transparent encryption)",
    });
  }

  if (tls.issuer === 'acme') {
    if (!security.certManager)
      out.push({
        path: ['security', 'tls', 'issuer'],
        message:
          'issuer acme is a cert-manager ClusterIssuer, and security.certManager is false. Set certManager: true, or choose no ACME issuer',
      });
    if (!tls.acme) {
      out.push({
        path: ['security', 'tls', 'acme'],
        message: 'issuer acme needs the ACME account: set security.tls.acme.email (and solver http01 or dns01)',
      });
    } else {
      const { solver, dns01: dns } = tls.acme;
      if (networking.gatewayHostnames.length === 0) {
        out.push({
          path: ['networking', 'gatewayHostnames'],
          message:
            'an ACME CA issues certificates only for public DNS names you control: list them in networking.gatewayHostnames (e.g. [apps.example.com])',
        });
      }
      if (solver === 'http01') {
        if (networking.gateway === 'none')
          out.push({
            path: ['security', 'tls', 'acme', 'solver'],
            message:
              'HTTP-01 challenges are answered through the shared Gateway, and networking.gateway is none. Choose a gateway, or solver: dns01',
          });
        const wildcard = networking.gatewayHostnames.findIndex((h) => h.startsWith('*.'));
        if (wildcard >= 0)
          out.push({
            path: ['networking', 'gatewayHostnames', wildcard],
            message: 'HTTP-01 cannot validate a wildcard name; use solver: dns01, or list the names one by one',
          });
        if (dns)
          out.push({
            path: ['security', 'tls', 'acme', 'dns01'],
            message: 'dns01 is set but solver is http01; set solver: dns01, or remove dns01',
          });
      } else if (!dns) {
        out.push({
          path: ['security', 'tls', 'acme', 'dns01'],
          message:
            'solver dns01 needs the DNS provider: set security.tls.acme.dns01.provider (cloudflare, route53, clouddns or azuredns) and its fields',
        });
      } else {
        const at = (key: string) => ['security', 'tls', 'acme', 'dns01', key];
        if (dns.provider === 'cloudflare' && !dns.secretRef)
          out.push({
            path: at('secretRef'),
            message: 'cloudflare needs an API token: set secretRef to a Secret key in the cert-manager namespace holding it',
          });
        if (dns.provider === 'route53' && dns.secretRef && !dns.accessKeyID)
          out.push({
            path: at('accessKeyID'),
            message: 'route53 with a secret access key (secretRef) needs its accessKeyID too; or remove secretRef to use workload identity',
          });
        if (dns.provider === 'clouddns' && !dns.project)
          out.push({ path: at('project'), message: 'clouddns needs the Google Cloud project of the managed zone: set project' });
        if (dns.provider === 'azuredns') {
          for (const key of ['subscriptionID', 'resourceGroupName', 'hostedZoneName'] as const) {
            if (!dns[key])
              out.push({ path: at(key), message: `azuredns needs ${key} (the DNS zone's subscription, resource group and name)` });
          }
        }
      }
    }
  } else if (tls.acme) {
    out.push({ path: ['security', 'tls', 'acme'], message: `acme is set but issuer is ${tls.issuer}; set issuer: acme, or remove acme` });
  }
  if (tls.ca.secretName && tls.issuer !== 'ca') {
    out.push({
      path: ['security', 'tls', 'ca', 'secretName'],
      message: `a CA Secret is named but issuer is ${tls.issuer}; set issuer: ca, or remove ca.secretName`,
    });
  }

  if (monitoring.logs && monitoring.logShipper === 'none') {
    out.push({
      path: ['monitoring', 'logs'],
      message:
        'Loki without a log shipper stores no logs, and kubestrap pins no shipper chart yet. Run your own agent (Grafana Alloy, Fluent Bit, Vector) pushing to http://loki-gateway.monitoring.svc/loki/api/v1/push and set monitoring.logShipper: external, or set logs: false',
    });
  }
  if (!monitoring.logs && monitoring.logShipper !== 'none') {
    out.push({ path: ['monitoring', 'logShipper'], message: 'logShipper is set but logs is false; set logs: true, or remove logShipper' });
  }

  if (backup.enabled && backup.volumes === 'snapshot') {
    if (!storage.snapshots)
      out.push({
        path: ['backup', 'volumes'],
        message:
          'snapshot backups need the CSI snapshot controller, and storage.snapshots is false. Set storage.snapshots: true, or volumes: file-system',
      });
    else if (cluster.provider === 'kind' && storage.provisioner !== 'longhorn')
      out.push({
        path: ['backup', 'volumes'],
        message: "kind's local-path provisioner cannot take CSI snapshots; use volumes: file-system (or auto)",
      });
    // Without a driver (none named, no profile implying one): rule snapshot-backups-need-a-driver.
  }
  return out;
}
