/** Runs `gaia-db` in this process, as the binary would, and collects what it prints. */
import { PassThrough } from "node:stream";
import { runCli } from "../../src/cli/main";

export async function runInProcess(argv: string[], env: NodeJS.ProcessEnv = {}, stdin = "") {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => {
    out += d;
  });
  stderr.on("data", (d) => {
    err += d;
  });
  const code = await runCli(argv, { stdout, stderr, env, readStdin: async () => stdin });
  return { code, stdout: out, stderr: err };
}
