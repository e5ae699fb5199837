import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The setup script, named relative to the repository wherever a script is started from. */
const systemDepsScript = fileURLToPath(new URL("../setup/system-deps.sh", import.meta.url));

/**
 * Makes sure a Debian package a script needs is installed: when `present()` says no, installs it with the
 * project's setup script as root (apt-get), else fails with the exact command to run.
 */
export function ensureDebianPackage(pkg: string, present: () => boolean): void {
  if (present()) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${pkg} is not installed: run \`sudo apt-get update && sudo apt-get install -y ${pkg}\``);
  }
  process.stderr.write(`${pkg} is missing: installing it with apt-get (one time)\n`);
  const result = spawnSync("bash", [systemDepsScript, pkg], { stdio: "inherit" });
  if (result.status !== 0 || !present()) {
    throw new Error(`could not install ${pkg}: run \`apt-get update && apt-get install -y ${pkg}\``);
  }
}
