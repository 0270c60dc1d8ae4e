/**
 * What the runner must know about a statement, read from its PostgreSQL parse tree rather than
 * from its text: a comment (`CREATE INDEX /*c*\/ CONCURRENTLY`), a clause further on
 * (`DETACH PARTITION … CONCURRENTLY`) or an identifier named like a keyword cannot fool it.
 */
import type { Node } from "libpg-query";

export interface StatementKind {
  /**
   * How to name the statement when it cannot run inside a transaction block (PostgreSQL's
   * PreventInTransactionBlock, SQLSTATE 25001), e.g. "CREATE INDEX CONCURRENTLY"; null when it can.
   */
  outsideTransaction: string | null;
  /** Waits for other transactions to finish, so lock_timeout must not cut it short. */
  waitsForOthers: boolean;
  /** Builds or drops an index concurrently: when it fails, the index may be left INVALID. */
  mayLeaveInvalidIndex: boolean;
  /** BEGIN, COMMIT, SAVEPOINT, PREPARE TRANSACTION, … */
  transactionControl: boolean;
  /** Changes the session beyond the transaction: SET (not LOCAL), RESET, DISCARD. */
  sessionState: boolean;
  /** CREATE FUNCTION / PROCEDURE: the body is stored, not run. */
  routineDefinition: boolean;
}

type Fields = Record<string, unknown>;

/** The node type and its fields: `{ IndexStmt: {…} }` → ["IndexStmt", {…}]. */
function unwrap(node: Node | unknown): [string, Fields] {
  const entries = Object.entries((node ?? {}) as Record<string, Fields>);
  const [type, fields] = entries[0] ?? ["", {}];
  return [type, fields ?? {}];
}

/** DefElem names of an option list (REINDEX's params, ALTER DATABASE's options). */
function optionNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((n) => {
    const [type, fields] = unwrap(n);
    return type === "DefElem" ? String(fields.defname ?? "") : "";
  });
}

const REINDEX_OBJECT: Record<string, string> = {
  REINDEX_OBJECT_INDEX: "INDEX",
  REINDEX_OBJECT_TABLE: "TABLE",
  REINDEX_OBJECT_SCHEMA: "SCHEMA",
  REINDEX_OBJECT_SYSTEM: "SYSTEM",
  REINDEX_OBJECT_DATABASE: "DATABASE",
};

/** Which statements PostgreSQL 15 refuses in a transaction block, and how to name them. */
function outsideTransaction(type: string, f: Fields): string | null {
  switch (type) {
    case "IndexStmt":
      return f.concurrent ? `CREATE ${f.unique ? "UNIQUE " : ""}INDEX CONCURRENTLY` : null;
    case "DropStmt":
      return f.concurrent ? "DROP INDEX CONCURRENTLY" : null;
    case "ReindexStmt": {
      const object = REINDEX_OBJECT[String(f.kind)] ?? "";
      if (optionNames(f.params).includes("concurrently")) return `REINDEX ${object} CONCURRENTLY`;
      // ExecReindex: the forms that process many tables commit after each one.
      return object === "SCHEMA" || object === "SYSTEM" || object === "DATABASE"
        ? `REINDEX ${object}`
        : null;
    }
    case "VacuumStmt":
      // ANALYZE alone (is_vacuumcmd false) runs in a transaction block.
      return f.is_vacuumcmd ? "VACUUM" : null;
    case "ClusterStmt":
      // CLUSTER without a table processes every clustered table, committing after each.
      return f.relation === undefined ? "CLUSTER without a table name" : null;
    case "AlterTableStmt": {
      const detach = (Array.isArray(f.cmds) ? f.cmds : []).some((c) => {
        const [, cmd] = unwrap(c);
        const [, partition] = unwrap(cmd.def);
        return cmd.subtype === "AT_DetachPartition" && partition.concurrent === true;
      });
      return detach ? "ALTER TABLE … DETACH PARTITION … CONCURRENTLY" : null;
    }
    case "AlterSystemStmt":
      return "ALTER SYSTEM";
    case "CreatedbStmt":
      return "CREATE DATABASE";
    case "DropdbStmt":
      return "DROP DATABASE";
    case "AlterDatabaseStmt":
      return optionNames(f.options).includes("tablespace")
        ? "ALTER DATABASE … SET TABLESPACE"
        : null;
    case "CreateTableSpaceStmt":
      return "CREATE TABLESPACE";
    case "DropTableSpaceStmt":
      return "DROP TABLESPACE";
    default:
      return null;
  }
}

function sessionState(type: string, f: Fields): boolean {
  if (type === "DiscardStmt") return true;
  if (type !== "VariableSetStmt" || f.is_local) return false;
  // SET TRANSACTION … is VAR_SET_MULTI named "TRANSACTION" and ends with the transaction;
  // SET SESSION CHARACTERISTICS AS TRANSACTION is named "SESSION CHARACTERISTICS".
  return !(f.kind === "VAR_SET_MULTI" && f.name === "TRANSACTION");
}

export function statementKind(tree: Node): StatementKind {
  const [type, f] = unwrap(tree);
  const outside = outsideTransaction(type, f);
  const concurrentIndex =
    (type === "IndexStmt" && f.concurrent === true) ||
    (type === "DropStmt" && f.concurrent === true) ||
    (type === "ReindexStmt" && optionNames(f.params).includes("concurrently"));
  const detachConcurrently = type === "AlterTableStmt" && outside !== null;
  return {
    outsideTransaction: outside,
    // Every REINDEX: the CONCURRENTLY form waits for older transactions, and the plain form is
    // classed with it so that a file's rebuilds behave alike.
    waitsForOthers: concurrentIndex || detachConcurrently || type === "ReindexStmt",
    mayLeaveInvalidIndex: concurrentIndex,
    transactionControl: type === "TransactionStmt",
    sessionState: sessionState(type, f),
    routineDefinition: type === "CreateFunctionStmt",
  };
}
