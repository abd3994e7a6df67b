import { parseArgs } from "node:util";
import { ROLES, createTokenSigner, loadOrCreateSecret } from "../../lib/auth/index.ts";
import type { Role } from "../../lib/auth/index.ts";
import { readCliConfig } from "./cli-config.ts";
import type { Command } from "../cli.ts";

/** `token --role R [--sub ID] [--brand NAME] [--expires 8h]`: prints a JWT signed with the configured secret. */
export const tokenCommand: Command = async (args, env) => {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: "string" },
      sub: { type: "string" },
      brand: { type: "string" },
      expires: { type: "string", default: "8h" },
    },
  });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) {
    process.stderr.write(`--role is required: one of ${ROLES.join(", ")}\n`);
    return 2;
  }
  if (role === "brand_admin" && !values.brand) {
    process.stderr.write("--brand is required for brand_admin\n");
    return 2;
  }
  const config = readCliConfig(env);
  if (!config) return 2;
  const secret = config.jwtSecret ?? (await loadOrCreateSecret(config.dataDir));
  const sign = createTokenSigner(secret);
  const token = await sign({
    subject: values.sub ?? `dev-${role}`,
    role,
    ...(values.brand ? { brand: values.brand } : {}),
    expiresIn: values.expires,
  });
  process.stdout.write(`${token}\n`);
  return 0;
};
