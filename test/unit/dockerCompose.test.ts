import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { envSchema } from '../../config/config';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';

// Docker cannot run here, so this checks that the production compose file is whole and consistent.
const root = path.resolve(__dirname, '../..');
const compose = yaml.load(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  schema: yaml.YAML11_SCHEMA,
}) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      environment?: Record<string, string>;
      ports?: string[];
      depends_on?: Record<string, unknown>;
      volumes?: string[];
      command?: string;
    }
  >;
};
const s = compose.services;

test('has every service of the production shape', () => {
  expect(Object.keys(s).sort()).toEqual(
    [
      'api',
      'postgresql',
      'temporal',
      'temporal-admin-tools',
      'temporal-create-namespace',
      'temporal-ui',
      'worker',
    ].sort(),
  );
  expect(s.temporal!.environment!.DB).toBe('postgres12');
  expect(s.temporal!.environment!.POSTGRES_SEEDS).toBe('postgresql');
  expect(s['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
});

test('the app services get every variable they need, and each is one the app knows', () => {
  for (const name of ['api', 'worker']) {
    const env = s[name]!.environment!;
    expect(s[name]!.build).toBe('.');
    for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'SIGNING_SECRET', 'NODE_ENV'])
      expect(env[key]).toBeDefined();
    for (const key of Object.keys(env)) expect(Object.keys(envSchema.shape)).toContain(key);
    expect(new URL(env.DATABASE_URL!).hostname).toBe('postgresql');
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
  }
  expect(s.api!.environment!.RUN_API).toBe('true');
  expect(s.api!.environment!.RUN_WORKER).toBe('false');
  expect(s.worker!.environment!.RUN_WORKER).toBe('true');
  expect(s.worker!.environment!.RUN_API).toBe('false');
  expect(s.api!.ports).toContain(`${s.api!.environment!.PORT}:${s.api!.environment!.PORT}`);
});

test('the scripts and files it mounts exist, and the namespace script registers every search attribute', () => {
  const script = fs.readFileSync(path.join(root, 'deploy/temporal-create-namespace.sh'), 'utf8');
  for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(script).toContain(name);
  expect(fs.readFileSync(path.join(root, 'deploy/postgres-init.sql'), 'utf8')).toMatch(/CREATE DATABASE gtm/);
  expect(new URL(s.api!.environment!.DATABASE_URL!).pathname).toBe('/gtm');
  for (const svc of ['temporal-admin-tools', 'temporal-create-namespace']) {
    expect(fs.existsSync(path.join(root, s[svc]!.command!.replace('/deploy/', 'deploy/')))).toBe(true);
  }
  expect(fs.existsSync(path.join(root, 'Dockerfile'))).toBe(true);
});
