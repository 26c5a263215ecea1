// Run by `npm run build` after tsc: writes dist/compiled-templates.json, the templates under
// templates/ already parsed into the form src/render/template.ts renders from (issue 12: parsing
// them with the yaml package at every run was a sixth of `plan`'s CPU). Each entry carries the
// hash of its template's text; an edited template is parsed at run time until the next build.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const { precompileTemplates } = await import(new URL('render/template.js', dist).href);
writeFileSync(fileURLToPath(new URL('compiled-templates.json', dist)), `${JSON.stringify(precompileTemplates())}\n`);
