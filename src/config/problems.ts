/**
 * How a configuration problem is told to a person: the problem's shape, its rendering, the
 * `pulumi config` command that fixes it, and "did you mean" for a misspelt key.
 */

/** One user mistake, in the words `formatProblems` prints. */
export interface ConfigProblem {
  /** Full key with path, e.g. `gaia:postgres.volumeSizeGb`. */
  key: string;
  /** What the stack holds (`nothing` when unset; secrets are never echoed). */
  received: string;
  allowed: string;
  /** A command that fixes it. */
  fix: string;
}

/** Renders problems for a person: one block per problem, with the fix on its own line. */
export function formatProblems(problems: readonly ConfigProblem[], stack: string): string {
  const count = `${problems.length} configuration problem${problems.length === 1 ? "" : "s"}`;
  const lines = [`Stack "${stack}" (Pulumi.${stack}.yaml) has ${count}; nothing was deployed.`];
  for (const p of problems) {
    lines.push(`- ${p.key}: received ${p.received}; allowed: ${p.allowed}.`);
    lines.push(`  Fix: ${p.fix}`);
  }
  return lines.join("\n");
}

/** A config value as a problem quotes it. */
export function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export type Commands = ReturnType<typeof commands>;

/** The `pulumi config` commands a fix suggests, for one stack. */
export function commands(stack: string) {
  const s = `-s ${shellQuote(stack)}`;
  const setPath = (path: string, value: unknown) =>
    `pulumi config set --path 'gaia:${path}' ${shellQuote(String(value))} ${s}`;
  return {
    set: (key: string, value: string) => `pulumi config set gaia:${key} ${shellQuote(value)} ${s}`,
    // No value on the command line (shell history, ps): pulumi prompts for it, or reads stdin.
    setSecret: (key: string) => `pulumi config set --secret gaia:${key} ${s}`,
    setPath,
    /** A list is reset, then set element by element (`--path` has no list literal). */
    setList: (path: string, values: readonly unknown[]) =>
      [
        `pulumi config rm --path 'gaia:${path}' ${s}`,
        ...values.map((v, i) => setPath(`${path}[${i}]`, v)),
      ].join(" && "),
    rm: (fullKey: string) => `pulumi config rm ${shellQuote(fullKey)} ${s}`,
    rmPath: (path: string) => `pulumi config rm --path 'gaia:${path}' ${s}`,
  };
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}
