import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { envSchema } from '../../config/config';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';

// Docker cannot run here, so this checks that the production compose file is whole and consistent.
const root = path.resolve(__dirname, '../..');
/** A port in compose's short syntax (`[ip:]host:container[/proto]`, or a bare container port) or long syntax. */
type PortSpec = string | number | { target: number | string; published?: number | string; host_ip?: string };

const compose = yaml.load(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  schema: yaml.YAML11_SCHEMA,
}) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      environment?: Record<string, string | boolean>;
      ports?: PortSpec[];
      network_mode?: string;
      networks?: string[] | Record<string, unknown>;
      depends_on?: Record<string, unknown>;
      volumes?: string[];
      command?: string;
    }
  >;
  networks?: Record<string, { internal?: boolean } | null>;
};
const s = compose.services;

/** Where a port is published on the host: an empty `hostIp` means every interface, as Docker does by default. */
function published(spec: PortSpec): { hostIp: string; hostPort: string; containerPort: string } {
  if (typeof spec === 'object') {
    return {
      hostIp: spec.host_ip ?? '',
      hostPort: String(spec.published ?? ''),
      containerPort: String(spec.target),
    };
  }
  const text = String(spec).replace(/\/(tcp|udp|sctp)$/, '');
  const ip = /^(\[[^\]]+\]|\d{1,3}(?:\.\d{1,3}){3}):(.*)$/.exec(text);
  const rest = (ip ? ip[2]! : text).split(':');
  return {
    hostIp: ip ? ip[1]!.replace(/^\[|\]$/g, '') : '',
    hostPort: rest.length > 1 ? rest[0]! : '',
    containerPort: rest[rest.length - 1]!,
  };
}
/** Whether a port or a range of ports (`7000-8000`) includes this one. */
function covers(ports: string, port: number): boolean {
  const [from, to] = ports.split('-').map(Number);
  return from !== undefined && from <= port && port <= (to ?? from);
}
const isLoopback = (ip: string) => ip === '127.0.0.1' || ip === '::1';
const networksOf = (name: string): string[] => {
  const n = s[name]!.networks;
  if (s[name]!.network_mode) return [`mode:${s[name]!.network_mode}`];
  if (!n) return ['default'];
  return Array.isArray(n) ? n : Object.keys(n);
};

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

test('the Temporal frontend is reachable only from the containers of the app, never from outside', () => {
  // Whoever reaches the frontend can signal, update, reset and terminate every run.
  for (const [name, service] of Object.entries(s)) {
    for (const spec of service.ports ?? []) {
      const p = published(spec);
      expect([name, covers(p.containerPort, 7233), covers(p.hostPort, 7233)]).toEqual([name, false, false]);
    }
  }
  expect(s.temporal!.ports ?? []).toEqual([]);
  expect(s.temporal!.network_mode).toBeUndefined();
  // On networks of its own, internal (no route out), shared only with the services that must talk to it.
  const temporalNets = networksOf('temporal');
  expect(temporalNets).not.toContain('default');
  for (const net of temporalNets) expect([net, compose.networks?.[net]?.internal]).toEqual([net, true]);
  const neighbours = Object.keys(s).filter(
    (name) => name !== 'temporal' && networksOf(name).some((n) => temporalNets.includes(n)),
  );
  expect(neighbours.sort()).toEqual(
    ['api', 'postgresql', 'temporal-admin-tools', 'temporal-create-namespace', 'temporal-ui', 'worker'].sort(),
  );
});

test('the Temporal UI cannot change runs and listens only on loopback unless it signs people in', () => {
  const ui = s['temporal-ui']!;
  const env = ui.environment ?? {};
  // Read-only: no terminate, reset, signal or batch action from the UI, whoever opens it.
  expect(String(env.TEMPORAL_DISABLE_WRITE_ACTIONS)).toBe('true');
  const oidc = String(env.TEMPORAL_AUTH_ENABLED) === 'true';
  if (oidc) for (const key of ['TEMPORAL_AUTH_PROVIDER_URL', 'TEMPORAL_AUTH_CLIENT_ID']) expect(env[key]).toBeTruthy();
  for (const spec of ui.ports ?? []) {
    const p = published(spec);
    if (!oidc) expect([p.hostIp, isLoopback(p.hostIp)]).toEqual([p.hostIp, true]);
  }
});

test('only the API is published on every interface; anything else published is on loopback', () => {
  for (const [name, service] of Object.entries(s)) {
    if (name === 'api') continue;
    for (const spec of service.ports ?? []) {
      const p = published(spec);
      expect([name, p.hostIp, isLoopback(p.hostIp)]).toEqual([name, p.hostIp, true]);
    }
  }
});
