/**
 * Validates the networks file (data/networks.yaml, or otpgw.yaml `networks_file`): the mobile networks by MCC/MNC,
 * their countries and number ranges, which routes.yaml's `match: { network: … }` and the ported numbers name.
 * Every problem is reported with its line; the plan exists only when there is none. Pure: the caller reads the file.
 */
import * as z from "zod";
import { formatPath, sortByLine, type ConfigProblem } from "../config/config-problem.js";
import { checkAgainstSchema } from "../config/schema-issues.js";
import { parseYamlSource } from "../config/yaml-source.js";
import { getCountryCallingCode, type CountryCode } from "libphonenumber-js/max";
import { MCCMNC_PATTERN, MCCMNC_SHAPE } from "./network-codes.js";
import { NetworkPlan } from "./networks.js";
import { describePrefix } from "./numbering.js";
import { countryProblem, prefixProblem } from "./routes-schema.js";

export interface NetworksFileResult {
  plan?: NetworkPlan;
  problems: ConfigProblem[];
}

const networkSchema = z
  .strictObject({
    mccmnc: z.string().regex(MCCMNC_PATTERN, `must be ${MCCMNC_SHAPE}`),
    name: z.string().trim().min(1).max(64),
    country: z.unknown().superRefine((value, ctx) => {
      const problem = countryProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    }),
    prefixes: z
      .array(
        z.unknown().superRefine((value, ctx) => {
          const problem = prefixProblem(value);
          if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
        }),
      )
      .default([]),
  })
  .transform((n) => ({ ...n, country: n.country as string, prefixes: n.prefixes as string[] }));

const fileSchema = z.strictObject({ networks: z.array(networkSchema).default([]) });

type Path = readonly PropertyKey[];

export function parseNetworksFile(text: string, source: string): NetworksFileResult {
  const yaml = parseYamlSource(text, source);
  if (yaml.data === undefined) return { problems: yaml.problems };
  const checked = checkAgainstSchema(fileSchema, yaml.data ?? {}, { source, lineOf: yaml.lineOf });
  if (checked.value === undefined) return { problems: sortByLine(checked.problems) };

  const problems: ConfigProblem[] = [];
  const at = (path: Path, reason: string) =>
    problems.push({ source, line: yaml.lineOf(path), path: formatPath(path), reason });
  const codes = new Map<string, Path>();
  const prefixes = new Map<string, { mccmnc: string; path: Path }>();
  checked.value.networks.forEach((network, index) => {
    const first = codes.get(network.mccmnc);
    if (first)
      at(
        ["networks", index, "mccmnc"],
        `duplicate network ${network.mccmnc} (also at line ${yaml.lineOf(first)})`,
      );
    else codes.set(network.mccmnc, ["networks", index, "mccmnc"]);
    const callingCode = getCountryCallingCode(network.country as CountryCode);
    network.prefixes.forEach((prefix, position) => {
      const path = ["networks", index, "prefixes", position];
      // A prefix long enough to tell its country must tell this one (+1 868 is Trinidad's, not the US's).
      const described = describePrefix(prefix);
      if (described?.callingCode !== callingCode)
        at(path, `is not a number range of ${network.country} (its numbers start with +${callingCode})`);
      else if (described.country !== undefined && described.country !== network.country)
        at(path, `is a number range of ${described.country}, not ${network.country}`);
      const other = prefixes.get(prefix);
      if (other)
        at(
          path,
          `prefix ${prefix} is already a range of network ${other.mccmnc} (line ${yaml.lineOf(other.path)})`,
        );
      else prefixes.set(prefix, { mccmnc: network.mccmnc, path });
    });
  });
  if (problems.length > 0) return { problems: sortByLine(problems) };
  return { plan: new NetworkPlan(checked.value.networks), problems: [] };
}
