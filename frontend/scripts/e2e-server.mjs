// The browser tests' server: the real API (demo data) on a fresh SQLite database in a temporary
// directory, serving the built SPA under /app/. Removes the directory when it is stopped.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const port = process.argv[2] ?? '8765';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'tsunagu-e2e-'));
const python = process.env.TSUNAGU_PYTHON ?? join(root, '.venv', 'bin', 'python');
const child = spawn(python, ['-m', 'api.cli', 'serve', '--demo', '--port', port], {
  cwd: root,
  env: {
    ...process.env,
    TSUNAGU_DATA_DIR: dataDir,
    // Every test logs in from 127.0.0.1: the per-address token limit is tested by the API's tests.
    TSUNAGU_TOKEN_RATE_LIMIT: '10000/minute',
  },
  stdio: ['ignore', 'inherit', 'pipe'],
});
// The access log (one line per request) would drown the test report; everything else goes on.
let rest = '';
child.stderr.on('data', (chunk) => {
  const lines = (rest + chunk.toString()).split('\n');
  rest = lines.pop() ?? '';
  const access = /"logger": "tsunagu\.access"| INFO tsunagu\.access /; // JSON or text log lines
  for (const line of lines) if (!access.test(line)) process.stderr.write(line + '\n');
});
const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
const stop = (signal) => {
  child.kill(signal);
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
child.on('exit', (code) => {
  cleanup();
  process.exit(code ?? 0);
});
