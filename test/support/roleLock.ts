/**
 * Roles are cluster-wide, and the test files share one PostgreSQL server: the files that log in
 * as one environment's gaia_app_<env> role take turns through this lock (a directory, per server
 * and role, holding the owner's pid; a lock whose owner died is taken over).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminUrl } from "./postgres";

const held = new Map<string, string>();

function ownerAlive(dir: string): boolean {
  try {
    process.kill(Number(readFileSync(join(dir, "pid"), "utf8")), 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (at most `timeoutMs`) until this process holds the lock of `role` on the test server. */
export async function lockRole(role: string, timeoutMs = 600_000): Promise<void> {
  const dir = join(tmpdir(), `gaia-test-role-${new URL(adminUrl()).port}-${role}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(process.pid));
      held.set(role, dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // Just made by another process that has not written its pid yet: wait for it.
      let stale = false;
      try {
        stale = !ownerAlive(dir) && readFileSync(join(dir, "pid"), "utf8") !== "";
      } catch {}
      if (stale) rmSync(dir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`test role lock ${dir} not released`);
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export function unlockRole(role: string): void {
  const dir = held.get(role);
  if (dir === undefined) return;
  held.delete(role);
  rmSync(dir, { recursive: true, force: true });
}
