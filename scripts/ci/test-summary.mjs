// Prints `tests: N passed, N failed` from vitest's JSON report (its own counts). Exits 1 if the report is
// missing, or counts no test at all, so a broken run can never look green.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? ".tmp/vitest-report.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.log(`tests: 0 passed, 1 failed`);
  console.error(`no vitest report at ${file}: ${error.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const suitesFailed = report.numFailedTestSuites ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
// A file that fails to load (syntax error, failing hook) has no failed test but a failed suite.
if (suitesFailed > 0 && failed === 0) console.error(`${suitesFailed} test suite(s) failed outside any test`);
process.exit(failed > 0 || suitesFailed > 0 || passed === 0 ? 1 : 0);
