/** What helm installs: the chart reference and one release of it. The roadmap's helm actions carry these. */

export interface ChartSourceRef {
  /** What helm takes as the chart argument: a chart name (with `repo`), a directory, or an oci:// ref. */
  ref: string;
  repo?: string;
  version?: string;
}

export interface HelmRelease {
  release: string;
  namespace: string;
  chart: ChartSourceRef;
  /** Artifact path of the values file. */
  values: string;
}
