import { describe, expect, it } from "vitest";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { QUEUES, SERVICES, WORKER_QUEUES } from "./support/app-contract.ts";
import { kustomizationDir, renderKustomization, splitImage } from "./support/kustomize.ts";
import type { K8sObject } from "./support/kustomize.ts";
import { listRepoFiles, parseYamlDocuments, readRepoFile } from "./support/repo.ts";
import { containersOf, deployments, imageProblems, imagesOf, shutdownBudget } from "./support/k8s.ts";
import type { DeploymentShape } from "./support/k8s.ts";

type Validatable = new (data: unknown) => { validate(): void };
/** The JSON schemas (kubernetes-models, @kubernetes-models/keda) of every kind we ship. */
const MODELS: Readonly<Record<string, Validatable>> = {
  "v1/Namespace": Namespace as unknown as Validatable,
  "v1/ServiceAccount": ServiceAccount as unknown as Validatable,
  "v1/ConfigMap": ConfigMap as unknown as Validatable,
  "v1/Service": Service as unknown as Validatable,
  "apps/v1/Deployment": Deployment as unknown as Validatable,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler as unknown as Validatable,
  "networking.k8s.io/v1/Ingress": Ingress as unknown as Validatable,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget as unknown as Validatable,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject as unknown as Validatable,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication as unknown as Validatable,
};

const OVERLAYS = {
  rabbitmq: { trigger: "rabbitmq", auth: { parameter: "host", key: "AMQP_URL" }, countField: "value" },
  azure: { trigger: "azure-servicebus", auth: { parameter: "connection", key: "SERVICEBUS_CONNECTION_STRING" }, countField: "messageCount" },
} as const;
const RELEASE = { name: "warranty-hub", newName: "crwarrantyhub.azurecr.io/warranty-hub", newTag: "v1.4.2" };

function schemaErrors(objects: readonly K8sObject[]): string[] {
  return objects.flatMap((o) => {
    const model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!model) return [`${o.kind}/${o.metadata.name}: no schema for ${o.apiVersion} ${o.kind}`];
    try {
      new model(o).validate();
      return [];
    } catch (error) {
      return [`${o.kind}/${o.metadata.name}: ${(error as Error).message}`];
    }
  });
}

function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

describe.each(Object.entries(OVERLAYS))("infra/k8s/overlays/%s", (overlay, expected) => {
  const render = () => renderKustomization(kustomizationDir("infra/k8s/overlays", overlay), [RELEASE]);

  it("validates every object against the Kubernetes and KEDA schemas", async () => {
    const objects = await render();
    expect(objects.length).toBeGreaterThan(10);
    expect(schemaErrors(objects)).toEqual([]);
    expect(objects.every((o) => o.kind === "Namespace" || o.metadata.namespace === "warranty-hub")).toBe(true);
  });

  it("pins every container to the deployed tag, as the deploy workflow's kustomize edit does", async () => {
    const objects = await render();
    const images = objects.flatMap(imagesOf);
    expect(images.length).toBe(SERVICES.length);
    expect(new Set(images)).toEqual(new Set([`${RELEASE.newName}:${RELEASE.newTag}`]));
    expect(imageProblems(objects)).toEqual([]);
  });

  it(`scales each worker with a ${expected.trigger} ScaledObject on its queues`, async () => {
    const objects = await render();
    const config = find(objects, "ConfigMap", "warranty-hub-config") as { data: Record<string, string> } | undefined;
    const prefix = config?.data.QUEUE_PREFIX ?? "";
    const scaled = objects.filter((o) => o.kind === "ScaledObject");
    expect(scaled.map((s) => s.metadata.name).sort()).toEqual(Object.keys(WORKER_QUEUES).map((w) => `warranty-hub-${w}`).sort());
    for (const [worker, queues] of Object.entries(WORKER_QUEUES)) {
      const spec = find(objects, "ScaledObject", `warranty-hub-${worker}`)?.spec as {
        scaleTargetRef: { name: string };
        minReplicaCount: number;
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string>; authenticationRef: { name: string } }[];
      };
      expect(find(objects, "Deployment", spec.scaleTargetRef.name)).toBeDefined();
      expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(spec.maxReplicaCount).toBeGreaterThan(spec.minReplicaCount);
      expect(spec.triggers.map((t) => t.metadata.queueName).sort()).toEqual(queues.map((q) => `${prefix}${q}`).sort());
      for (const trigger of spec.triggers) {
        expect(trigger.type).toBe(expected.trigger);
        expect(Number(trigger.metadata[expected.countField])).toBeGreaterThan(0);
        const auth = find(objects, "TriggerAuthentication", trigger.authenticationRef.name)?.spec as {
          secretTargetRef: { parameter: string; name: string; key: string }[];
        };
        expect(auth.secretTargetRef).toEqual([{ parameter: expected.auth.parameter, name: "warranty-hub-secrets", key: expected.auth.key }]);
      }
    }
    const watched = scaled.flatMap((s) => (s.spec as { triggers: { metadata: { queueName: string } }[] }).triggers.map((t) => t.metadata.queueName));
    expect(new Set(watched)).toEqual(new Set(QUEUES.map((q) => `${prefix}${q}`)));
  });

  it("autoscales the API with an HPA and nothing else with two autoscalers", async () => {
    const objects = await render();
    const hpas = objects.filter((o) => o.kind === "HorizontalPodAutoscaler");
    expect(hpas.map((h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name)).toEqual(["warranty-hub-api"]);
    const hpa = hpas[0]?.spec as { minReplicas: number; maxReplicas: number };
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
    const scaledTargets = objects.filter((o) => o.kind === "ScaledObject").map((s) => (s.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name);
    expect(scaledTargets).not.toContain("warranty-hub-api");
    // Autoscaled Deployments leave replicas to their scaler, or every apply would reset it.
    expect(deployments(objects).filter((d) => d.spec.replicas !== undefined)).toEqual([]);
  });
});

describe("infra/k8s/base Deployments", () => {
  const render = () => renderKustomization(kustomizationDir("infra/k8s/base"));

  it("has one Deployment per service, started by the image's CLI", async () => {
    const objects = await render();
    const byName = new Map(deployments(objects).map((d) => [d.metadata.name, d]));
    expect([...byName.keys()].sort()).toEqual(SERVICES.map((s) => `warranty-hub-${s}`).sort());
    for (const service of SERVICES) {
      const [container] = containersOf(byName.get(`warranty-hub-${service}`));
      expect(container?.args).toEqual(["start", service]);
    }
  });

  it("rolls out 25 % at a time with readiness on /health/ready and liveness on /health/live", async () => {
    for (const d of deployments(await render())) {
      expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
      for (const c of containersOf(d)) {
        const ports = new Set((c.ports ?? []).map((p) => p.name));
        expect(c.readinessProbe?.httpGet?.path, d.metadata.name).toBe("/health/ready");
        expect(c.livenessProbe?.httpGet?.path, d.metadata.name).toBe("/health/live");
        expect(ports.has(String(c.readinessProbe?.httpGet?.port)), d.metadata.name).toBe(true);
        expect(ports.has(String(c.livenessProbe?.httpGet?.port)), d.metadata.name).toBe(true);
      }
    }
  });

  it("sets requests and limits, runs as non-root and drains within the grace period", async () => {
    const objects = await render();
    for (const d of deployments(objects)) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot, d.metadata.name).toBe(true);
      for (const c of containersOf(d)) {
        expect(c.resources?.requests?.cpu, d.metadata.name).toBeDefined();
        expect(c.resources?.requests?.memory, d.metadata.name).toBeDefined();
        expect(c.resources?.limits?.memory, d.metadata.name).toBeDefined();
        expect(c.securityContext?.allowPrivilegeEscalation, d.metadata.name).toBe(false);
      }
      const budget = shutdownBudget(d, objects);
      expect(budget.shutdownTimeoutMs, d.metadata.name).toBeGreaterThan(0);
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000, d.metadata.name).toBeGreaterThan(budget.shutdownTimeoutMs + budget.preStopMs);
    }
  });

  it("points every pod at the ConfigMap it ships and the Secret the deploy workflow writes", async () => {
    const objects = await render();
    for (const d of deployments(objects)) {
      for (const c of containersOf(d)) {
        const refs = c.envFrom ?? [];
        for (const ref of refs.flatMap((r) => (r.configMapRef ? [r.configMapRef.name] : []))) {
          expect(find(objects, "ConfigMap", ref), ref).toBeDefined();
        }
        expect(refs.flatMap((r) => (r.secretRef ? [r.secretRef.name] : []))).toEqual(["warranty-hub-secrets"]);
      }
    }
    const workflow = await readRepoFile(".github/workflows/deploy.yml");
    expect(workflow).toContain("kubectl create secret generic warranty-hub-secrets");
  });

  it("gives every Deployment a PodDisruptionBudget and every Service a matching pod and port", async () => {
    const objects = await render();
    const pods = deployments(objects);
    for (const d of pods) {
      const pdbs = objects.filter(
        (o) => o.kind === "PodDisruptionBudget" && matches((o.spec as DeploymentShape["spec"]).selector.matchLabels, d.spec.template.metadata.labels),
      );
      expect(pdbs.length, d.metadata.name).toBe(1);
      expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels), d.metadata.name).toBe(true);
    }
    for (const service of objects.filter((o) => o.kind === "Service")) {
      const spec = service.spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
      const backing = pods.filter((d) => matches(spec.selector, d.spec.template.metadata.labels));
      expect(backing.length, service.metadata.name).toBe(1);
      const portNames = containersOf(backing[0]).flatMap((c) => (c.ports ?? []).map((p) => p.name));
      for (const port of spec.ports) expect(portNames, service.metadata.name).toContain(port.targetPort);
    }
  });

  it("writes every image as warranty-hub:IMAGE_TAG in git, for the workflow to pin", async () => {
    const files = await listRepoFiles("infra/k8s", ".yaml");
    const raw = (await Promise.all(files.map(async (f) => parseYamlDocuments(await readRepoFile(f), f)))).flat() as K8sObject[];
    const images = raw.flatMap(imagesOf);
    expect(images.length).toBe(SERVICES.length);
    expect(images.map((i) => splitImage(i))).toEqual(images.map(() => ({ name: "warranty-hub", tag: "IMAGE_TAG" })));
  });
});

interface IngressShape {
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> };
  readonly spec: {
    readonly ingressClassName?: string;
    readonly rules: readonly {
      readonly host?: string;
      readonly http: { readonly paths: readonly { path: string; pathType: string; backend: { service: { name: string; port: { name: string } } } }[] };
    }[];
  };
}

interface IngressRoute {
  readonly ingress: IngressShape;
  readonly host: string | undefined;
  readonly path: string;
  readonly service: string;
  readonly port: string;
}

describe("infra/k8s/base Ingress", () => {
  const render = () => renderKustomization(kustomizationDir("infra/k8s/base"));
  const ingresses = async () => (await render()).filter((o) => o.kind === "Ingress") as unknown as IngressShape[];
  const routesOf = (all: readonly IngressShape[]): IngressRoute[] =>
    all.flatMap((ingress) =>
      ingress.spec.rules.flatMap((rule) =>
        rule.http.paths.map((p) => ({ ingress, host: rule.host, path: p.path, service: p.backend.service.name, port: p.backend.service.port.name })),
      ),
    );
  /**
   * The Service ingress-nginx picks for a request path: with use-regex on a host, every path of
   * it is a case-insensitive regular expression anchored at the start, tried longest first.
   */
  const serviceFor = (routes: readonly IngressRoute[], path: string) =>
    [...routes].sort((a, b) => b.path.length - a.path.length).find((r) => new RegExp(`^${r.path}`, "i").test(path))?.service;

  it("routes the hub and the chat message routes to the chat relay on the API's host, the rest to the API", async () => {
    const objects = await render();
    const all = await ingresses();
    const routes = routesOf(all);
    expect(all.map((i) => i.spec.ingressClassName)).toEqual(all.map(() => "nginx"));
    // One host, so the browser sees one origin; use-regex on every Ingress of it, since nginx applies it host-wide anyway.
    expect(new Set(routes.map((r) => r.host)).size).toBe(1);
    expect(all.map((i) => i.metadata.annotations?.["nginx.ingress.kubernetes.io/use-regex"])).toEqual(all.map(() => "true"));
    const id = "0b6f6a57-7d3e-4c53-9a55-3f0f0c3f2b6e";
    const expected: Record<string, string> = {
      "/hubs/chat": "warranty-hub-chat-relay",
      "/hubs/chat/negotiate": "warranty-hub-chat-relay",
      [`/api/v1/service-requests/${id}/messages`]: "warranty-hub-chat-relay",
      [`/api/v1/service-requests/${id}`]: "warranty-hub-api",
      "/api/v1/service-requests": "warranty-hub-api",
      "/api/v1/products": "warranty-hub-api",
      "/health/ready": "warranty-hub-api",
      "/": "warranty-hub-api",
    };
    for (const [path, service] of Object.entries(expected)) expect(serviceFor(routes, path), path).toBe(service);
    for (const route of routes) {
      const service = find(objects, "Service", route.service)?.spec as { ports: { name: string }[] } | undefined;
      expect(service?.ports.map((p) => p.name), route.service).toContain(route.port);
    }
  });

  it("keeps hub WebSockets open, on any relay pod", async () => {
    const routes = routesOf(await ingresses());
    const hub = routes.find((r) => r.path === "/hubs/chat")?.ingress.metadata.annotations ?? {};
    // Well past nginx's 60 s default and the hub's 15 s keep-alive and 30 s client timeout.
    expect(Number(hub["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThanOrEqual(3600);
    expect(Number(hub["nginx.ingress.kubernetes.io/proxy-send-timeout"])).toBeGreaterThanOrEqual(3600);
    // Connection tokens are signed, not kept in one pod's memory: no sticky sessions needed.
    expect(Object.keys(hub).filter((name) => /affinity|session-cookie/.test(name))).toEqual([]);
  });

  it("lets uploads stream through to the API's own size limits", async () => {
    const routes = routesOf(await ingresses());
    const api = routes.find((r) => r.service === "warranty-hub-api")?.ingress.metadata.annotations ?? {};
    expect(api["nginx.ingress.kubernetes.io/proxy-body-size"]).toBe("0");
    expect(api["nginx.ingress.kubernetes.io/proxy-request-buffering"]).toBe("off");
  });
});

describe("the image tag check", () => {
  it("rejects latest, missing tags and the unreplaced placeholder", async () => {
    const [base] = deployments(await renderKustomization(kustomizationDir("infra/k8s/base")));
    const withImage = (image: string): K8sObject => {
      const copy = structuredClone(base) as DeploymentShape;
      const [container] = copy.spec.template.spec.containers;
      if (container) container.image = image;
      return copy as unknown as K8sObject;
    };
    expect(imageProblems([withImage("crwarrantyhub.azurecr.io/warranty-hub:latest")])).toHaveLength(1);
    expect(imageProblems([withImage("crwarrantyhub.azurecr.io/warranty-hub")])).toHaveLength(1);
    expect(imageProblems([withImage("localhost:5000/warranty-hub")])).toHaveLength(1);
    expect(imageProblems([withImage("warranty-hub:IMAGE_TAG")])).toHaveLength(1);
    expect(imageProblems([withImage("crwarrantyhub.azurecr.io/warranty-hub:v1.4.2")])).toEqual([]);
  });
});
