// `npm run docs`: writes the generated parts of the docs and of the JSON Schema (see generate.ts).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedFiles, ROOT } from './generate.js';

const root = fileURLToPath(ROOT);
for (const file of generatedFiles()) {
  writeFileSync(new URL(file.path, ROOT), file.content);
  // JSON keeps the formatter's layout, so a regenerated schema differs from the committed one only where it changed.
  if (file.json) execFileSync(`${root}node_modules/.bin/biome`, ['format', '--write', file.path], { cwd: root, stdio: 'ignore' });
  process.stdout.write(`wrote ${file.path}\n`);
}
