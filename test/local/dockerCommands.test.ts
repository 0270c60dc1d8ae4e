import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  APPLY_POSTGRES_PASSWORD,
  alterPasswordSql,
  packFiles,
  unpackScript,
  WRITE_CERTIFICATES,
} from "../../src/local/dockerCommands";
import { adminUrl, withAdmin } from "../support/postgres";

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("alterPasswordSql", () => {
  it.each([
    ["plain", "ALTER USER \"postgres\" PASSWORD 'plain';\n"],
    ["it's", "ALTER USER \"postgres\" PASSWORD 'it''s';\n"],
    ["back\\slash", "ALTER USER \"postgres\" PASSWORD 'back\\slash';\n"],
  ])("%s", (password, sql) => {
    expect(alterPasswordSql(password)).toBe(sql);
  });

  // Against the real server: the statement sets exactly the password given, quotes and all.
  it.each(["it's a 'quoted' pass", "back\\slash\\'; DROP ROLE x; --", "ünïcødé $$ dollar $x$"])(
    "sets %j so that it, and only it, logs in",
    async (password) => {
      const role = `gaia_pw_${Math.random().toString(36).slice(2, 10)}`;
      await withAdmin((c) => c.query(`CREATE ROLE ${role} LOGIN`));
      try {
        await withAdmin((c) => c.query(alterPasswordSql(password, role)));
        const connect = async (pw: string) => {
          const admin = new URL(adminUrl());
          const client = new pg.Client({
            host: admin.hostname,
            port: Number(admin.port),
            database: admin.pathname.slice(1),
            user: role,
            password: pw,
          });
          await client.connect();
          const { rows } = await client.query("SELECT current_user AS u");
          await client.end();
          return rows[0].u as string;
        };
        expect(await connect(password)).toBe(role);
        await expect(connect(`${password}x`)).rejects.toThrow(/password authentication failed/);
      } finally {
        await withAdmin((c) => c.query(`DROP ROLE ${role}`));
      }
    },
  );
});

describe("the commands Pulumi runs", () => {
  it("carry only variable names, never a value", () => {
    expect(APPLY_POSTGRES_PASSWORD).toBe(
      'docker exec -i "$GAIA_POSTGRES_CONTAINER" psql -U postgres -v ON_ERROR_STOP=1 -q -d postgres',
    );
    expect(WRITE_CERTIFICATES).toBe(
      `docker run --rm -i --network none --entrypoint sh -v "$GAIA_CERTS_VOLUME:/certs" "$GAIA_HELPER_IMAGE" -c '${unpackScript("/certs")}'`,
    );
    expect(unpackScript("/certs")).not.toContain("'");
  });
});

describe("packFiles and the unpack script", () => {
  const files = {
    "ca.pem": "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
    "gateway/cert.pem": "gateway cert\n",
    "gateway/key.pem": "gateway key with spaces and 'quotes'\n",
    "jwt-signing.key": "private\n",
    "jwt-signing.pub": "public\n",
  };

  it("encode one sorted line per file", () => {
    expect(packFiles({ b: "2", a: "1" })).toBe("a MQ==\nb Mg==\n");
  });

  it.each(["/etc/passwd", "../up", "a/../../b", "with space", ""])("refuse the path %j", (path) => {
    expect(() => packFiles({ [path]: "x" })).toThrow(
      `packFiles: "${path}" is not a plain relative path`,
    );
  });

  it("rebuild exactly the same tree with sh and base64, replacing what was there", () => {
    const root = mkdtempSync(join(tmpdir(), "gaia-certs-"));
    temps.push(root);
    writeFileSync(join(root, "stale.pem"), "old");
    const run = spawnSync("sh", ["-c", unpackScript(root)], {
      input: packFiles(files),
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const found: Record<string, string> = {};
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else {
          found[relative(root, path)] = readFileSync(path, "utf8");
          expect(statSync(path).mode & 0o777).toBe(0o644);
        }
      }
    };
    walk(root);
    expect(found).toEqual(files);
  });
});
