/**
 * Static check of the Docker deployment (no Docker engine runs on our machines): docker-compose.yml
 * parses and has every service, port, environment variable and dependency that the README's
 * services table names; the scheduler's environment in it is a valid configuration; the
 * Dockerfile is multi-stage, runs as non-root with production dependencies and has a health check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS, loadConfig } from '../../src/config';
import { JOB_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: unknown;
  ports?: string[];
  environment?: Record<string, string> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: unknown };
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };

/** One row of the README's services table. */
interface Row {
  service: string;
  image: string;
  ports: string[];
  dependsOn: string[];
  env: string[];
}

/** The services table under "### Deploy with Docker Compose" in README.md. */
function readmeServices(): Row[] {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('### Deploy with Docker Compose'));
  const lines = section.split('\n').filter((l) => /^\| `[a-z-]+` \|/.test(l));
  const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  return lines.map((line) => {
    const [service, image, ports, dependsOn, env] = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()) as [string, string, string, string, string];
    return {
      service: names(service)[0] as string,
      image,
      ports: ports === '—' ? [] : ports.split(',').map((p) => p.trim()),
      dependsOn: names(dependsOn),
      env: names(env),
    };
  });
}

function envOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

const rows = readmeServices();

describe('docker-compose.yml against the README', () => {
  test('the README table names exactly the services of the file', () => {
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(rows.map((r) => r.service).sort()).toEqual(Object.keys(compose.services).sort());
  });

  test.each(rows.map((r) => [r.service, r] as const))('%s: image, ports, dependencies, environment', (_, row) => {
    const service = compose.services[row.service] as ComposeService;
    if (row.image.includes('Dockerfile')) {
      expect(service.build).toBe('.');
    } else {
      const image = row.image.replace(/`/g, '');
      expect(service.image).toMatch(new RegExp(`^${image}:`));
    }
    const published = (service.ports ?? []).map((p) => p.split(':').at(-1));
    expect(published.sort()).toEqual([...row.ports].sort());
    const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    expect(deps.sort()).toEqual([...row.dependsOn].sort());
    const env = envOf(service);
    for (const name of row.env) expect(Object.keys(env), `${row.service} sets ${name}`).toContain(name);
  });

  test('one-shot setup services finish before their dependents start; servers are healthy first', () => {
    const conditions: Record<string, string> = {};
    for (const service of Object.values(compose.services)) {
      if (!service.depends_on || Array.isArray(service.depends_on)) continue;
      for (const [dep, { condition }] of Object.entries(service.depends_on)) conditions[dep] = condition;
    }
    expect(conditions).toMatchObject({
      postgresql: 'service_healthy',
      'temporal-schema': 'service_completed_successfully',
      temporal: 'service_healthy',
      'temporal-setup': 'service_completed_successfully',
    });
    for (const name of Object.keys(conditions).filter((n) => conditions[n] === 'service_healthy')) {
      expect(compose.services[name]?.healthcheck, `${name} has a healthcheck`).toBeDefined();
    }
  });

  test('the api and worker environments are valid configurations that reach the compose Temporal', () => {
    for (const name of ['api', 'worker']) {
      const env = envOf(compose.services[name] as ComposeService);
      const ours = Object.keys(env).filter((k) => k !== 'HEALTHCHECK_URL');
      for (const key of ours) expect(CONFIG_KEYS as string[], `${name}: ${key} is a config variable`).toContain(key);
      const config = loadConfig(env);
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(config.TASK_QUEUE).toBe('jobs');
    }
    expect(loadConfig(envOf(compose.services.api as ComposeService)).API_HOST).toBe('0.0.0.0');
    expect(loadConfig(envOf(compose.services.worker as ComposeService)).WORKER_METRICS_PORT).toBe(9464);
    expect(compose.services.api?.command).toEqual(['api']);
    expect(compose.services.worker?.command).toEqual(['worker']);
  });

  test('temporal-setup registers every job search attribute with its type', () => {
    const script = JSON.stringify(compose.services['temporal-setup']?.command);
    const typeName: Record<string, string> = {
      KEYWORD: 'Keyword',
      KEYWORD_LIST: 'KeywordList',
      DATETIME: 'Datetime',
      INT: 'Int',
    };
    for (const key of JOB_SEARCH_ATTRIBUTES) expect(script).toContain(`${key.name}:${typeName[key.type]}`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  test('multi-stage: builds with dev dependencies, runs with production dependencies as non-root', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => m[2]);
    expect(stages).toEqual(['build', 'runtime']);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build .*node_modules/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "bin\/scheduler.js"\]$/m);
  });

  test('builds the job console in the build stage and ships dist/console in the runtime image', () => {
    const build = dockerfile.slice(0, dockerfile.indexOf('AS runtime'));
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    // `npm ci` runs the prepare script: it must be in the image before npm ci runs.
    expect(build.indexOf('COPY scripts/build-console.js')).toBeGreaterThan(-1);
    expect(build.indexOf('COPY scripts/build-console.js')).toBeLessThan(build.indexOf('RUN npm ci'));
    expect(build).toMatch(/^COPY console \.\/console$/m);
    expect(build).toMatch(/npm run build:console/);
    expect(runtime).toMatch(/^COPY --from=build .*\/app\/dist\/console \.\/dist\/console$/m);
    expect(JSON.parse(read('package.json')).scripts.prepare).toMatch(/build-console\.js --optional/);
  });

  test('the image uses the Node major of package.json engines', () => {
    const engines = JSON.parse(read('package.json')).engines.node as string;
    const major = /(\d+)/.exec(engines)?.[1];
    for (const m of dockerfile.matchAll(/^FROM node:(\d+)/gm)) expect(m[1]).toBe(major);
  });
});
