/** The cluster a command talks to. Every kubectl/helm argv names the context explicitly. */
export interface Target {
  context: string;
  kubeconfig?: string;
}
