// Dependency rules for src/ (npm run lint): no cycles, and no import from a lower layer to a higher
// one. The layers, lowest first, as the code and ../shared/DESIGN.md lay them out: shared basics;
// adapters around kubectl/helm/kind; the config model; the roadmap's types; pure rendering; the
// steps (each describes itself); the registry that lists them; the plan built from them; the
// engine that runs a plan; the renderers of its events; prompts and the wizard; the commands; the CLI.
const layers = [
  ['base', '^src/(util/|errors\\.ts$|lock\\.ts$|names\\.ts$|io/)'],
  ['adapters', '^src/adapters/'],
  ['config', '^src/config/'],
  ['model', '^src/roadmap/(types|layout|describe-check)\\.ts$'],
  ['render', '^src/(render/|images/|roadmap/builders\\.ts$)'],
  ['steps', '^src/steps/'],
  ['registry', '^src/roadmap/roadmap\\.ts$'],
  ['plan', '^src/(plan|decisions)/'],
  ['engine', '^src/(engine|bundle)/'],
  ['output', '^src/output/'],
  ['interaction', '^src/(wizard/|prompts\\.ts$)'],
  ['commands', '^src/commands/'],
  ['cli', '^src/cli\\.ts$'],
];

const exact = (file) => `^${file.replace(/[.]/g, '\\.')}$`;

// Known exceptions, each an import that goes up a layer today. Fixing them means editing files
// other people were changing when this check came in; each names where it should go instead.
const knownUpward = [
  // The add-on component list feeds the schema's enum; it belongs in config/ (render/ would import it).
  { from: 'src/config/schema.ts', to: 'src/render/addons.ts' },
  // Chart references and release descriptions are roadmap types; they belong beside the helm adapter.
  { from: 'src/adapters/helm.ts', to: 'src/roadmap/types.ts' },
  { from: 'src/adapters/helm-args.ts', to: 'src/roadmap/types.ts' },
];

// Known cycles (same reason): checks, probes, the smoke probe and the verifier probe call each other
// (one probe registry the checks look up would end it); the schema and the add-on list import each
// other (the list moving to config/ ends that one too).
const knownCycles = [
  'src/engine/checks.ts',
  'src/engine/probes.ts',
  'src/engine/smoke.ts',
  'src/engine/verifier-probe.ts',
  'src/config/schema.ts',
  'src/render/addons.ts',
];

// Known (same reason): probes that read a step's object names; those names belong in src/names.ts.
const engineIntoSteps = ['src/engine/probes.ts', 'src/engine/smoke.ts', 'src/engine/verifier-probe.ts'];

const forbidden = [
  {
    name: 'no-cycles',
    severity: 'error',
    comment: 'Modules in a cycle cannot be understood, tested or loaded lazily one at a time.',
    from: { path: '^src/', pathNot: knownCycles.map((f) => exact(f)) },
    to: { circular: true },
  },
  {
    name: 'engine-runs-steps-through-the-registry',
    severity: 'error',
    comment: 'The engine runs whatever the registry lists; names it shares with a step live in src/names.ts.',
    from: { path: '^src/engine/', pathNot: engineIntoSteps.map((f) => exact(f)) },
    to: { path: '^src/steps/' },
  },
  {
    name: 'renderers-use-the-layout',
    severity: 'error',
    comment: 'Renderers lay the roadmap out from src/roadmap/layout.ts and the events; they load no step.',
    from: { path: '^src/output/' },
    to: { path: ['^src/steps/', '^src/roadmap/roadmap\\.ts$'] },
  },
  ...layers.flatMap(([name, path], i) => {
    const higher = layers.slice(i + 1).map(([, p]) => p);
    if (!higher.length) return [];
    const comment = `${name} must not import from a higher layer (${layers
      .slice(i + 1)
      .map(([n]) => n)
      .join(', ')})`;
    const rule = (from, pathNot) => ({
      name: `layer-${name}`,
      severity: 'error',
      comment,
      from,
      to: { path: higher, ...(pathNot.length ? { pathNot } : {}) },
    });
    const exceptions = knownUpward.filter((k) => new RegExp(path).test(k.from));
    return [
      rule({ path, ...(exceptions.length ? { pathNot: exceptions.map((k) => exact(k.from)) } : {}) }, []),
      ...exceptions.map((k) => rule({ path: exact(k.from) }, [exact(k.to)])),
    ];
  }),
];

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
