/**
 * Objects of a catalog in the words a reviewer reads: `uuid, not null, default gen_random_uuid()`,
 * `unique btree (email)`, `BEFORE UPDATE FOR EACH ROW …`, `NOLOGIN INHERIT`. Pure.
 */
import type { CatalogColumn, CatalogFunction, CatalogSequence } from "../migrations/catalog";
import type { CatalogRole } from "../migrations/catalogAccess";

export function describeColumn(column: CatalogColumn): string {
  const parts = [column.type, column.nullable ? "nullable" : "not null"];
  if (column.default !== null) parts.push(`default ${column.default}`);
  if (column.identity !== null) parts.push(`identity ${column.identity}`);
  return parts.join(", ");
}

/** `CREATE UNIQUE INDEX x ON public.t USING btree (a) WHERE …` → `unique btree (a) WHERE …`. */
export function describeIndex(definition: string): string {
  const match = /^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ USING (.*)$/s.exec(definition);
  return match ? `${match[1] ? "unique " : ""}${match[2]}` : definition;
}

/** `CREATE TRIGGER t BEFORE UPDATE ON public.t FOR EACH ROW …` → `BEFORE UPDATE FOR EACH ROW …`. */
export function describeTrigger(definition: string): string {
  const match = /^CREATE (?:CONSTRAINT )?TRIGGER \S+ (.*?) ON \S+ (.*)$/s.exec(definition);
  return match ? `${match[1]} ${match[2]}` : definition;
}

export function describeFunction(fn: CatalogFunction): string {
  return `${fn.result === null ? fn.kind : `${fn.kind === "function" ? "" : `${fn.kind} `}returns ${fn.result}`}, language ${fn.language}`;
}

export function describeSequence(sequence: CatalogSequence): string {
  return `${sequence.type}${sequence.ownedBy === null ? "" : `, owned by ${sequence.ownedBy}`}`;
}

export function describeRole(role: CatalogRole): string {
  const flags = [
    role.login ? "LOGIN" : "NOLOGIN",
    role.inherit ? "INHERIT" : "NOINHERIT",
    ...(role.superuser ? ["SUPERUSER"] : []),
    ...(role.createRole ? ["CREATEROLE"] : []),
    ...(role.createDb ? ["CREATEDB"] : []),
    ...(role.bypassRls ? ["BYPASSRLS"] : []),
    ...(role.replication ? ["REPLICATION"] : []),
  ];
  return `${flags.join(" ")}${role.memberOf.length > 0 ? `, member of ${role.memberOf.join(", ")}` : ""}`;
}
