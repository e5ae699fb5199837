/**
 * The architecture as rules (`npm run lint` runs them): dependencies flow one way, the shared protocol layer knows
 * no feature, north and south know nothing of each other, only the composition root builds the gateway, and the
 * daemon never loads the simulator, the benchmarks, the tests or a devDependency. Imports of types alone are not
 * dependencies at run time: they do not count for cycles or layers (a layer may implement an interface that the
 * layer using it declares, as routing/route-planner.ts implements delivery's RoutePlanner).
 */
const FEATURES = "^src/(north|south|delivery|routing|ops|cli)/";
const ROOT = "^src/(gateway|daemon)[.]ts$";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "An import cycle: modules that load each other half-initialised. Move the shared part down a layer.",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to no file or package.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "daemon-not-to-tooling",
      severity: "error",
      comment: "The daemon (src/) must not load the simulator, demo, benchmarks or tests.",
      from: { path: "^src/" },
      to: { dependencyTypesNot: ["type-only"], path: "^(scripts|test)/" },
    },
    {
      name: "daemon-not-to-dev-dependencies",
      severity: "error",
      comment:
        "The daemon runs with production dependencies only (npm ci --omit=dev, as the Dockerfile does).",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "protocol-layer-knows-no-feature",
      severity: "error",
      comment: "src/smpp/ is the protocol shared by north and south: it depends on nothing above it.",
      from: { path: "^src/smpp/" },
      to: { dependencyTypesNot: ["type-only"], path: [FEATURES, "^src/(config|redis|observability)/", ROOT] },
    },
    {
      name: "south-knows-no-north",
      severity: "error",
      comment: "Carrier binds know nothing of submitters, messages or routes.",
      from: { path: "^src/south/" },
      to: { dependencyTypesNot: ["type-only"], path: ["^src/(north|delivery|routing|cli)/", ROOT] },
    },
    {
      name: "north-knows-no-south",
      severity: "error",
      comment: "The submitters' side reaches carriers only through delivery.",
      from: { path: "^src/north/" },
      to: { dependencyTypesNot: ["type-only"], path: ["^src/(south|cli)/", ROOT] },
    },
    {
      name: "delivery-knows-no-north",
      severity: "error",
      comment: "Delivery tells the north through interfaces it is given, not by importing it.",
      from: { path: "^src/delivery/" },
      to: { dependencyTypesNot: ["type-only"], path: ["^src/(north|cli)/", ROOT] },
    },
    {
      name: "routing-is-pure",
      severity: "error",
      comment: "Routing decides from the route table and live figures it is given: no I/O layers.",
      from: { path: "^src/routing/" },
      to: { dependencyTypesNot: ["type-only"], path: ["^src/(north|south|delivery|cli|redis)/", ROOT] },
    },
    {
      name: "infrastructure-knows-no-feature",
      severity: "error",
      comment: "Logs, metrics and the Redis batch serve every feature and depend on none.",
      from: { path: "^src/(observability|redis)/" },
      to: { dependencyTypesNot: ["type-only"], path: [FEATURES, ROOT] },
    },
    {
      name: "only-the-root-builds-the-gateway",
      severity: "error",
      comment: "The gateway is composed in one place (CONVENTIONS: dependencies come in explicitly).",
      from: { path: "^src/", pathNot: ["^src/cli/", ROOT] },
      to: { dependencyTypesNot: ["type-only"], path: ROOT },
    },
    {
      name: "no-dead-daemon-code",
      severity: "error",
      comment: "A module of src/ that the otpgw command never loads is dead code (or belongs in scripts/).",
      from: { path: "^src/cli/main[.]ts$" },
      to: { path: "^src/", pathNot: "[.]d[.]ts$", reachable: false },
    },
    {
      name: "nothing-imports-the-cli",
      severity: "error",
      comment: "The CLI is the outermost shell.",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { dependencyTypesNot: ["type-only"], path: "^src/cli/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      extensions: [".ts", ".js", ".json"],
      conditionNames: ["types", "import", "require", "node", "default"],
    },
    exclude: { path: ["^dist/", "^[.]tmp/", "^bench-results/"] },
  },
};
