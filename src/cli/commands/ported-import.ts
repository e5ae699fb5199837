/**
 * `otpgw ported import <file>`: ported numbers from a file (a number portability database's export, HLR lookups),
 * one `number,mcc-mnc` a line. The file is read line by line and checked whole before anything is written: one
 * invalid line refuses the import (unless --skip-invalid), so a truncated or mis-exported file never half-replaces
 * what routing uses. Then written in chunks (src/ops/ported-store.ts): added and updated, or with --replace swapped
 * in at once for every ported number.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { countPorted, replacePortedNumbers, writePortedNumbers } from "../../ops/ported-store.js";
import type { NetworkPlan } from "../../routing/networks.js";
import { ExitCodes, type CliContext } from "../cli-context.js";
import {
  CommandRefusal,
  loadForPortedNumbers,
  redisWhere,
  reportRefusal,
  withDaemonRedis,
  warnRoutingProblems,
} from "../control-session.js";
import { ProgressLine } from "../progress-line.js";
import { renderTable } from "../text-table.js";
import { PORTED_REFUSALS } from "./ported-entry.js";
import { formatLineProblems, MAX_LISTED_PROBLEMS, PortedFileCheck } from "./ported-file-check.js";
import {
  appliesNote,
  changedBy,
  instancesSeen,
  warnWithoutInstances,
  withPortedChangeOptions,
  type PortedChangeFlags,
} from "./ported-write.js";

interface ImportFlags extends PortedChangeFlags {
  replace?: boolean;
  dryRun?: boolean;
  skipInvalid?: boolean;
}

const COMMAND = "ported import";

export function registerPortedImportCommand(ported: Command, context: CliContext): void {
  withPortedChangeOptions(
    ported
      .command("import <file>")
      .description(
        "add ported numbers from a file of number,mcc-mnc lines (checked whole first), or --replace them all",
      )
      .option("--replace", "replace every ported number with the file's, at once (default: add and update)")
      .option("--dry-run", "check the file and print what would be written; write nothing")
      .option(
        "--skip-invalid",
        "import the valid lines and list the invalid ones (default: one invalid line refuses the whole file)",
      )
      .addHelpText(
        "after",
        "\nThe file: one number and its network a line, `+821012345678,450-08` (or `;` or a tab between them)." +
          "\nNumbers in E.164 form, networks as the networks file writes them, of the number's own country. Blank" +
          "\nlines and lines starting with # are ignored; a first line whose first field is not a number (a header," +
          "\n`msisdn,mccmnc`) is skipped. A number given twice: the later line counts." +
          "\n\nEvery line is checked before anything is written: invalid lines are listed as file:line: reason (the" +
          `\nfirst ${MAX_LISTED_PROBLEMS}) and refuse the import (exit 1, nothing written) unless --skip-invalid. Without --replace the` +
          "\nfile's numbers are added or updated and the others kept; with --replace the ported numbers become the" +
          "\nfile's: written aside, then swapped in at once (daemons never see half an import)." +
          "\nA progress line on stderr when it is a terminal; a summary (numbers per network) on stdout." +
          "\n\nExamples:\n  otpgw ported import mnp-2025-11-23.csv --dry-run\n  otpgw ported import mnp-2025-11-23.csv --replace",
      ),
  ).action(async (file: string, flags: ImportFlags) => {
    context.setExitCode(await runImport(file, flags, context));
  });
}

async function runImport(file: string, flags: ImportFlags, context: CliContext): Promise<number> {
  const started = Date.now();
  try {
    const config = await loadForPortedNumbers(flags, context);
    warnRoutingProblems(config, context, COMMAND);
    const by = flags.dryRun === true ? undefined : changedBy(flags, context);
    const check = await readPortedFile(file, config.networks, context);
    if (check.invalid > 0) {
      const count = `${check.invalid} invalid line${check.invalid === 1 ? "" : "s"} of ${check.lines}`;
      const problems = formatLineProblems(file, check).join("\n");
      if (flags.skipInvalid !== true) {
        context.stderr.write(
          `otpgw: ${COMMAND}: ${file}: ${count}; nothing was written (correct them, or import the other lines with --skip-invalid):\n${problems}\n`,
        );
        return ExitCodes.failure;
      }
      context.stderr.write(`otpgw: ${COMMAND}: ${file}: ${count} skipped (--skip-invalid):\n${problems}\n`);
    }
    const numbers = check.size;
    if (numbers === 0)
      throw new CommandRefusal(
        `${file} holds no numbers to import` +
          (flags.replace === true ? " (--replace would remove every ported number)" : "") +
          "; nothing was written",
      );
    const table = renderTable(
      ["network", "name", "country", "numbers"],
      check
        .countsByNetwork()
        .map(({ network, numbers }) => [network.mccmnc, network.name, network.country, numbers]),
    );
    const notes = fileNotes(check);
    if (by === undefined) {
      const what = flags.replace === true ? "would replace every ported number" : "would be added or updated";
      context.stdout.write(
        `dry run: ${plural(numbers, "number")} of ${file} ${what} (checked in ${seconds(started)}); nothing was written:\n` +
          `${table}\n${notes}`,
      );
      return ExitCodes.ok;
    }
    // Made a chunk at a time as they are written: a million numbers are never held as strings at once.
    const pairs = check.pairs();
    const prefix = config.daemon.redisKeyPrefix;
    const progress = new ProgressLine(context.stderr, "writing");
    const { before, seen } = await withDaemonRedis(config.daemon, async (redis) => {
      const before = flags.replace === true ? await countPorted(redis, prefix) : undefined;
      const write = flags.replace === true ? replacePortedNumbers : writePortedNumbers;
      await write(redis, prefix, pairs, by, (written) =>
        progress.update(written, pairs.length, () => `${written}/${pairs.length} numbers`),
      );
      return { before, seen: await instancesSeen(redis, config) };
    }).finally(() => progress.clear());
    const how =
      before === undefined
        ? "added or updated; the other ported numbers kept"
        : `replacing the ${before} ported number${before === 1 ? "" : "s"} stored before`;
    context.stdout.write(
      `${plural(numbers, "number")} of ${file} imported by ${by} (${how}) in ${seconds(started)}:\n${table}\n${notes}` +
        `Written to ${redisWhere(config.daemon)}. ${appliesNote(config.routes)}\n`,
    );
    if (!seen) warnWithoutInstances(config, context, COMMAND);
    return ExitCodes.ok;
  } catch (error) {
    return reportRefusal(error, context, COMMAND, PORTED_REFUSALS);
  }
}

/** The file's lines checked one at a time as they are read. @throws CommandRefusal when it cannot be read */
async function readPortedFile(
  file: string,
  plan: NetworkPlan,
  context: CliContext,
): Promise<PortedFileCheck> {
  const path = resolve(context.cwd, file);
  const check = new PortedFileCheck(plan);
  const progress = new ProgressLine(context.stderr, "checking");
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CommandRefusal(`cannot read ${file}: not a file`);
    // Characters, not bytes: near enough for a progress bar of a file of digits.
    let read = 0;
    const lines = createInterface({
      input: createReadStream(path, { encoding: "utf8" }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      check.add(line);
      read += line.length + 1;
      progress.update(read, info.size, () => `${check.lines} lines`);
    }
    return check;
  } catch (error) {
    if (error instanceof CommandRefusal) throw error;
    throw new CommandRefusal(`cannot read ${file}: ${fsErrorWords(error)}`);
  } finally {
    progress.clear();
  }
}

/** What the summary says of the file besides its numbers: repeats, a header, skipped lines. */
function fileNotes(check: PortedFileCheck): string {
  const notes: string[] = [];
  if (check.repeated > 0)
    notes.push(
      `${check.repeated} line${check.repeated === 1 ? "" : "s"} gave a number an earlier line gave: the later line counts.`,
    );
  if (check.header !== undefined) notes.push(`Line ${check.header} (a header) skipped.`);
  if (check.invalid > 0)
    notes.push(`${check.invalid} invalid line${check.invalid === 1 ? "" : "s"} skipped.`);
  return notes.map((note) => `${note}\n`).join("");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function fsErrorWords(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "not found";
  if (code === "EISDIR") return "not a file";
  if (code === "EACCES") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}
