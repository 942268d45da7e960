// Prints the gzip size of the JavaScript a first visit loads: the entry chunk(s) and the chunks
// they preload, as referenced by dist/index.html. Route chunks (React.lazy) load later.
// Fails the build when the figure exceeds the budget (300 KB gzip).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 300;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const refs = new Set();
for (const m of html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+\.js)"/g)) refs.add(m[1]);
if (refs.size === 0) {
  console.error('report-size: no JavaScript referenced by dist/index.html');
  process.exit(1);
}
const base = '/app/';
let raw = 0;
let gz = 0;
const rows = [];
for (const ref of refs) {
  const file = join(dist, ref.startsWith(base) ? ref.slice(base.length) : ref.replace(/^\//, ''));
  const bytes = readFileSync(file);
  const size = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += size;
  rows.push(`  ${ref}  ${(bytes.length / 1024).toFixed(1)} KB, gzip ${(size / 1024).toFixed(1)} KB`);
}
const all = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const total = all.reduce((n, f) => n + statSync(join(dist, 'assets', f)).size, 0);
console.log('initial JavaScript (entry chunks referenced by index.html):');
console.log(rows.join('\n'));
console.log(`initial JS: ${(raw / 1024).toFixed(1)} KB, gzip ${(gz / 1024).toFixed(1)} KB (budget ${BUDGET_KB} KB gzip); ${all.length} JS chunks in all, ${(total / 1024).toFixed(1)} KB`);
if (gz / 1024 > BUDGET_KB) {
  console.error(`initial JS gzip ${(gz / 1024).toFixed(1)} KB exceeds the budget of ${BUDGET_KB} KB`);
  process.exit(1);
}
