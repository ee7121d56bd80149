import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * The layering, read from the source's own imports:
 * - the base folders (auth, audit, users, common, config, integrations)
 *   import no feature folder;
 * - no two folders import each other (the composition root, which wires
 *   everything, aside);
 * - only repositories, schemas and the database wiring touch mongoose.
 */
const SRC = __dirname;
const BASE = new Set(['auth', 'audit', 'users', 'common', 'config', 'integrations']);
/** Files that compose the app from every folder: allowed to import anything. */
// integrations.module.ts binds each port from config and the platform's Clock (common imports the integrations' error).
const COMPOSITION = new Set(['app.module.ts', 'app.factory.ts', 'main.ts', 'database/database.module.ts', 'integrations/integrations.module.ts']);
const MAY_TOUCH_MONGOOSE = /\.schema\.ts$|\.repository\.ts$|^database\/|^memberships\/membership-store\.ts$|^app\.(module|factory)\.ts$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [relative(SRC, path)] : [];
  });
}

const folderOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : '');

function importsOf(file: string): { target: string; specifier: string }[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(/from '([^']+)'/g)].map((match) => {
    const specifier = match[1]!;
    return { specifier, target: specifier.startsWith('.') ? normalize(join(dirname(file), specifier)) : specifier };
  });
}

describe('the layering of platform-api', () => {
  const files = sourceFiles(SRC);

  it('keeps the base folders free of imports from the feature folders', () => {
    const against = files
      .filter((file) => BASE.has(folderOf(file)))
      .flatMap((file) => importsOf(file).filter(({ specifier, target }) => specifier.startsWith('.') && folderOf(target) !== '' && !BASE.has(folderOf(target)) && folderOf(target) !== 'database').map(({ target }) => `${file} → ${target}`));
    expect(against).toEqual([]);
  });

  it('has no two folders importing each other', () => {
    const edges = new Set<string>();
    for (const file of files.filter((f) => !COMPOSITION.has(f))) {
      for (const { specifier, target } of importsOf(file)) {
        const [from, to] = [folderOf(file), folderOf(target)];
        if (specifier.startsWith('.') && from && to && from !== to) edges.add(`${from} → ${to}`);
      }
    }
    const twoWay = [...edges].filter((edge) => {
      const [from, to] = edge.split(' → ');
      return from! < to! && edges.has(`${to} → ${from}`);
    });
    expect(twoWay).toEqual([]);
  });

  it('lets only repositories, schemas and the database wiring import mongoose', () => {
    const leaking = files.filter((file) => !MAY_TOUCH_MONGOOSE.test(file) && importsOf(file).some(({ specifier }) => specifier === 'mongoose' || specifier === '@nestjs/mongoose'));
    expect(leaking).toEqual([]);
  });
});
