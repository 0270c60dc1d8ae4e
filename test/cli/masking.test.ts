/**
 * A password never reaches stderr or a JSON error document, whatever shape the URL has and
 * whichever error prints it: usage errors that echo an argument (unknown environment, command or
 * option, an extra argument), a malformed --database-url, a refused connection, a rejected
 * password. Every password below is made of the markers PWA, PWB, PWC: no piece of one may show.
 */
import { afterAll, describe, expect, it } from "vitest";
import { maskSecrets, parsePostgresUrl } from "../../src/migrations/postgresUrl";
import { runInProcess } from "../support/inProcess";
import { adminUrl, dropAll } from "../support/postgres";

const LEAK = /PW[ABC]/;

const inProcess = runInProcess;

afterAll(dropAll);

/** [shape, URL as a user might type it]: most are malformed, as typed in a hurry. */
const TYPED: [string, string][] = [
  ["a space in the password", "postgres://u:PWA PWB@h/db"],
  ["several spaces and an @ after them", "postgres://u:PWA PWB PWC@h/db"],
  ["two @ in the password", "postgres://u:PWA@PWB@h/db"],
  ["three @ and a space", "postgres://u:PWA@PWB @PWC@h/db"],
  ["a quote in the password", "postgres://u:PWA'PWB@h/db"],
  ["percent-encoded", "postgres://u:PWA%40PWB%20PWC@h/db"],
  ["a : in the password", "postgres://u:PWA:PWB@h:5432/db"],
  ["no user", "postgres://:PWA@h/db"],
  ["no user, a space", "postgres://:PWA PWB@h/db"],
  ["a space in the user", "postgres://my user:PWA@h/db"],
  ["a / in the password", "postgresql://u:PWA/PWB@h/db"],
  ["another scheme", "redis://:PWA PWB@h:6379"],
];

describe("the masker (src/migrations/postgresUrl.ts) by structure alone", () => {
  it.each(TYPED)("%s", (_shape, url) => {
    const masked = maskSecrets(`unknown environment "${url}": allowed are dev`);
    expect(masked).not.toMatch(LEAK);
    expect(masked).toContain("***");
    expect(masked).toMatch(/^unknown environment ".*": allowed are dev$/);
  });

  it.each([
    ["postgres://u:PWA PWB@h/db failed", "postgres://u:***@h/db failed"],
    ["postgres://u:PWA@PWB@h/db failed", "postgres://u:***@h/db failed"],
    ["postgres://:PWA PWB@h/db", "postgres://:***@h/db"],
    ["postgres://my user:PWA@h/db", "postgres://my user:***@h/db"],
    // Two URLs on a line: each masked up to its own @.
    [
      "a postgres://u:PWA@h/db b redis://:PWB@r:6379",
      "a postgres://u:***@h/db b redis://:***@r:6379",
    ],
    // No password: nothing to mask, the rest of the line is left alone.
    ["postgres://u@h/db for ann@example.com", "postgres://u@h/db for ann@example.com"],
    ["postgres://h:5432/db\nann@example.com", "postgres://h:5432/db\nann@example.com"],
  ])("%j", (text, expected) => {
    expect(maskSecrets(text)).toBe(expected);
  });
});

describe("every usage error that echoes an argument masks it", () => {
  const paths: [string, (url: string) => string[]][] = [
    ["an extra argument (view)", (url) => ["view", "dev", "SELECT 1", url]],
    ["an extra argument (migrate)", (url) => ["migrate", "dev", url]],
    ["an unknown environment (view)", (url) => ["view", url]],
    ["an unknown environment (status)", (url) => ["status", url]],
    ["an unknown environment (env --json)", (url) => ["env", url, "--json"]],
    ["an unknown environment (status --json)", (url) => ["status", url, "--json"]],
    ["an unknown command", (url) => [url]],
    ["an unknown option with its value", (url) => ["view", "dev", `--databse-url=${url}`]],
    ["an unknown option (--json)", (url) => ["status", "dev", `--databse-url=${url}`, "--json"]],
    ["a malformed --database-url (view)", (url) => ["view", "dev", "--database-url", url]],
    [
      "a malformed --database-url (status --json)",
      (url) => ["status", "dev", "--database-url", url, "--json"],
    ],
    ["--environment given a URL", (url) => ["status", "--environment", url]],
  ];
  const cases = paths.flatMap(([path, argv]) =>
    TYPED.map(([shape, url]) => [path, shape, argv(url)] as const),
  );
  /** A URL the parser accepts gets as far as the connection (host h does not resolve): exit 1. */
  const wellFormed = (argv: readonly string[]) => {
    const i = argv.indexOf("--database-url");
    if (i === -1) return false;
    try {
      parsePostgresUrl(argv[i + 1]!, "--database-url");
      return true;
    } catch {
      return false;
    }
  };
  it.each(cases)("%s: %s", async (_path, _shape, argv) => {
    const result = await inProcess([...argv]);
    const code = wellFormed(argv) ? 1 : 2;
    expect(result.code).toBe(code);
    expect(result.stderr).not.toMatch(LEAK);
    expect(result.stdout).not.toMatch(LEAK);
    if (argv.includes("--json")) {
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, exitCode: code });
    }
  });

  it("an unknown option names the option, never its value", async () => {
    expect(await inProcess(["view", "dev", "--databse-url=postgres://u:PWA'PWB@h/db"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "gaia-db: view: Unknown option '--databse-url'; run gaia-db view --help\n",
    });
  });
});

describe("connection errors mask every well-formed URL shape", () => {
  const server = parsePostgresUrl(adminUrl(), "TEST_DATABASE_URL");
  const where = `${server.host}:${server.port ?? 5432}`;
  /** Well-formed URLs (what the parser accepts), to a closed port and to the real server. */
  const shapes: [string, string][] = [
    ["an encoded space", "postgres:PWA%20PWB"],
    ["encoded @s", "postgres:PWA%40PWB%40PWC"],
    ["a : in the password", "postgres:PWA:PWB"],
    ["an encoded %", "postgres:PWA%25PWB"],
    ["no user", ":PWA"],
  ];
  const cases = shapes.flatMap(([shape, userInfo]) =>
    [
      ["a closed port", `postgres://${userInfo}@127.0.0.1:1/db`],
      ["a wrong password", `postgres://${userInfo}@${where}/postgres?sslmode=disable`],
    ].flatMap(([target, url]) =>
      [
        ["status", "dev", "--database-url", url!],
        ["view", "dev", "--database-url", url!, "--json"],
        ["status", "dev", "--json", "--debug"],
      ].map((argv) => [shape, target!, url!, argv] as const),
    ),
  );
  it.each(cases)("%s, %s: %j", async (_shape, _target, url, argv) => {
    const result = await inProcess(argv, { DATABASE_URL: url, PGUSER: "nobody" });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(LEAK);
    expect(result.stdout).not.toMatch(LEAK);
    if (argv.includes("--json")) {
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, exitCode: 1 });
    }
  });
});
