/**
 * The modules preloaded into the workers' shared V8 context: exactly the domain modules the
 * workflows import for values, and none of those (or what they import from src/domain) reaches
 * the workflow API, so none can hold per-workflow state.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { PRELOADED_DOMAIN_MODULES, workflowBundleOptions } from '../../src/workers/workflow-bundle';

const SRC = join(__dirname, '..', '..', 'src');

/** Module specifiers a file imports for values (type-only imports and specifiers left out). */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    if (!statement.moduleSpecifier || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const bindings = clause?.namedBindings;
      const onlyTypes =
        clause !== undefined &&
        clause.name === undefined &&
        bindings !== undefined &&
        ts.isNamedImports(bindings) &&
        bindings.elements.every((element) => element.isTypeOnly);
      if (onlyTypes) continue;
    } else if (statement.isTypeOnly) {
      continue;
    }
    specifiers.push(statement.moduleSpecifier.text);
  }
  return specifiers;
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(SRC, dir))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(SRC, dir, name));
}

describe('modules preloaded into the workflow sandbox', () => {
  test('are the domain modules the workflows import for values', () => {
    const imported = new Set(
      tsFiles('workflows')
        .flatMap(valueImports)
        .filter((specifier) => specifier.startsWith('../domain/'))
        .map((specifier) => specifier.slice('../domain/'.length)),
    );
    expect([...PRELOADED_DOMAIN_MODULES].sort()).toEqual([...imported].sort());
  });

  test('never import the workflow API, directly or through other domain modules', () => {
    const seen = new Set<string>();
    const pending: string[] = [...PRELOADED_DOMAIN_MODULES];
    while (pending.length > 0) {
      const name = pending.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const imports = valueImports(join(SRC, 'domain', `${name}.ts`));
      expect(
        imports.filter((specifier) => specifier.startsWith('@temporalio/workflow')),
        name,
      ).toEqual([]);
      // Nothing outside src/domain, whose modules this walk checks, except packages (croner, @temporalio/common).
      expect(
        imports.filter((specifier) => specifier.startsWith('../')),
        name,
      ).toEqual([]);
      for (const specifier of imports) if (specifier.startsWith('./')) pending.push(specifier.slice(2));
    }
    expect(seen.has('cron-schedule')).toBe(true);
    expect(seen.has('bounded-cache')).toBe(true);
  });

  test('resolve to files, beside the workflow module', () => {
    const { workflowsPath, preloadModules } = workflowBundleOptions();
    expect(workflowsPath).toMatch(/[/\\]workflows[/\\]index\.ts$/);
    for (const path of [workflowsPath, ...preloadModules]) expect(existsSync(path), path).toBe(true);
    expect(preloadModules.map((path) => path.replace(/^.*[/\\]domain[/\\]/, ''))).toEqual(
      PRELOADED_DOMAIN_MODULES.map((name) => `${name}.ts`),
    );
  });
});
