/**
 * The shell commands the local stack runs, and the stdin they read. Secrets only ever travel on
 * stdin: command strings and environments hold names, never passwords or keys.
 */

/** Label on every local container, volume and network, so `local:wipe` finds them by label. */
export const LOCAL_LABEL = { label: "com.aeonia.gaia.stack", value: "local" } as const;

/**
 * Applies the password on stdin to the running server. The image reads POSTGRES_PASSWORD only when
 * it initialises an empty data volume, so without this a changed password would be ignored.
 * Inside the container the local socket trusts `postgres`, so no old password is needed.
 */
export const APPLY_POSTGRES_PASSWORD =
  'docker exec -i "$GAIA_POSTGRES_CONTAINER" psql -U postgres -v ON_ERROR_STOP=1 -q -d postgres';

/** The SQL that sets the password, for psql's stdin (standard_conforming_strings is on). */
export function alterPasswordSql(password: string, user = "postgres"): string {
  const literal = `'${password.replaceAll("'", "''")}'`;
  return `ALTER USER "${user.replaceAll('"', '""')}" PASSWORD ${literal};\n`;
}

// Runs in the helper container: replaces the volume's content with the files from stdin, one
// "<path> <base64>" line each. Keys are readable by all: the services run as users of unknown uid
// and these are development keys. The script contains no single quote (it is quoted below).
export function unpackScript(root: string): string {
  return [
    "set -eu",
    `rm -rf ${root}/*`,
    "while read -r path data; do",
    ` mkdir -p "${root}/$(dirname "$path")"`,
    ` printf %s "$data" | base64 -d > "${root}/$path"`,
    ` chmod 0644 "${root}/$path"`,
    "done",
  ].join("\n");
}

/** Writes the certificate files into the certificates volume through a throwaway container. */
export const WRITE_CERTIFICATES = `docker run --rm -i --network none --entrypoint sh -v "$GAIA_CERTS_VOLUME:/certs" "$GAIA_HELPER_IMAGE" -c '${unpackScript("/certs")}'`;

/** Encodes files for WRITE_CERTIFICATES' stdin, sorted so the same files give the same text. */
export function packFiles(files: Readonly<Record<string, string>>): string {
  return Object.keys(files)
    .sort()
    .map((path) => {
      if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(path) || path.split("/").includes("..")) {
        throw new Error(`packFiles: "${path}" is not a plain relative path`);
      }
      return `${path} ${Buffer.from(files[path]!, "utf8").toString("base64")}\n`;
    })
    .join("");
}
