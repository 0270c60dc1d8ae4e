/** The one PostgreSQL URL parser and builder: what it accepts, how it reads it, what pg gets. */
import { describe, expect, it } from "vitest";
import {
  buildPostgresUrl,
  describeUrl,
  formatPostgresUrl,
  type PostgresUrl,
  parsePostgresUrl,
  pgClientConfig,
  withParts,
} from "../../src/migrations/postgresUrl";

const url = (parts: Partial<PostgresUrl>): PostgresUrl => ({
  scheme: "postgres",
  user: "",
  password: null,
  host: "h",
  port: null,
  database: null,
  params: {},
  ...parts,
});

describe("parsePostgresUrl accepts", () => {
  it.each<[string, PostgresUrl]>([
    [
      "postgresql://gaia:pw@db.internal:5433/llm_platform",
      url({
        scheme: "postgresql",
        user: "gaia",
        password: "pw",
        host: "db.internal",
        port: 5433,
        database: "llm_platform",
      }),
    ],
    [
      "postgres://postgres:a%2Fb%40c%3Ad%25e%23f%3Fg%20h%26i%3Dj%2Bk'l@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable",
      url({
        user: "postgres",
        password: "a/b@c:d%e#f?g h&i=j+k'l",
        host: "gaia-db-dev.flycast",
        port: 5432,
        database: "llm_platform",
        params: { sslmode: "disable" },
      }),
    ],
    // The user ends at the first ":"; later ones belong to the password.
    ["postgres://u:p:q@h/d", url({ user: "u", password: "p:q", database: "d" })],
    ["postgres://u@h", url({ user: "u" })],
    ["postgres://u:@h/", url({ user: "u" })],
    ["postgres://h:5432/", url({ port: 5432 })],
    [
      "postgres://u:p@[::1]:5432/d",
      url({ user: "u", password: "p", host: "::1", port: 5432, database: "d" }),
    ],
    ["postgres://h/some%2Fdb%40x", url({ database: "some/db@x" })],
    [
      "postgres://%C3%A9l%C3%A8ve:p%C3%A4ss@h/d",
      url({ user: "élève", password: "päss", database: "d" }),
    ],
    [
      "postgres://h/d?options=-c%20statement_timeout%3D0&application_name=svc&sslmode=verify-full",
      url({
        database: "d",
        params: {
          options: "-c statement_timeout=0",
          application_name: "svc",
          sslmode: "verify-full",
        },
      }),
    ],
  ])("%s", (text, expected) => {
    expect(parsePostgresUrl(text, "x")).toEqual(expected);
  });
});

describe("parsePostgresUrl refuses, naming the origin and never quoting the URL", () => {
  it.each<[string, string]>([
    ["", "it is empty"],
    [
      "postgres://u:p@h/d\n",
      "it contains a space, a control character or a non-ASCII character, which must be percent-encoded",
    ],
    [
      "postgres://u:pä@h/d",
      "it contains a space, a control character or a non-ASCII character, which must be percent-encoded",
    ],
    ["postgres://u:p%C3@h/d", "the password holds a percent-encoded sequence that is not UTF-8"],
    ["POSTGRES://u:p@h/d", 'it has scheme "POSTGRES", not postgres or postgresql'],
    ["postgres:/h/d", "it does not start with postgres:// or postgresql://"],
    ["postgres://u:p@[zz]/d", "the IPv6 host is not a valid address"],
    ["postgres://u:p@h:0/d", "the port is not a number from 1 to 65535"],
    ["postgres://u:p@h:54a/d", "the port is not a number from 1 to 65535"],
    [
      "postgres://u:p@%2Ftmp/d",
      "the host may hold only letters, digits, ., -, _ and ~ (one host; Unix sockets are not supported)",
    ],
    ["postgres://u[x]:p@h/d", "the user contains a character that must be percent-encoded"],
    [
      "postgres://u:p@h/d b",
      "it contains a space, a control character or a non-ASCII character, which must be percent-encoded",
    ],
    ["postgres://u:p@h/d|x", "the database name contains a character that must be percent-encoded"],
    ["postgres://u:p@h/d?sslmode=", "sslmode has no value"],
    [
      "postgres://u:p@h/d?sslcert=%2Fetc%2Fkey",
      'it has "sslcert"; the parameters allowed are sslmode, options, application_name (host, port, user, password and database belong in the URL itself)',
    ],
    [
      "postgres://u:p@h/d?p4ss=1",
      "it has a parameter; the parameters allowed are sslmode, options, application_name (host, port, user, password and database belong in the URL itself)",
    ],
  ])("%j", (text, reason) => {
    expect(() => parsePostgresUrl(text, "--database-url")).toThrow(
      `--database-url is not a valid PostgreSQL URL: ${reason}; expected`,
    );
  });
});

describe("formatPostgresUrl and buildPostgresUrl", () => {
  const awkward = "a/b@c:d%e#f?g h&i=j+k'l é";
  it("encode user, password, database and parameter values, and read back to the same parts", () => {
    const built = buildPostgresUrl({
      user: "us@r",
      password: awkward,
      host: "gaia-db-dev.flycast",
      port: 5432,
      database: "my/db",
      params: { sslmode: "disable", options: "-c search_path=a,b" },
    });
    expect(built).toBe(
      "postgres://us%40r:a%2Fb%40c%3Ad%25e%23f%3Fg%20h%26i%3Dj%2Bk'l%20%C3%A9@gaia-db-dev.flycast:5432/my%2Fdb?sslmode=disable&options=-c%20search_path%3Da%2Cb",
    );
    expect(parsePostgresUrl(built, "x")).toEqual(
      url({
        user: "us@r",
        password: awkward,
        host: "gaia-db-dev.flycast",
        port: 5432,
        database: "my/db",
        params: { sslmode: "disable", options: "-c search_path=a,b" },
      }),
    );
  });
  it("brackets an IPv6 host and leaves out what is absent", () => {
    expect(formatPostgresUrl(url({ host: "::1" }))).toBe("postgres://[::1]");
    expect(formatPostgresUrl(url({ password: "p" }))).toBe("postgres://:p@h");
  });
  it("refuses a host that would change the URL's structure", () => {
    expect(() => formatPostgresUrl(url({ host: "h/x" }))).toThrow('not a host name: "h/x"');
  });
  it("withParts replaces parts and keeps the others", () => {
    expect(
      withParts("postgres://u:p%40ss@gaia-db-dev.flycast:5432/llm?sslmode=disable", "x", {
        host: "127.0.0.1",
        port: 40123,
      }),
    ).toBe("postgres://u:p%40ss@127.0.0.1:40123/llm?sslmode=disable");
    expect(withParts("postgres://u:p@h/d", "x", { user: "gaia_app_dev", password: "50%41" })).toBe(
      "postgres://gaia_app_dev:50%2541@h/d",
    );
  });
  it("describeUrl names user, host, port and database, never the password", () => {
    expect(describeUrl(parsePostgresUrl("postgres://u:secret@h:1/d%2Fx", "x"))).toBe("u@h:1/d/x");
    expect(describeUrl(parsePostgresUrl("postgres://h", "x"))).toBe("(default user)@h");
  });
});

describe("pgClientConfig", () => {
  it.each<[string, Record<string, unknown>]>([
    ["postgres://h", { host: "h" }],
    [
      "postgres://u:p@h:6/d?sslmode=disable",
      { host: "h", port: 6, user: "u", password: "p", database: "d", ssl: false },
    ],
    ["postgres://h?sslmode=require", { host: "h", ssl: {} }],
    ["postgres://h?sslmode=verify-full", { host: "h", ssl: {} }],
    ["postgres://h?sslmode=no-verify", { host: "h", ssl: { rejectUnauthorized: false } }],
    [
      "postgres://h?options=-c%20work_mem%3D8MB&application_name=svc",
      { host: "h", options: "-c work_mem=8MB", application_name: "svc" },
    ],
  ])("%s", (text, expected) => {
    expect(pgClientConfig(parsePostgresUrl(text, "x"))).toEqual(expected);
  });
});
