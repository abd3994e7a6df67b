import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../errors/index.ts";

const SECRET_FILE = "jwt-secret";
const SECRET_BYTES = 48;

/**
 * The token secret kept in `dataDir/jwt-secret`, generated on first use. Every process
 * sharing `dataDir` thus verifies the tokens the others sign, across restarts.
 */
export async function loadOrCreateSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, SECRET_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const existing = await readSecret(path);
  if (existing !== undefined) return existing;
  const secret = randomBytes(SECRET_BYTES).toString("base64url");
  try {
    // `wx`: two processes starting together must not overwrite each other's secret.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if (isErrno(error, "EEXIST")) {
      const winner = await readSecret(path);
      if (winner !== undefined) return winner;
    }
    throw new AppError("AUTH_SECRET_UNAVAILABLE", `cannot write ${path}`, { cause: error });
  }
}

async function readSecret(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw new AppError("AUTH_SECRET_UNAVAILABLE", `cannot read ${path}`, { cause: error });
  }
  const secret = text.trim();
  if (secret.length < 32) {
    throw new AppError("AUTH_SECRET_UNAVAILABLE", `${path} holds no usable secret (at least 32 characters)`);
  }
  return secret;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
