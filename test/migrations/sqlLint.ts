/**
 * A lint rule for the SQL under migrations/: comments must not cite documents outside the file (a
 * `.md` page), which readers of the file, the database's reviewers and later editors cannot
 * follow. Shipped files are checksummed with their comments, so the ones that already cite are
 * exempt by name (SHIPPED_CITING), never edited.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A `.md` document's name: `live-schema.md`, `docs/migrations.md`. */
const DOCUMENT = /[\w./-]*\w\.md\b/gi;

export interface Citation {
  line: number;
  document: string;
}

/**
 * The `.md` documents the comments of `sql` name. Comments are `--` to the end of the line and
 * (nested) block comments; quoted strings and identifiers are skipped, while the bodies of
 * dollar-quoted strings (routine bodies) are scanned as code, since their comments are comments.
 */
export function commentCitations(sql: string): Citation[] {
  const out: Citation[] = [];
  const cite = (text: string, start: number) => {
    for (const m of text.matchAll(DOCUMENT)) {
      const at = start + (m.index ?? 0);
      out.push({ line: sql.slice(0, at).split("\n").length, document: m[0] });
    }
  };
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const eol = sql.indexOf("\n", i);
      const end = eol === -1 ? n : eol;
      cite(sql.slice(i, end), i);
      i = end;
    } else if (c === "/" && next === "*") {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === "/" && sql[j + 1] === "*") [depth, j] = [depth + 1, j + 2];
        else if (sql[j] === "*" && sql[j + 1] === "/") [depth, j] = [depth - 1, j + 2];
        else j++;
      }
      cite(sql.slice(i, j), i);
      i = j;
    } else if (c === "'" || c === '"') {
      // E'…' strings escape with a backslash; others (and identifiers) by doubling the quote.
      const backslash = c === "'" && /[eE]/.test(sql[i - 1] ?? "") && !/\w/.test(sql[i - 2] ?? "");
      let j = i + 1;
      while (j < n) {
        if (backslash && sql[j] === "\\") j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      i = j + 1;
    } else if (c === "$" && !/\w/.test(sql[i - 1] ?? "")) {
      // A dollar quote's tag is skipped; its body is read on as code.
      const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(sql.slice(i));
      i += tag ? tag[0].length : 1;
    } else i++;
  }
  return out;
}

/** The shipped files whose comments cite a `.md` document, exempt because they are checksummed. */
export const SHIPPED_CITING = [
  "core/0001_live_schema.sql",
  "core/0002_users_auth_link_and_environment.sql",
  "core/0003_kb_history_keeps_deleted_and_moved_documents.sql",
  "core/0004_asset_sources_unique_name.sql",
  "core/0005_chat_messages_single_conversation_fk.sql",
  "core/0008_users_environment_isolation.sql",
  "core/0009_assets_category_allows_image.sql",
  "experience/0001_player_progress.sql",
  "rbac/0001_rbac_tables.sql",
  "rbac/0002_rbac_seed.sql",
  "vector/0001_kb_semantic_embeddings.sql",
];

/** Every `<module>/<file>.sql` under `root` whose comments cite a document, with its citations. */
export function citingFiles(root: string): Record<string, Citation[]> {
  const out: Record<string, Citation[]> = {};
  for (const module of readdirSync(root, { withFileTypes: true })) {
    if (!module.isDirectory()) continue;
    for (const file of readdirSync(join(root, module.name)).sort()) {
      if (!file.endsWith(".sql")) continue;
      const found = commentCitations(readFileSync(join(root, module.name, file), "utf8"));
      if (found.length > 0) out[`${module.name}/${file}`] = found;
    }
  }
  return out;
}

/** One line per citation in a file that is not exempt: what the lint prints. */
export function lintFindings(
  citing: Record<string, Citation[]>,
  exempt: readonly string[] = SHIPPED_CITING,
): string[] {
  return Object.entries(citing)
    .filter(([file]) => !exempt.includes(file))
    .flatMap(([file, found]) =>
      found.map(
        (c) =>
          `migrations/${file}:${c.line}: a comment cites ${c.document}: say what matters in the comment itself; SQL files cite no document outside them`,
      ),
    );
}
