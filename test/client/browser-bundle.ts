import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Rolldown } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRY = 'virtual:browser-test-entry';

/**
 * Bundles `modules` (paths from the repository root, or package names) as Vite builds the
 * dashboard, into one script that puts their exports on `window[globalName]`. With
 * `refuseNodeModules`, importing any Node module fails the build.
 */
export async function bundleForBrowser(
  modules: string[],
  { globalName, refuseNodeModules = false }: { globalName: string; refuseNodeModules?: boolean },
): Promise<string> {
  const source = modules
    .map(
      (name) =>
        `export * from ${JSON.stringify(name.startsWith('src/') ? path.join(ROOT, name) : name)};`,
    )
    .join('\n');
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    root: ROOT,
    build: {
      write: false,
      minify: false,
      lib: { entry: ENTRY, formats: ['iife'], name: globalName, fileName: 'bundle' },
    },
    plugins: [
      {
        name: 'browser-test-entry',
        enforce: 'pre',
        resolveId(id) {
          if (id.endsWith(ENTRY)) return `\0${ENTRY}`;
          if (refuseNodeModules && (id.startsWith('node:') || builtinModules.includes(id)))
            throw new Error(`the bundle imports the Node module ${id}`);
          return null;
        },
        load: (id) => (id === `\0${ENTRY}` ? source : null),
      },
    ],
  });
  const [output] = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = output?.output[0];
  if (chunk?.type !== 'chunk') throw new Error('no bundle came out');
  return chunk.code;
}
