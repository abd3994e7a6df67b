import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "lib/**/*.test.ts", "services/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores here: more parallel files only queue behind each other and time out.
    maxWorkers: 2,
    // Broker-restart tests stop RabbitMQ for everyone; they run alone, after the rest.
    sequence: { groupOrder: 0 },
    projects: [
      { extends: true, test: { name: "main", exclude: ["test/faults/**"] } },
      { extends: true, test: { name: "faults", include: ["test/faults/**/*.test.ts"], sequence: { groupOrder: 1 }, fileParallelism: false } },
    ],
  },
});
