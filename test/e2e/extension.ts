// Puts the freshly built extension into a code-server extensions folder, as an installed VSIX
// would lay it out: `publisher.name-version` holding package.json and the built files.
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
/** What the extension loads at run time besides node_modules (sources stay behind, as in a VSIX). */
const SHIPPED = ['package.json', 'README.md', 'dist', 'media'];

/** Installs the build in `extensionsDir`; returns the extension's id (publisher.name). */
export function installExtension(extensionsDir: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  if (!existsSync(join(ROOT, 'dist/extension.cjs'))) throw new Error('dist/extension.cjs is missing: run `npm run build` first');
  const target = join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  mkdirSync(target, { recursive: true });
  for (const entry of SHIPPED) if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(target, entry), { recursive: true });
  // Bundles keep native packages (sharp) external; linking the project's node_modules saves
  // copying hundreds of megabytes on every run.
  symlinkSync(join(ROOT, 'node_modules'), join(target, 'node_modules'), 'dir');
  return `${manifest.publisher}.${manifest.name}`;
}
