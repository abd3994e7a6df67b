import type { K8sObject } from "./kustomize.ts";
import { splitImage } from "./kustomize.ts";

interface ContainerShape {
  name: string;
  image?: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
  livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean };
}

/** The parts of a Deployment the tests read. */
export interface DeploymentShape {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    replicas?: number;
    strategy?: unknown;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        containers: ContainerShape[];
        initContainers?: ContainerShape[];
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean };
      };
    };
  };
}

/** The Deployments among rendered objects. */
export function deployments(objects: readonly K8sObject[]): DeploymentShape[] {
  return objects.filter((o) => o.kind === "Deployment") as unknown as DeploymentShape[];
}

/** Containers and init containers of a Deployment. */
export function containersOf(d: DeploymentShape | undefined): ContainerShape[] {
  return d ? [...d.spec.template.spec.containers, ...(d.spec.template.spec.initContainers ?? [])] : [];
}

/** Every container image of a pod-bearing object. */
export function imagesOf(o: K8sObject): string[] {
  if (o.kind !== "Deployment") return [];
  return containersOf(o as unknown as DeploymentShape).flatMap((c) => (c.image === undefined ? [] : [c.image]));
}

/** Images that could change under a running Deployment: untagged, `latest`, or still the placeholder. */
export function imageProblems(objects: readonly K8sObject[]): string[] {
  return objects.flatMap((o) =>
    imagesOf(o).flatMap((image) => {
      const { tag } = splitImage(image);
      if (image.includes("@sha256:")) return [];
      if (tag === undefined) return [`${o.metadata.name}: ${image} has no tag`];
      if (tag.toLowerCase() === "latest") return [`${o.metadata.name}: ${image} is latest`];
      if (tag === "IMAGE_TAG") return [`${o.metadata.name}: ${image} still has the placeholder tag`];
      return [];
    }),
  );
}

/**
 * How long a pod of this Deployment needs to stop cleanly: the preStop pause plus the app's
 * SHUTDOWN_TIMEOUT_MS (the container's env wins over the ConfigMap, as in Kubernetes).
 */
export function shutdownBudget(d: DeploymentShape, objects: readonly K8sObject[]): { shutdownTimeoutMs: number; preStopMs: number } {
  const [container] = d.spec.template.spec.containers;
  const fromEnv = container?.env?.find((e) => e.name === "SHUTDOWN_TIMEOUT_MS")?.value;
  const configMaps = (container?.envFrom ?? []).flatMap((r) => (r.configMapRef ? [r.configMapRef.name] : []));
  const fromConfig = objects
    .filter((o) => o.kind === "ConfigMap" && configMaps.includes(o.metadata.name))
    .map((o) => (o as unknown as { data?: Record<string, string> }).data?.SHUTDOWN_TIMEOUT_MS)
    .find((v) => v !== undefined);
  const command = container?.lifecycle?.preStop?.exec?.command ?? [];
  const preStopMs = command[0] === "sleep" ? Number(command[1]) * 1000 : 0;
  return { shutdownTimeoutMs: Number(fromEnv ?? fromConfig ?? 30_000), preStopMs };
}
