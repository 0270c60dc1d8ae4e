/**
 * The JSON keys of a Go struct as encoding/json writes them: the `json` tag's name (or the field
 * name without one), `-` skipped, `omitempty` noted, embedded structs of the same package
 * flattened. Nested types are recorded by name so a reader can follow them.
 */
import { inside, lineAt, packageFiles, type Repo, readFile, splitTop } from "./goSource";

export interface FieldFact {
  key: string;
  /** The Go type as written, e.g. `*MachineConfig`, `[]fly.Volume`, `time.Time`. */
  go: string;
  omitempty?: true;
  at: string;
}

export interface StructFact {
  at: string;
  fields: FieldFact[];
}

export function readStruct(repo: Repo, dir: string, name: string): StructFact {
  for (const path of packageFiles(repo, dir)) {
    const text = readFile(repo, path);
    const m = new RegExp(`^type ${name} struct \\{`, "m").exec(text);
    if (!m) continue;
    const body = inside(text, m.index + m[0].length - 1);
    const fields: FieldFact[] = [];
    for (const line of splitTop(body.text, "\n")) {
      const at = `${path}:${lineAt(text, body.at + line.at)}`;
      const tag = /`([^`]*)`\s*$/.exec(line.text)?.[1] ?? "";
      const decl = line.text.replace(/`[^`]*`\s*$/, "").trim();
      const json = /(?:^|\s)json:"([^"]*)"/.exec(tag)?.[1];
      const [jsonName, ...opts] = (json ?? "").split(",");
      if (jsonName === "-") continue;
      const parts = /^(\w+)\s+(.+)$/s.exec(decl);
      if (!parts) {
        // Embedded: its fields are promoted into this object.
        const embedded = decl.replace(/^\*/, "");
        if (embedded.includes(".")) throw new Error(`${at}: embedded ${embedded} not followed`);
        fields.push(...readStruct(repo, dir, embedded).fields);
        continue;
      }
      const [, field, go] = parts;
      if (!/^[A-Z]/.test(field!)) continue;
      fields.push({
        key: jsonName || field!,
        go: go!.replace(/\s+/g, " ").trim(),
        ...(opts.includes("omitempty") ? { omitempty: true as const } : {}),
        at,
      });
    }
    return { at: `${path}:${lineAt(text, m.index)}`, fields };
  }
  throw new Error(`${repo.name}: no struct ${name} in ${dir}`);
}

/** The string keys of a `map[string]any{…}` literal assigned to `varName` inside `func`. */
export function readMapKeys(
  repo: Repo,
  path: string,
  varName: string,
): { at: string; keys: string[]; optional: string[] } {
  const text = readFile(repo, path);
  const m = new RegExp(`${varName} := map\\[string\\]any\\{`).exec(text);
  if (!m) throw new Error(`${path}: no map literal ${varName}`);
  const body = inside(text, m.index + m[0].length - 1);
  const keys = splitTop(body.text).map((p) => /^"(\w+)"/.exec(p.text)?.[1] ?? "");
  if (keys.includes("")) throw new Error(`${path}: unreadable key in ${varName}`);
  const optional = [...text.matchAll(new RegExp(`${varName}\\["(\\w+)"\\] =`, "g"))].map(
    (x) => x[1]!,
  );
  return { at: `${path}:${lineAt(text, m.index)}`, keys, optional };
}
