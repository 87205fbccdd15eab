// The JavaScript a first visit downloads, gzipped: the scripts and module preloads that
// dist/index.html names (lazy chunks load later). Fails over the budget (issue 17: < 200 KB).
//   npm run size        (after npm run build)
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const budget = 200 * 1024;
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const files = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\brel="modulepreload"[^>]*\bhref)="\/([^"]+\.js)"/g)].map((m) => m[1]);
let raw = 0;
let gzipped = 0;
for (const file of files) {
  const bytes = readFileSync(path.join(dist, file));
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`first-load JavaScript: ${files.length} file(s), ${kb(raw)} raw, ${kb(gzipped)} gzipped (budget ${kb(budget)})`);
if (files.length === 0 || gzipped > budget) {
  console.error(files.length === 0 ? 'no script found in dist/index.html' : 'over budget');
  process.exit(1);
}
