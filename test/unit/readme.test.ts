import fs from 'node:fs';
import path from 'node:path';
import { envSchema } from '../../config/config';

const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

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
