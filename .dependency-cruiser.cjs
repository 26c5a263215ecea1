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

const forbidden = [
  {
    name: 'no-cycles',
    severity: 'error',
    comment: 'Modules in a cycle cannot be understood, tested or loaded lazily one at a time.',
    from: { path: '^src/' },
    to: { circular: true },
  },
  {
    name: 'engine-runs-steps-through-the-registry',
    severity: 'error',
    comment: 'The engine runs whatever the registry lists; names it shares with a step live in src/names.ts.',
    from: { path: '^src/engine/' },
    to: { path: '^src/steps/' },
  },
  {
    name: 'renderers-use-the-layout',
    severity: 'error',
    comment: 'Renderers lay the roadmap out from the run.start event (its phases); they load no step and no layout.',
    from: { path: '^src/output/' },
    to: { path: ['^src/steps/', '^src/roadmap/(roadmap|layout)\\.ts$'] },
  },
  ...layers.flatMap(([name, path], i) => {
    const higher = layers.slice(i + 1).map(([, p]) => p);
    if (!higher.length) return [];
    const comment = `${name} must not import from a higher layer (${layers
      .slice(i + 1)
      .map(([n]) => n)
      .join(', ')})`;
    return [{ name: `layer-${name}`, severity: 'error', comment, from: { path }, to: { path: higher } }];
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
