/**
 * The one place a PostgreSQL connection URL is built, parsed and described.
 *
 * Parsing is strict, stricter than node-postgres' own parser (pg-connection-string), which
 * re-encodes stray spaces and `%`, retries a URL it cannot parse with a made-up host, takes any
 * scheme, and lets query parameters replace the host, user and password or read TLS files from
 * disk. A password with an unencoded `/`, `?`, `#` or `@` changes where the URL splits: pg
 * would silently connect elsewhere and print the rest of the password as part of the path. Here
 * such a URL is refused before any connection (and so before any DNS lookup), and the error
 * never quotes the URL. Accepted:
 *
 *   postgres[ql]://[user[:password]@]host[:port][/database][?param=value&...]
 *
 * - only printable ASCII; `%` only as `%XX`; no fragment (`#`);
 * - `@` only once, between the user info and the host; `:` in the password is allowed (the
 *   user ends at the first `:`), any other reserved character must be percent-encoded;
 * - one host (letters, digits, `.`, `-`, `_`, `~`, or an `[IPv6]` literal), an optional port
 *   1-65535, one database path segment (percent-decoded, so `%2F` is a `/` in the name);
 * - parameters: only `sslmode`, `options` and `application_name`, each at most once, with the
 *   value percent-encoded (`+` is refused: it means a space to pg and a plus to libpq).
 *
 * The result becomes a pg client configuration directly (`pgClientConfig`); pg never parses the
 * URL text itself. `formatPostgresUrl` writes URLs that this parser reads back to the same parts
 * (so do pg and libpq, for database names without reserved characters): user, password,
 * database and parameter values are encoded with encodeURIComponent.
 */
import { ExitCode, GaiaDbError } from "../shared/errors";

export const URL_PARAMETERS = ["sslmode", "options", "application_name"] as const;
export type UrlParameter = (typeof URL_PARAMETERS)[number];

/** pg's sslmode values (pg-connection-string 2.x, without uselibpqcompat). */
export const SSL_MODES = [
  "disable",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
  "no-verify",
] as const;

export interface PostgresUrl {
  scheme: "postgres" | "postgresql";
  /** Decoded; "" = none given (pg then uses PGUSER or the OS user). */
  user: string;
  /** Decoded; null = none given. */
  password: string | null;
  /** Host name, or an IPv6 address without brackets. */
  host: string;
  port: number | null;
  /** Decoded; null = none given (pg then uses the user name). */
  database: string | null;
  /** Decoded values, in the order given. */
  params: Partial<Record<UrlParameter, string>>;
}

const EXPECTED =
  "expected postgresql://host:port/database with user:password@ before the host, and special characters in the user, password and database percent-encoded (e.g. with encodeURIComponent: / as %2F, @ as %40, # as %23, ? as %3F, % as %25, a space as %20)";

// RFC 3986 unreserved and sub-delims, plus `%` (checked separately as %XX).
const USER_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=%]*$/;
const PASSWORD_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=%:]*$/;
const DATABASE_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=%:]*$/;
const VALUE_CHARS = /^[A-Za-z0-9\-._~!$'()*,;=%:/?]*$/;
const HOST_NAME = /^[A-Za-z0-9\-._~]+$/;
const IPV6 = /^\[([0-9A-Fa-f:.]+)\]$/;

function malformed(origin: string, reason: string): GaiaDbError {
  return new GaiaDbError(
    `${origin} is not a valid PostgreSQL URL: ${reason}; ${EXPECTED}`,
    ExitCode.usage,
  );
}

function decode(origin: string, part: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw malformed(origin, `the ${part} holds a percent-encoded sequence that is not UTF-8`);
  }
}

/**
 * Parses `text` strictly (see the file comment). `origin` names where the URL came from
 * (`--database-url`, `DATABASE_URL`, ...) in the error, which never contains any part of `text`.
 */
export function parsePostgresUrl(text: string, origin: string): PostgresUrl {
  if (text === "") throw malformed(origin, "it is empty");
  if (!/^[\x21-\x7e]*$/.test(text)) {
    throw malformed(
      origin,
      "it contains a space, a control character or a non-ASCII character, which must be percent-encoded",
    );
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) {
    throw malformed(origin, "a % is not followed by two hexadecimal digits (a literal % is %25)");
  }
  const scheme = /^(postgres|postgresql):\/\//.exec(text);
  if (!scheme) {
    const other = /^([A-Za-z][A-Za-z0-9+.-]{0,19}):\/\//.exec(text);
    throw malformed(
      origin,
      other
        ? `it has scheme "${other[1]}", not postgres or postgresql`
        : "it does not start with postgres:// or postgresql://",
    );
  }
  if (text.includes("#")) {
    throw malformed(
      origin,
      "it contains a # (PostgreSQL URLs have no fragment; a # in the password is %23)",
    );
  }
  const rest = text.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? "" : rest.slice(authorityEnd);
  if (tail.includes("@")) {
    throw malformed(
      origin,
      "it has an @ after the host part: an unencoded / or ? in the password (or user) ended the host part early",
    );
  }
  const at = authority.split("@");
  if (at.length > 2) throw malformed(origin, "its user and password contain an unencoded @");
  const userInfo = at.length === 2 ? (at[0] as string) : null;
  const hostPort = at.at(-1) as string;

  let user = "";
  let password: string | null = null;
  if (userInfo !== null) {
    const colon = userInfo.indexOf(":");
    const rawUser = colon === -1 ? userInfo : userInfo.slice(0, colon);
    const rawPassword = colon === -1 ? null : userInfo.slice(colon + 1);
    if (!USER_CHARS.test(rawUser)) {
      throw malformed(origin, "the user contains a character that must be percent-encoded");
    }
    if (rawPassword !== null && !PASSWORD_CHARS.test(rawPassword)) {
      throw malformed(origin, "the password contains a character that must be percent-encoded");
    }
    user = decode(origin, "user", rawUser);
    password =
      rawPassword === null || rawPassword === "" ? null : decode(origin, "password", rawPassword);
  }

  const { host, port } = parseHostPort(origin, hostPort);
  const query = tail.indexOf("?");
  const path = query === -1 ? tail : tail.slice(0, query);
  let database: string | null = null;
  if (path !== "" && path !== "/") {
    const raw = path.slice(1);
    if (raw.includes("/")) {
      throw malformed(origin, "the database name contains a / (a / in the name is %2F)");
    }
    if (!DATABASE_CHARS.test(raw)) {
      throw malformed(
        origin,
        "the database name contains a character that must be percent-encoded",
      );
    }
    database = decode(origin, "database name", raw);
  }
  const params = query === -1 ? {} : parseParams(origin, tail.slice(query + 1));
  return {
    scheme: scheme[1] as PostgresUrl["scheme"],
    user,
    password,
    host,
    port,
    database,
    params,
  };
}

function parseHostPort(origin: string, hostPort: string): { host: string; port: number | null } {
  let host: string;
  let portText: string | null;
  const v6 = /^(\[[^\]]*\])(?::(.*))?$/.exec(hostPort);
  if (v6) {
    const address = IPV6.exec(v6[1] as string);
    if (!address) throw malformed(origin, "the IPv6 host is not a valid address");
    host = address[1] as string;
    portText = v6[2] ?? null;
  } else {
    const colon = hostPort.indexOf(":");
    host = colon === -1 ? hostPort : hostPort.slice(0, colon);
    portText = colon === -1 ? null : hostPort.slice(colon + 1);
    if (host === "") throw malformed(origin, "it has no host");
    if (!HOST_NAME.test(host)) {
      throw malformed(
        origin,
        "the host may hold only letters, digits, ., -, _ and ~ (one host; Unix sockets are not supported)",
      );
    }
  }
  if (portText === null) return { host, port: null };
  if (portText === "") {
    throw malformed(
      origin,
      "the : after the host has no port number (is there an unencoded / in the password?)",
    );
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw malformed(origin, "the port is not a number from 1 to 65535");
  }
  return { host, port };
}

function parseParams(origin: string, query: string): PostgresUrl["params"] {
  const params: PostgresUrl["params"] = {};
  if (query === "") return params;
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const key = eq === -1 ? pair : pair.slice(0, eq);
    const raw = eq === -1 ? "" : pair.slice(eq + 1);
    if (!(URL_PARAMETERS as readonly string[]).includes(key)) {
      const shown = /^[A-Za-z_]{1,40}$/.test(key) ? `"${key}"` : "a parameter";
      throw malformed(
        origin,
        `it has ${shown}; the parameters allowed are ${URL_PARAMETERS.join(", ")} (host, port, user, password and database belong in the URL itself)`,
      );
    }
    const name = key as UrlParameter;
    if (params[name] !== undefined) throw malformed(origin, `it gives ${name} twice`);
    if (raw === "") throw malformed(origin, `${name} has no value`);
    if (!VALUE_CHARS.test(raw)) {
      throw malformed(
        origin,
        `the value of ${name} contains a character that must be percent-encoded (a space is %20, a + is %2B)`,
      );
    }
    const value = decode(origin, `value of ${name}`, raw);
    if (name === "sslmode" && !(SSL_MODES as readonly string[]).includes(value)) {
      throw malformed(origin, `sslmode "${value}" is not one of ${SSL_MODES.join(", ")}`);
    }
    params[name] = value;
  }
  return params;
}

/** Writes the URL, encoding user, password, database and parameter values. */
export function formatPostgresUrl(url: PostgresUrl): string {
  if (!(HOST_NAME.test(url.host) || /^[0-9A-Fa-f:.]+$/.test(url.host)) || url.host === "") {
    throw new Error(`not a host name: ${JSON.stringify(url.host)}`);
  }
  const password = url.password ? `:${encodeURIComponent(url.password)}` : "";
  const userInfo = url.user || password ? `${encodeURIComponent(url.user)}${password}@` : "";
  const host = url.host.includes(":") ? `[${url.host}]` : url.host;
  const port = url.port !== null ? `:${url.port}` : "";
  const database = url.database !== null ? `/${encodeURIComponent(url.database)}` : "";
  const entries = Object.entries(url.params).filter(([, v]) => v !== undefined) as [
    string,
    string,
  ][];
  const query =
    entries.length > 0
      ? `?${entries.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`
      : "";
  return `${url.scheme}://${userInfo}${host}${port}${database}${query}`;
}

/** Builds a URL from its parts (the Pulumi program's URLs): every part encoded. */
export function buildPostgresUrl(parts: {
  scheme?: PostgresUrl["scheme"];
  user: string;
  password: string;
  host: string;
  port?: number;
  database: string;
  params?: PostgresUrl["params"];
}): string {
  return formatPostgresUrl({
    scheme: parts.scheme ?? "postgres",
    user: parts.user,
    password: parts.password,
    host: parts.host,
    port: parts.port ?? null,
    database: parts.database,
    params: parts.params ?? {},
  });
}

/** The same URL with some parts replaced (another database, a proxy's host and port, a login). */
export function withParts(text: string, origin: string, changes: Partial<PostgresUrl>): string {
  return formatPostgresUrl({ ...parsePostgresUrl(text, origin), ...changes });
}

/**
 * The URL aimed at the local end of `fly proxy`: host 127.0.0.1 and the proxy's port, the same
 * user, password, database and parameters. The one definition, for the migration and the
 * operations commands alike.
 */
export function urlThroughProxy(url: string, port: number): string {
  return withParts(url, "the database URL", { host: "127.0.0.1", port });
}

/** `user@host:port/database`: what a message may say about the target (never the password). */
export function describeUrl(url: PostgresUrl): string {
  const host = url.host.includes(":") ? `[${url.host}]` : url.host;
  const database = url.database !== null ? `/${url.database}` : "";
  return `${url.user || "(default user)"}@${host}${url.port !== null ? `:${url.port}` : ""}${database}`;
}

/** host:port, for messages about the server. */
export function serverOfUrl(url: PostgresUrl): string {
  const host = url.host.includes(":") ? `[${url.host}]` : url.host;
  return `${host}${url.port !== null ? `:${url.port}` : ""}`;
}

/**
 * The pg client configuration for the URL: pg gets the parts, never the text, so its own parser
 * (and the query parameters it would honour) play no part. `ssl` follows pg's reading of
 * sslmode (disable: none; no-verify: TLS without verification; prefer, require, verify-ca and
 * verify-full: verified TLS); without sslmode it is left to pg (PGSSLMODE).
 */
export function pgClientConfig(url: PostgresUrl): {
  host: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: boolean | { rejectUnauthorized?: boolean };
  options?: string;
  application_name?: string;
} {
  const mode = url.params.sslmode;
  const ssl =
    mode === undefined
      ? undefined
      : mode === "disable"
        ? false
        : mode === "no-verify"
          ? { rejectUnauthorized: false }
          : {};
  return {
    host: url.host,
    // What the URL leaves out, pg takes from PGPORT, PGUSER, PGPASSWORD, PGDATABASE as before.
    ...(url.port !== null ? { port: url.port } : {}),
    ...(url.user ? { user: url.user } : {}),
    ...(url.password !== null ? { password: url.password } : {}),
    ...(url.database !== null ? { database: url.database } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
    ...(url.params.options !== undefined ? { options: url.params.options } : {}),
    ...(url.params.application_name !== undefined
      ? { application_name: url.params.application_name }
      : {}),
  };
}

// The start of a URL's authority: `scheme://`.
const SCHEME = /[A-Za-z][A-Za-z0-9+.-]*:\/\//g;
// A password given as a URL parameter (refused by the parser, but masked wherever it appears).
const SECRET_PARAMETERS = /([?&](?:password|sslpassword)=)[^&\s]*/gi;

/**
 * Masks the password of every `scheme://user:password@host` in one line. A URL typed by hand may
 * hold spaces and several `@` in its password, so the user info runs to the LAST `@` followed by
 * a host (a letter, digit or `[`) before the next `scheme://` or the end of the line, and the
 * password from the first `:` after the scheme (before any `/`): masking too much is harmless,
 * masking too little prints the rest of a password.
 */
function maskUserInfo(line: string): string {
  const urls = [...line.matchAll(SCHEME)].map((m) => ({
    scheme: m.index ?? 0,
    authority: (m.index ?? 0) + m[0].length,
  }));
  let out = line.slice(0, urls[0]?.scheme ?? line.length);
  urls.forEach(({ scheme, authority }, i) => {
    const end = urls[i + 1]?.scheme ?? line.length;
    const url = line.slice(scheme, end);
    const from = authority - scheme;
    const hostAt = [...url.matchAll(/@(?=[A-Za-z0-9[])/g)].map((m) => m.index ?? 0);
    const userInfoEnd = hostAt.at(-1) ?? -1;
    const colon = url.indexOf(":", from);
    const slash = url.indexOf("/", from);
    const masked = colon !== -1 && colon < userInfoEnd && (slash === -1 || colon < slash);
    out += masked ? `${url.slice(0, colon)}:***${url.slice(userInfoEnd)}` : url;
  });
  return out;
}

/**
 * The one masker of gaia-db: every error, warning and masked output goes through it. It masks by
 * the structure of URLs, never by searching for the password as a word (a password such as
 * `applied` must not rewrite every "applied" in a report): the password of any
 * `scheme://user:password@` and any password parameter become `***`, and each URL in `known`
 * (the ones this run was given, parsed or not) is replaced, wherever it appears whole, by its
 * masked form.
 */
export function maskSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const url of known) {
    if (url === "" || !out.includes(url)) continue;
    let masked: string;
    try {
      const parsed = parsePostgresUrl(url, "the database URL");
      masked = formatPostgresUrl({ ...parsed, password: parsed.password === null ? null : "***" });
    } catch {
      masked = "(database URL)";
    }
    out = out.split(url).join(masked);
  }
  return out.split("\n").map(maskUserInfo).join("\n").replace(SECRET_PARAMETERS, "$1***");
}
