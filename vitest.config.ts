import { defineConfig } from "vitest/config";

const TESTS = ["test/**/*.test.ts"];
const FAULTS = ["test/faults/**/*.test.ts"];

export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores here: more parallel files only queue behind each other and time out.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "main", include: TESTS, exclude: [...FAULTS, "**/node_modules/**"] } },
      {
        // Broker-restart tests stop RabbitMQ for everyone: they run alone, one file at a time, after the rest.
        extends: true,
        test: { name: "faults", include: FAULTS, sequence: { groupOrder: 1 }, fileParallelism: false },
      },
    ],
  },
});
