/**
 * Pure parsers for flyctl output, by field name and with the casing flyctl really prints:
 * PascalCase for GraphQL objects (`fly status`, `apps list`, `pg list`), snake_case for Machines
 * objects (volumes, machines) and for `mpg list`. Several `--json` commands print plain text in
 * edge cases (`pg list`/`mpg list` when empty); `redis` has no JSON at all and prints tables.
 */

import type { Guest } from "./vmSizes";

export class FlyOutputError extends Error {
  constructor(what: string, detail: string, output: string) {
    const shown = output.length > 300 ? `${output.slice(0, 300)}…` : output;
    super(`unexpected output from ${what}: ${detail}. Output was:\n${shown}`);
    this.name = "FlyOutputError";
  }
}

function parseJson(what: string, stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new FlyOutputError(what, "not JSON", stdout);
  }
}

function asRecord(what: string, v: unknown, output: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new FlyOutputError(what, "expected a JSON object", output);
  return v as Record<string, unknown>;
}

function asArray(what: string, v: unknown, output: string): unknown[] {
  if (!Array.isArray(v)) throw new FlyOutputError(what, "expected a JSON array", output);
  return v;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function num(v: unknown): number {
  return typeof v === "number" ? v : Number.NaN;
}

export type { Guest };

export interface Machine {
  id: string;
  state: string;
  region: string;
  guest: Guest;
  /** Volume ids mounted by the machine. */
  volumes: string[];
}

export interface AppStatus {
  id: string;
  name: string;
  orgSlug: string;
  status: string;
  machines: Machine[];
}

function parseMachine(what: string, raw: unknown, output: string): Machine {
  const m = asRecord(what, raw, output);
  const config = (m.config ?? {}) as Record<string, unknown>;
  const guest = (config.guest ?? {}) as Record<string, unknown>;
  const mounts = Array.isArray(config.mounts) ? (config.mounts as Record<string, unknown>[]) : [];
  return {
    id: str(m.id),
    state: str(m.state),
    region: str(m.region),
    guest: { cpuKind: str(guest.cpu_kind), cpus: num(guest.cpus), memoryMb: num(guest.memory_mb) },
    volumes: mounts.map((x) => str(x.volume)).filter(Boolean),
  };
}

/** `fly status -a X --json`: `{ID, Name, Status, Organization{Slug}, Machines:[snake_case]}`. */
export function parseAppStatus(stdout: string): AppStatus {
  const what = "fly status --json";
  const o = asRecord(what, parseJson(what, stdout), stdout);
  const org = (o.Organization ?? {}) as Record<string, unknown>;
  const machines = o.Machines == null ? [] : asArray(what, o.Machines, stdout);
  if (!str(o.Name)) throw new FlyOutputError(what, "no Name field", stdout);
  return {
    id: str(o.ID),
    name: str(o.Name),
    orgSlug: str(org.Slug),
    status: str(o.Status),
    machines: machines.map((m) => parseMachine(what, m, stdout)),
  };
}

/** `fly machine list --json`: an array of Machines objects. */
export interface Volume {
  id: string;
  name: string;
  state: string;
  sizeGb: number;
  region: string;
  attachedMachineId: string | null;
}

/** `fly volumes list --json` / `volumes create --json` / `volumes extend --json` (snake_case). */
function toVolume(what: string, raw: unknown, output: string): Volume {
  const v = asRecord(what, raw, output);
  if (!str(v.id)) throw new FlyOutputError(what, "a volume without id", output);
  return {
    id: str(v.id),
    name: str(v.name),
    state: str(v.state),
    sizeGb: num(v.size_gb),
    region: str(v.region),
    attachedMachineId: typeof v.attached_machine_id === "string" ? v.attached_machine_id : null,
  };
}

export function parseVolumes(stdout: string): Volume[] {
  const what = "fly volumes list --json";
  return asArray(what, parseJson(what, stdout), stdout).map((v) => toVolume(what, v, stdout));
}

export function parseVolume(stdout: string): Volume {
  const what = "fly volumes --json";
  return toVolume(what, parseJson(what, stdout), stdout);
}

export interface VolumeExtended {
  sizeGb: number;
  /** The API's `needs_restart`; null when flyctl printed neither of its two messages. */
  needsRestart: boolean | null;
}

/**
 * `fly volumes extend` without --json: the volume as `Size GB: 20` lines, then whether the
 * machine must be stopped and started for the file system to grow (colours stripped).
 */
export function parseVolumeExtend(stdout: string): VolumeExtended {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes.
  const text = stdout.replace(/\x1b\[[0-9;]*m/g, "");
  const size = /^\s*Size GB: (\d+)\s*$/m.exec(text)?.[1];
  const needsRestart = text.includes(
    "You will need to stop and start your Machine to increase the size of the file system",
  )
    ? true
    : text.includes("Your Machine got its volume size extended without needing a restart")
      ? false
      : null;
  return { sizeGb: size === undefined ? Number.NaN : Number(size), needsRestart };
}

export interface Snapshot {
  /** Empty while the snapshot is pending: it exists only once it has an id. */
  id: string;
  /** The API's word, shown as it is and never relied on (flyctl's source has none of them). */
  status: string;
  createdAt: string;
  /** Size of the volume it was taken of, in bytes (what a restore needs at least). */
  volumeSizeBytes: number;
}

/** `fly volumes snapshots list <vol> --json`, oldest first as flyctl sorts it. */
export function parseSnapshots(stdout: string): Snapshot[] {
  const what = "fly volumes snapshots list --json";
  return asArray(what, parseJson(what, stdout), stdout).map((raw) => {
    const s = asRecord(what, raw, stdout);
    return {
      id: str(s.id),
      status: str(s.status),
      createdAt: str(s.created_at),
      volumeSizeBytes: typeof s.volume_size === "number" ? s.volume_size : 0,
    };
  });
}

export interface ManagedCluster {
  id: string;
  name: string;
  region: string;
  status: string;
  plan: string;
  diskGb: number;
}

/** `fly mpg list --json`; "No managed postgres clusters found in organization X" means none. */
export function parseManagedList(stdout: string): ManagedCluster[] {
  if (/^No (deleted )?managed postgres clusters found/.test(stdout.trim())) return [];
  const what = "fly mpg list --json";
  return asArray(what, parseJson(what, stdout), stdout).map((raw) => {
    const c = asRecord(what, raw, stdout);
    return {
      id: str(c.id),
      name: str(c.name),
      region: str(c.region),
      status: str(c.status),
      plan: str(c.plan),
      diskGb: num(c.disk),
    };
  });
}

/** `fly mpg databases list <id> --json`: `[{name}]`; "No databases found for cluster X" means none. */
export function parseManagedDatabases(stdout: string): string[] {
  if (/^No databases found for cluster/.test(stdout.trim())) return [];
  const what = "fly mpg databases list --json";
  return asArray(what, parseJson(what, stdout), stdout).map((d) =>
    str(asRecord(what, d, stdout).name),
  );
}

export interface ManagedStatus {
  id: string;
  plan: string;
  region: string;
  diskGb: number;
  status: string;
  /** `credentials.pgbouncer_uri`, the default user's URL; null when not ready. */
  connectionString: string | null;
}

/** `fly mpg status <id> --json`: `{data: ManagedCluster, credentials: {…, pgbouncer_uri}}`. */
export function parseManagedStatus(stdout: string): ManagedStatus {
  const what = "fly mpg status --json";
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    // The credentials are in this output: never echo it.
    throw new FlyOutputError(what, "not JSON", "[withheld]");
  }
  const o = asRecord(what, parsed, "[withheld]");
  const data = asRecord(what, o.data, "[withheld]");
  const credentials = (o.credentials ?? {}) as Record<string, unknown>;
  return {
    id: str(data.id),
    plan: str(data.plan),
    region: str(data.region),
    diskGb: num(data.disk),
    status: str(data.status),
    connectionString: str(credentials.pgbouncer_uri) || null,
  };
}

export interface ManagedCreateProgress {
  /** `Selected Plan: Basic`: the plan flyctl asked for (it turns a plan it does not know into Basic). */
  selectedPlan?: string;
  /** From `Waiting for cluster <name> (<id>) to be ready...`, printed once the cluster exists. */
  id?: string;
}

/** What `fly mpg create` prints before it starts waiting for the cluster (text only). */
export function parseManagedCreateProgress(stdout: string): ManagedCreateProgress {
  const plan = /^Selected Plan: (.+)$/m.exec(stdout)?.[1]?.trim();
  const id = /^Waiting for cluster .* \(([^()\s]+)\) to be ready\.\.\.$/m.exec(stdout)?.[1];
  return { ...(plan ? { selectedPlan: plan } : {}), ...(id ? { id } : {}) };
}

/**
 * Splits a borderless tablewriter row. Cells are separated by `│` (or `|` in ASCII mode); fall
 * back to runs of 2+ spaces or tabs.
 */
function cells(line: string): string[] {
  const sep = line.includes("│") ? "│" : line.includes("|") ? "|" : /\t| {2,}/;
  return line
    .split(sep)
    .map((c) => c.trim())
    .filter((c, i, all) => c !== "" || (i > 0 && i < all.length - 1));
}

/** `fly redis status <name>`: the vertical table as `{ "Private URL": …, "Eviction": … }`. */
export function parseRedisStatus(stdout: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const c = cells(line);
    if (c.length === 2 && c[0] && c[1] !== undefined) fields[c[0]] = c[1];
  }
  if (!fields["Private URL"])
    throw new FlyOutputError("fly redis status", "no Private URL row", "[withheld]");
  return fields;
}

/**
 * `fly redis list`: rows keyed by the (upper-cased) headers, e.g. `{NAME, ORG, PLAN, …}`
 * (flyctl renders the columns Name, Org, Plan, Eviction, Primary Region, Read Regions).
 * Blank output is no rows; anything else without that header is null: not an answer.
 */
export function parseRedisList(stdout: string): Record<string, string>[] | null {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const headerAt = lines.findIndex((l) => /\bNAME\b/i.test(l) && /\bORG\b/i.test(l));
  if (headerAt < 0) return null;
  const headers = cells(lines[headerAt]!).map((h) => h.toUpperCase());
  return lines.slice(headerAt + 1).map((line) => {
    const c = cells(line);
    return Object.fromEntries(headers.map((h, i) => [h, c[i] ?? ""]));
  });
}

/** The readiness line of `fly proxy`: `Proxying localhost:<port> to remote [host]:port`. */
export function parseProxyReady(line: string): number | null {
  const m = /Proxying localhost:(\d+)\b/.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * `maybe-not-found`: a text flyctl prints for a failed lookup whatever the cause. Every
 * `mpg <cmd> <id>` looks the cluster up first and turns any failure of it (429, 5xx, timeout,
 * auth) into `managed postgres cluster "<id>" not found`: only a successful `mpg list` without the
 * id says the cluster is gone.
 */
export type FailureClass = "retryable" | "not-found" | "maybe-not-found" | "fatal";

/**
 * Classifies a failed flyctl call from its exit code and stderr. flyctl prints no stable error
 * codes, so this is text matching: exit 126 is a context deadline; 429 and 5xx come back as
 * `request returned non-2xx status: <code>`, `(status <code>)` or the API message.
 */
export function classifyFailure(exitCode: number | null, stderr: string): FailureClass {
  if (exitCode === 126) return "retryable";
  if (/managed postgres cluster "[^"]*" not found/i.test(stderr)) return "maybe-not-found";
  if (
    /could not find app|could not resolve app|volume not found|could not find add-?on|machine not found/i.test(
      stderr,
    )
  )
    return "not-found";
  if (
    /non-2xx status: (429|5\d\d)\b|\b429\b|too many requests|rate limit|\b50[0-4]\b|internal server error|bad gateway|service unavailable|gateway timeout|deadline exceeded|timed? ?out|connection reset|EOF$/im.test(
      stderr,
    )
  )
    return "retryable";
  return "fatal";
}
