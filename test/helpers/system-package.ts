import { spawnSync } from "node:child_process";

/**
 * Makes sure a Debian package a test needs is installed: when `present()` says no, installs it with the
 * project's setup script as root, else fails with the exact command to run.
 */
export function ensureDebianPackage(pkg: string, present: () => boolean): void {
  if (present()) return;
  if (process.getuid?.() !== 0)
    throw new Error(`${pkg} is not installed: run \`sudo apt-get install -y ${pkg}\``);
  const result = spawnSync("bash", ["scripts/setup/system-deps.sh", pkg], { stdio: "inherit" });
  if (result.status !== 0 || !present())
    throw new Error(`could not install ${pkg}: run \`apt-get install -y ${pkg}\``);
}

export function ensureNetSmpp(): void {
  ensureDebianPackage("libnet-smpp-perl", () => spawnSync("perl", ["-MNet::SMPP", "-e", "1"]).status === 0);
}
