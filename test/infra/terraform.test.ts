import { format } from "@cdktf/hcl-tools";
import { parse } from "@cdktf/hcl2json";
import { describe, expect, it } from "vitest";
import { APP_MAX_ATTEMPTS, CHAT_TOPIC, QUEUES } from "./support/app-contract.ts";
import { listRepoFiles, readRepoFile } from "./support/repo.ts";
import { loadTerraform, resource, variableDefault } from "./support/terraform.ts";

/** Every file `terraform fmt -check -recursive` looks at. */
async function hclFiles(): Promise<string[]> {
  const lists = await Promise.all([".tf", ".tfvars", ".hcl", ".hcl.example"].map((s) => listRepoFiles("infra/terraform", s)));
  return [...new Set(lists.flat())].sort();
}

function unformattedLines(source: string, formatted: string): string[] {
  const a = source.split("\n");
  const b = formatted.split("\n");
  return a.flatMap((line, i) => (line === b[i] ? [] : [`${i + 1}: ${JSON.stringify(line)} -> ${JSON.stringify(b[i])}`]));
}

describe("infra/terraform", () => {
  it("is formatted as terraform fmt formats it (hclwrite.Format)", async () => {
    const files = await hclFiles();
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const source = await readRepoFile(file);
      expect(unformattedLines(source, await format(source)), file).toEqual([]);
      // terraform fmt also rewrites interpolation-only strings, which hclwrite leaves alone.
      expect(source, file).not.toMatch(/=\s*"\$\{[^}]*\}"\s*$/m);
    }
  });

  it("catches what is not formatted or does not parse", async () => {
    const messy = 'resource "azurerm_resource_group" "x" {\nname = "a"\n  location   = "b"\n}\n';
    expect(unformattedLines(messy, await format(messy)).length).toBeGreaterThan(0);
    await expect(parse("broken.tf", 'resource "a" "b" {\n  x =\n}\n')).rejects.toThrow(/Invalid expression/);
  });

  it("parses with HCL's parser", async () => {
    for (const file of await hclFiles()) {
      await expect(parse(file, await readRepoFile(file)), file).resolves.toBeTypeOf("object");
    }
  });

  it("creates the app's queues and the chat fan-out topic, dead-lettering expired and undeliverable messages", async () => {
    const tf = await loadTerraform();
    expect(variableDefault(tf, "queues")).toEqual([...QUEUES]);
    const queue = resource(tf, "azurerm_servicebus_queue", "queues");
    expect(queue).toMatchObject({
      for_each: "${toset(var.queues)}",
      name: "${each.value}",
      dead_lettering_on_message_expiration: true,
      max_delivery_count: "${var.max_delivery_count}",
    });
    // Service Bus must not dead-letter before the app has used its own retries.
    expect(variableDefault(tf, "max_delivery_count")).toBeGreaterThan(APP_MAX_ATTEMPTS);
    expect(resource(tf, "azurerm_servicebus_topic", "chat_fanout")?.name).toBe(CHAT_TOPIC);
    expect(resource(tf, "azurerm_servicebus_namespace", "main")?.sku).toBe("Standard");
  });

  it("keeps PostgreSQL backups for point-in-time restore, geo-redundant", async () => {
    const tf = await loadTerraform();
    const server = resource(tf, "azurerm_postgresql_flexible_server", "main");
    expect(server).toMatchObject({
      backup_retention_days: "${var.postgres_backup_retention_days}",
      geo_redundant_backup_enabled: true,
    });
    const retention = variableDefault(tf, "postgres_backup_retention_days") as number;
    expect(retention).toBeGreaterThanOrEqual(7);
    expect(retention).toBeLessThanOrEqual(35);
    expect(resource(tf, "azurerm_postgresql_flexible_server_database", "app")).toBeDefined();
  });

  it("has storage with the containers, AKS with KEDA and container insights, a registry and Log Analytics", async () => {
    const tf = await loadTerraform();
    expect(resource(tf, "azurerm_resource_group", "main")).toBeDefined();
    expect(resource(tf, "azurerm_storage_account", "main")).toMatchObject({ allow_nested_items_to_be_public: false });
    expect(variableDefault(tf, "blob_containers")).toContain("backups");
    expect(resource(tf, "azurerm_storage_container", "containers")?.for_each).toBe("${toset(var.blob_containers)}");
    const aks = resource(tf, "azurerm_kubernetes_cluster", "main") as Record<string, Record<string, unknown>[]>;
    expect(aks.workload_autoscaler_profile?.[0]?.keda_enabled).toBe(true);
    expect(aks.oms_agent?.[0]?.log_analytics_workspace_id).toBe("${azurerm_log_analytics_workspace.main.id}");
    expect(resource(tf, "azurerm_container_registry", "main")).toBeDefined();
    expect(resource(tf, "azurerm_role_assignment", "aks_pull")?.role_definition_name).toBe("AcrPull");
  });

  it("stores in Key Vault every secret the deploy workflow reads (amqp-url is added by hand on RabbitMQ clusters)", async () => {
    const tf = await loadTerraform();
    const secrets = resource(tf, "azurerm_key_vault_secret", "app");
    const names = [...String(secrets?.for_each).matchAll(/\\"([\w-]+)\\"|"([\w-]+)"/g)].map((m) => m[1] ?? m[2]);
    const mapped = tf.locals.flatMap((l) => Object.keys((l.app_secrets as Record<string, string> | undefined) ?? {}));
    expect(new Set(names)).toEqual(new Set(mapped));
    const workflow = await readRepoFile(".github/workflows/deploy.yml");
    const read = [...workflow.matchAll(/\$\(secret ([\w-]+)\)/g)].map((m) => m[1]);
    expect(new Set(read)).toEqual(new Set([...names, "amqp-url"]));
    expect(resource(tf, "azurerm_key_vault", "main")).toMatchObject({ purge_protection_enabled: true });
  });

  it("outputs what the deploy workflow's environment variables need", async () => {
    const tf = await loadTerraform();
    const workflow = await readRepoFile(".github/workflows/deploy.yml");
    const vars = [...workflow.matchAll(/\$\{\{ vars\.(\w+) \}\}/g)].map((m) => m[1] ?? "");
    const fromTerraform = vars.filter((v) => v !== "K8S_OVERLAY").map((v) => v.toLowerCase().replace(/^aks_resource_group$/, "resource_group_name"));
    for (const output of fromTerraform) expect(Object.keys(tf.output), output).toContain(output);
  });
});
