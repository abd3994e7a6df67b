import { AppError } from "../errors/index.ts";

/**
 * Reads environment variables, collecting every problem instead of stopping at the first,
 * so an operator fixes a bad deployment in one round.
 */
export interface EnvReader {
  string(name: string, fallback: string): string;
  optionalString(name: string): string | undefined;
  integer(name: string, fallback: number, range?: { readonly min?: number; readonly max?: number }): number;
  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  optionalUrl(name: string, protocols: readonly string[]): string | undefined;
  /** Records a problem found by a rule that spans variables. */
  problem(name: string, message: string): void;
  /** Throws `CONFIG_INVALID` listing every problem, if there were any. */
  done(): void;
}

/** Thrown by {@link EnvReader.done}; `problems` names each bad variable. */
export class ConfigError extends AppError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super("CONFIG_INVALID", `invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`, {
      details: { problems },
    });
    this.problems = problems;
  }
}

/** Creates a reader over `env` (normally `process.env`, read once in `main`). */
export function envReader(env: Readonly<Record<string, string | undefined>>): EnvReader {
  const problems: string[] = [];
  const raw = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  return {
    string: (name, fallback) => raw(name) ?? fallback,
    optionalString: (name) => raw(name),
    integer(name, fallback, range = {}) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
        problems.push(`${name}=${JSON.stringify(value)}: expected an integer from ${min} to ${max}`);
        return fallback;
      }
      return parsed;
    },
    oneOf(name, allowed, fallback) {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(value)) {
        problems.push(`${name}=${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`);
        return fallback;
      }
      return value as (typeof allowed)[number];
    },
    optionalUrl(name, protocols) {
      const value = raw(name);
      if (value === undefined) return undefined;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        problems.push(`${name}: not a URL`);
        return undefined;
      }
      if (!protocols.includes(url.protocol.replace(/:$/, ""))) {
        problems.push(`${name}: expected a ${protocols.join(" or ")} URL, got ${url.protocol}`);
        return undefined;
      }
      return value;
    },
    problem(name, message) {
      problems.push(`${name}: ${message}`);
    },
    done() {
      if (problems.length > 0) throw new ConfigError(problems);
    },
  };
}
