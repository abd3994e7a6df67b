import { readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { AppError } from "../../../lib/errors/index.ts";
import { parseYamlDocuments, REPO_ROOT } from "./repo.ts";

/** A Kubernetes object as read from YAML: only the envelope fields are typed. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  readonly spec?: unknown;
  readonly [key: string]: unknown;
}

/** An `images:` entry, as `kustomize edit set image NAME=NEW_NAME:NEW_TAG` writes it. */
export interface ImageOverride {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  images?: ImageOverride[];
}

/** Kustomize fields this renderer implements; a kustomization using others is refused. */
const SUPPORTED = new Set(["apiVersion", "kind", "resources", "namespace", "images"]);
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]);

/**
 * Renders a kustomization the way `kustomize build` does for the subset the manifests use
 * (resources, namespace, images), so the manifests can be validated without kustomize or a
 * cluster. `extraImages` plays the deploy workflow's `kustomize edit set image`.
 */
export async function renderKustomization(dir: string, extraImages: readonly ImageOverride[] = []): Promise<K8sObject[]> {
  const path = join(dir, "kustomization.yaml");
  const [doc] = parseYamlDocuments(await readFile(path, "utf8"), relative(REPO_ROOT, path));
  const k = doc as Kustomization;
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) {
    throw new AppError("KUSTOMIZE_UNSUPPORTED", `${relative(REPO_ROOT, path)} uses ${unknown.join(", ")}`);
  }
  const objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const target = join(dir, resource);
    if ((await stat(target)).isDirectory()) {
      objects.push(...(await renderKustomization(target)));
    } else {
      objects.push(...parseYamlDocuments(await readFile(target, "utf8"), relative(REPO_ROOT, target)).map(asObject));
    }
  }
  const named = k.namespace === undefined ? objects : objects.map((o) => withNamespace(o, k.namespace ?? ""));
  return named.map((o) => withImages(o, [...(k.images ?? []), ...extraImages]));
}

function asObject(value: unknown): K8sObject {
  const o = value as Partial<K8sObject>;
  if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") {
    throw new AppError("K8S_OBJECT_INVALID", `not a Kubernetes object: ${JSON.stringify(value).slice(0, 120)}`);
  }
  return o as K8sObject;
}

function withNamespace(o: K8sObject, namespace: string): K8sObject {
  if (CLUSTER_SCOPED.has(o.kind)) return o;
  return { ...o, metadata: { ...o.metadata, namespace } };
}

/** Pod-bearing kinds whose containers the images transformer rewrites. */
function podSpecOf(o: K8sObject): { containers?: { image?: string }[]; initContainers?: { image?: string }[] } | undefined {
  const spec = o.spec as { template?: { spec?: object } } | undefined;
  return spec?.template?.spec;
}

function withImages(o: K8sObject, images: readonly ImageOverride[]): K8sObject {
  const pod = podSpecOf(o);
  if (!pod || images.length === 0) return o;
  const copy = structuredClone(o);
  const copyPod = podSpecOf(copy) ?? {};
  for (const container of [...(copyPod.containers ?? []), ...(copyPod.initContainers ?? [])]) {
    if (container.image !== undefined) container.image = rewriteImage(container.image, images);
  }
  return copy;
}

function rewriteImage(image: string, images: readonly ImageOverride[]): string {
  const { name, tag } = splitImage(image);
  // Later entries win, as an overlay's `images:` overrides its base's.
  const override = images.findLast((i) => i.name === name);
  if (!override) return image;
  const newTag = override.newTag ?? tag;
  return `${override.newName ?? name}${newTag === undefined ? "" : `:${newTag}`}`;
}

/** Splits `registry:5000/repo/name:tag` into name and tag (digests are kept in the name). */
export function splitImage(image: string): { name: string; tag: string | undefined } {
  if (image.includes("@")) return { name: image, tag: undefined };
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? { name: image.slice(0, colon), tag: image.slice(colon + 1) } : { name: image, tag: undefined };
}

/** Absolute directory of a repository-relative kustomization. */
export function kustomizationDir(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}
