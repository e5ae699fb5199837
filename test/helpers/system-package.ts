import { spawnSync } from "node:child_process";
import { ensureDebianPackage } from "../../scripts/lib/system-package.js";

export { ensureDebianPackage };

export function ensureNetSmpp(): void {
  ensureDebianPackage("libnet-smpp-perl", () => spawnSync("perl", ["-MNet::SMPP", "-e", "1"]).status === 0);
}
