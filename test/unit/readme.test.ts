import fs from 'node:fs';
import path from 'node:path';
import { envSchema } from '../../config/config';
import { comparisonOps, sequenceDefinitionSchema, stepSchema } from '../../domain/sequences/definition';
import { builtinTemplates } from '../../templates/builtins';

const root = path.resolve(__dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const sequencesDoc = fs.readFileSync(path.join(root, 'docs/sequences.md'), 'utf8');

test('the README configuration table lists every variable the product reads', () => {
  const missing = Object.keys(envSchema.shape).filter((name) => !readme.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

test('the README gives exactly the two commands: npm install && npm start, and npm test', () => {
  expect(readme).toContain('npm install && npm start');
  expect(readme).toMatch(/```sh\nnpm test\n```/);
  const ci = fs.readFileSync(path.resolve(__dirname, '../../.ci/run'), 'utf8');
  expect(ci).toMatch(/^npm test$/m);
});

test('the README points to the guides in docs/, each of which exists, and to the live reference at /docs', () => {
  const guides = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'));
  expect(guides).toContain('sequences.md');
  const linked = [...readme.matchAll(/\]\(docs\/([\w.-]+\.md)\)/g)].map((m) => m[1]);
  expect(linked).toContain('sequences.md');
  for (const file of linked) expect(guides).toContain(file);
  expect(readme).toMatch(/`\/docs`/);
});

test('the README quick start sets APP_URL before the first start, and says why', () => {
  const firstStart = readme.indexOf('npm install && npm start');
  const appUrl = readme.indexOf('APP_URL=');
  expect(appUrl).toBeGreaterThan(readme.indexOf('## Run it'));
  expect(appUrl).toBeLessThan(firstStart);
  expect(readme).toMatch(/\| `APP_URL` \| `PUBLIC_URL` \| \*\*set this first\*\*/);
});

describe('docs/sequences.md covers the language as the code defines it', () => {
  const stepTypes = stepSchema.options.map((o) => o.shape.type.value);

  test('every step type has its own section with an example', () => {
    expect(stepTypes.length).toBeGreaterThanOrEqual(7);
    for (const type of stepTypes) {
      const section = new RegExp(`### ${type}\\n[\\s\\S]*?"type": "${type}"`);
      expect({ type, documented: section.test(sequencesDoc) }).toEqual({ type, documented: true });
    }
  });

  test('every condition operator, and every top-level field of a definition', () => {
    const fields = Object.keys(sequenceDefinitionSchema.shape);
    const missing = [...comparisonOps, ...fields].filter((name) => !sequencesDoc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  test('every email template that ships, and no template that does not', () => {
    const ids = builtinTemplates()
      .filter((t) => t.kind === 'email')
      .map((t) => t.key);
    expect(ids.filter((id) => !sequencesDoc.includes(`\`${id}\``))).toEqual([]);
    const tables = sequencesDoc.slice(sequencesDoc.indexOf('## Templates'), sequencesDoc.indexOf('### Variables'));
    const named = [...tables.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(named.sort()).toEqual([...ids].sort());
  });
});
