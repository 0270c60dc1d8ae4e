/**
 * Entry point of every Fly `local.Command`:
 *   node --import tsx src/fly/scripts/command.ts <create|update|delete>
 * The resource kind comes from GAIA_RESOURCE_KIND (the same key the policy pack reads), the
 * non-secret parameters from the command's `environment`, secrets from stdin as one JSON object.
 * Progress goes to stderr; the last stdout line is the JSON result.
 *
 * Errors print one `gaia fly <kind>: <message>` line without a stack trace and exit 1.
 *
 * Nothing this process writes may hold a secret: the provider streams stderr (`logging`) and puts
 * stdout and stderr into its failure text whatever `logging` says. Every line written to stderr
 * is masked (the stdin values, and the password of any URL, e.g. in flyctl's output); the result
 * line on stdout is printed only on success, into an output marked secret when it holds one.
 *
 * GAIA_TIMEOUT_SECONDS (the customTimeout) arms this process's own deadline
 * (src/process/deadline.ts).
 */
import { readFileSync } from "node:fs";
import { armDeadline } from "../../process/deadline";
import type { FlyCommandKind } from "../../shared/vocabulary";
import { type CommandContext, maskOutput, type Operation, secretStrings } from "../runtime/context";
import { databaseCommand } from "../runtime/database";
import { CommandError, Flyctl } from "../runtime/flyctl";
import { postgresCommand } from "../runtime/postgres";
import { redisCommand } from "../runtime/redis";
import { serviceSecretsCommand } from "../runtime/serviceSecretsCommand";
import { appCommand, secretsCommand, volumesCommand } from "../runtime/services";
import { snapshotCommand } from "../runtime/snapshot";

const HANDLERS: Record<FlyCommandKind, (ctx: CommandContext) => Promise<Record<string, unknown>>> =
  {
    postgres: postgresCommand,
    redis: redisCommand,
    app: appCommand,
    "certificate-volume": volumesCommand,
    secrets: secretsCommand,
    "service-secrets": serviceSecretsCommand,
    database: databaseCommand,
    snapshot: snapshotCommand,
  };

function readStdin(): Record<string, unknown> {
  let text = "";
  try {
    text = readFileSync(0, "utf8");
  } catch {
    return {};
  }
  if (text.trim() === "") return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v))
      return v as Record<string, unknown>;
  } catch {}
  // Never echo stdin: it holds secrets.
  throw new CommandError("stdin is not a JSON object (its content is not shown: it holds secrets)");
}

async function main(): Promise<number> {
  const kind = process.env.GAIA_RESOURCE_KIND ?? "";
  const op = process.argv[2];
  const secrets: string[] = [];
  const log = (line: string) => process.stderr.write(`${maskOutput(line, secrets)}\n`);
  try {
    armDeadline(process.env, op || "the command", (message) =>
      log(`gaia fly ${kind || "command"}: ${message}`),
    );
    if (op !== "create" && op !== "update" && op !== "delete")
      throw new CommandError(`usage: command.ts <create|update|delete>, got "${op ?? ""}"`);
    const handler = HANDLERS[kind as FlyCommandKind];
    if (!handler)
      throw new CommandError(
        `GAIA_RESOURCE_KIND must be one of ${Object.keys(HANDLERS).join(", ")}, got "${kind}"`,
      );
    const stdin = readStdin();
    secrets.push(...secretStrings(stdin));
    const ctx: CommandContext = {
      op: op as Operation,
      env: process.env,
      secrets: stdin,
      fly: new Flyctl({ log }),
      log,
    };
    const result = await handler(ctx);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (e) {
    const message =
      e instanceof CommandError ? e.message : e instanceof Error ? e.message : String(e);
    log(`gaia fly ${kind || "command"}: ${message}`);
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
