import { eventually } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

/**
 * A command that decides goes to the thing whose whole name was said. A marketer's campaign named `o` sits in the
 * chairman's inbox beside the winter and summer promos; "o" is inside almost every word he says.
 */
let t: TestStack;
const ids: Record<string, string> = {};

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** The status of each campaign's approval, by the campaign's label in this test. */
async function decisions(): Promise<Record<string, string>> {
  const res = await client(t, 'chairman')('GET', '/v1/approvals');
  const out: Record<string, string> = {};
  for (const [label, id] of Object.entries(ids)) {
    const a = res.body.approvals.find((x: { subjectId: string }) => x.subjectId === id);
    out[label] = a?.status ?? 'missing';
  }
  return out;
}

const say = (text: string) => client(t, 'chairman')('POST', '/v1/commands', { text });

beforeAll(async () => {
  t = await startTestStack();
  const marketer = client(t, 'marketer');
  const venture = await marketer('POST', '/v1/ventures', { name: 'Acme', slug: 'acme', productName: 'Acme Notes' });
  const campaigns = { o: 'o', 'Winter promo': 'Winter promo', 'Summer promo': 'Summer promo' };
  // Two requests a voice cannot tell apart: the same name, the same amount.
  const twins = { 'Autumn push 1': 'Autumn push', 'Autumn push 2': 'Autumn push' };
  for (const [label, name] of Object.entries({ ...campaigns, ...twins })) {
    const created = await marketer('POST', '/v1/campaigns', {
      ventureId: venture.body.id,
      name,
      type: 'launch',
      channel: 'paid',
      platforms: ['google'],
      startDate: inDays(7),
      endDate: inDays(30),
      budget: 9000,
      currency: 'USD',
    });
    expect(created.status).toBe(201);
    ids[label] = created.body.id;
  }
  await eventually(async () => {
    const all = await decisions();
    return Object.values(all).every((s) => s === 'pending') ? true : undefined;
  }, 30_000);
}, 120_000);
afterAll(async () => t?.stop());

test('"approve the promo" with two promos waiting asks which one and decides nothing', async () => {
  const res = await say('approve the promo');
  expect(res.status).toBe(200);
  expect(res.body.result).toEqual({
    match: 'ambiguous',
    candidates: expect.arrayContaining([
      expect.stringContaining('Winter promo'),
      expect.stringContaining('Summer promo'),
    ]),
  });
  expect(res.body.result.candidates).toHaveLength(2);
  expect(res.body.speech).toMatch(/Which one\?$/);
  expect(await decisions()).toMatchObject({ o: 'pending', 'Winter promo': 'pending', 'Summer promo': 'pending' });
});

test('"summer promo" heard as "summa promo" approves the summer promo, not the campaign named o', async () => {
  const res = await say('approve the summa promo');
  expect(res.status).toBe(200);
  expect(res.body.speech).toMatch(/^Approved: Campaign Summer promo/);
  expect(await decisions()).toMatchObject({ o: 'pending', 'Winter promo': 'pending', 'Summer promo': 'approved' });
});

test('"approve the winter promo" approves the winter promo, not the campaign named o', async () => {
  const res = await say('Approve the winter promo.');
  expect(res.status).toBe(200);
  expect(res.body.speech).toMatch(/^Approved: Campaign Winter promo/);
  expect(await decisions()).toMatchObject({ o: 'pending', 'Winter promo': 'approved', 'Summer promo': 'approved' });
});

test('the campaign named o is still decided when its whole name is said', async () => {
  const res = await say('reject o because nobody knows what it is');
  expect(res.status).toBe(200);
  expect(res.body.speech).toMatch(/^Rejected: Campaign o:/);
  expect(await decisions()).toMatchObject({ o: 'rejected', 'Winter promo': 'approved', 'Summer promo': 'approved' });
});

test('two requests with the same name: the chairman is told to choose in the dashboard, and nothing is decided', async () => {
  const res = await say('approve the autumn push');
  expect(res.status).toBe(200);
  expect(res.body.result).toEqual({
    match: 'ambiguous',
    candidates: ['Campaign Autumn push: 9000.00 USD', 'Campaign Autumn push: 9000.00 USD'],
  });
  expect(res.body.speech).toMatch(/is called "Campaign Autumn push: 9000.00 USD", so I did nothing/);
  expect(await decisions()).toMatchObject({ 'Autumn push 1': 'pending', 'Autumn push 2': 'pending' });
});
