/**
 * A cluster a restore or a drill made that nothing points at yet: destroyed once, whatever ends
 * the run first — its end (the drill), a failure before the switch, or SIGINT/SIGTERM. On a
 * signal, every process group this process started is ended first (the `fly postgres create`
 * in flight: src/process/groups.ts does it as the signal arrives), then the destroy runs outside
 * any group, so a second signal does not cut it short, and the process exits 130 (SIGINT) or
 * 143 (SIGTERM).
 */
import type { RestoreFly } from "./restoreFly";

export class ClusterGuard {
  private destroying: Promise<void> | null = null;
  private app: string | null = null;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();

  constructor(
    private readonly fly: RestoreFly,
    private readonly log: (line: string) => void,
  ) {}

  /** From now on a signal destroys `app` before this process exits. */
  arm(app: string): void {
    this.app = app;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const handler = () => this.interrupted(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** The cluster is the stack's now (a restore switched to it): never destroyed from here on. */
  disarm(): void {
    this.app = null;
    this.removeHandlers();
  }

  /** Destroys the guarded cluster (once, however often asked), then stops guarding. */
  destroy(): Promise<void> {
    if (this.app === null) return Promise.resolve();
    const app = this.app;
    this.destroying ??= this.fly.destroy(app).then(() => this.log(`${app} destroyed`));
    return this.destroying.finally(() => this.removeHandlers());
  }

  private interrupted(signal: NodeJS.Signals): void {
    const app = this.app;
    const code = signal === "SIGINT" ? 130 : 143;
    if (app === null) process.exit(code);
    // Several deliveries (groups.ts re-sends the signal to this process): one destroy.
    if (this.destroying === null) this.log(`${signal}: destroying ${app} before exiting`);
    this.destroy().then(
      () => process.exit(code),
      (e: Error) => {
        this.log(e.message);
        process.exit(code);
      },
    );
  }

  private removeHandlers(): void {
    for (const [signal, handler] of this.handlers) process.removeListener(signal, handler);
    this.handlers.clear();
  }
}
