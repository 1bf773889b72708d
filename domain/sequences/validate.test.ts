import type { SequenceDefinitionInput } from './definition';
import { validateSequence, type SequenceProblem, type SequenceValidation } from './validate';

const names = ['promo', 'tip', 'welcome'];
const templates = { has: (id: string) => names.includes(id), ids: () => names };
/** A catalogue in which two templates are declared transactional. */
const withReceipts = {
  has: (id: string) => templates.has(id) || id === 'receipt' || id === 'password_reset',
  ids: () => [...names, 'password_reset', 'receipt'].sort(),
  transactional: () => ['password_reset', 'receipt'],
};

function base(steps: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { key: 'test', name: 'Test', triggers: [{ event: 'signup' }], steps, ...extra };
}

function problems(result: SequenceValidation): SequenceProblem[] {
  if (result.ok) throw new Error(`expected problems, got a valid definition: ${JSON.stringify(result.definition)}`);
  return result.problems;
}

const send = (id: string, more: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  type: 'send',
  template: 'welcome',
  subject: 'Hi',
  ...more,
});

describe('validateSequence: schema', () => {
  it('accepts a valid definition and fills defaults', () => {
    const result = validateSequence(base([send('hello')]), templates);
    expect(result).toMatchObject({ ok: true, warnings: [] });
    if (!result.ok) return;
    expect(result.definition.category).toBe('marketing');
    expect(result.definition.reentry).toEqual({ mode: 'never' });
    expect(result.definition.exitOnUnsubscribe).toBe(true);
  });

  it('reports zod problems at their path, naming the step', () => {
    const got = problems(
      validateSequence(
        base([
          send('hello'),
          { id: 'wait_it', type: 'waitFor', event: 'x', timeout: '24h', onEvent: 'hello', onTimeout: 'hello' },
        ]),
        templates,
      ),
    );
    expect(got).toEqual([
      { path: 'steps.1.timeout', message: "step 'wait_it': must be an ISO-8601 duration like PT24H or P7D" },
    ]);
  });

  it('reports an unknown step type at steps.N.type', () => {
    const got = problems(validateSequence(base([send('a'), { id: 'b', type: 'sleep' }]), templates));
    expect(got).toHaveLength(1);
    expect(got[0]?.path).toBe('steps.1.type');
    expect(got[0]?.message).toMatch(/^step 'b': /);
  });

  it('digs into a failed condition union for the part that is wrong', () => {
    const got = problems(
      validateSequence(
        base([
          {
            id: 'pick',
            type: 'branch',
            condition: { all: [{ field: 'traits.plan', op: 'equals', value: 'pro' }] },
            then: 'pick',
            else: 'pick',
          },
        ]),
        templates,
      ),
    );
    expect(got[0]?.path).toBe('steps.0.condition.all.0.op');
    expect(got[0]?.message).toMatch(/Invalid option/);
  });

  it('reports sequence-level problems', () => {
    const got = problems(validateSequence({ key: 'Bad Key', name: '', steps: [] }, templates));
    expect(got.map((p) => p.path).sort()).toEqual(['key', 'name', 'steps']);
    expect(problems(validateSequence('not an object', templates))[0]?.path).toBe('');
  });

  it('needs exactly one of duration and until on a wait', () => {
    const got = problems(
      validateSequence(base([{ id: 'w', type: 'wait', duration: 'P1D', until: '09:00' }]), templates),
    );
    expect(got).toEqual([{ path: 'steps.0', message: "step 'w': a wait step needs exactly one of duration or until" }]);
  });
});

describe('validateSequence: semantics', () => {
  it('duplicate step ids', () => {
    const got = problems(validateSequence(base([send('a'), send('b'), send('a')]), templates));
    expect(got).toEqual([{ path: 'steps.2.id', message: "step 'a': the id is already used by steps.0" }]);
  });

  it.each([
    [{ ...send('a'), next: 'nowhere' }, 'steps.0.next'],
    [{ id: 'a', type: 'goto', target: 'nowhere' }, 'steps.0.target'],
    [
      { id: 'a', type: 'branch', condition: { field: 'traits.x', op: 'exists' }, then: 'end', else: 'nowhere' },
      'steps.0.else',
    ],
    [
      { id: 'a', type: 'branch', condition: { field: 'traits.x', op: 'exists' }, then: 'nowhere', else: 'end' },
      'steps.0.then',
    ],
    [{ id: 'a', type: 'waitFor', event: 'e', timeout: 'P1D', onEvent: 'nowhere', onTimeout: 'end' }, 'steps.0.onEvent'],
    [
      { id: 'a', type: 'waitFor', event: 'e', timeout: 'P1D', onEvent: 'end', onTimeout: 'nowhere' },
      'steps.0.onTimeout',
    ],
    [
      {
        id: 'a',
        type: 'split',
        variants: [
          { key: 'x', weight: 1, next: 'end' },
          { key: 'y', weight: 1, next: 'nowhere' },
        ],
      },
      'steps.0.variants.1.next',
    ],
  ])('a reference to a missing step: %j at %s', (step, path) => {
    const got = problems(validateSequence(base([step, { id: 'end', type: 'exit' }]), templates));
    expect(got).toEqual([{ path, message: "step 'a' leads to 'nowhere', which is no step" }]);
  });

  it('an unknown template is refused with the templates there are', () => {
    const got = problems(validateSequence(base([send('a'), send('b', { template: 'nope' })]), templates));
    expect(got).toEqual([
      {
        path: 'steps.1.template',
        message: "step 'b': there is no email template 'nope'; the templates are: promo, tip, welcome",
      },
    ]);
  });

  it('a catalogue that cannot list its templates still names the unknown one', () => {
    const got = problems(validateSequence(base([send('a', { template: 'nope' })]), { has: (id) => id === 'welcome' }));
    expect(got).toEqual([{ path: 'steps.0.template', message: "step 'a': there is no email template 'nope'" }]);
  });

  it('duplicate variant keys', () => {
    const got = problems(
      validateSequence(
        base([
          {
            id: 'ab',
            type: 'split',
            variants: [
              { key: 'x', weight: 1, next: 'a' },
              { key: 'x', weight: 1, next: 'b' },
            ],
          },
          send('a', { next: 'b' }),
          send('b'),
        ]),
        templates,
      ),
    );
    expect(got.map((p) => p.path)).toEqual(['steps.0.variants.1.key']);
  });

  describe('loops', () => {
    it('a goto back to a send with no wait in between is a problem at the goto', () => {
      const got = problems(
        validateSequence(base([send('a'), send('b'), { id: 'again', type: 'goto', target: 'a' }]), templates),
      );
      expect(got).toHaveLength(1);
      expect(got[0]?.path).toBe('steps.2.target');
      expect(got[0]?.message).toBe(
        "step 'again' closes a loop ('a', 'b', 'again') with no wait or waitFor in it, which would repeat without pause",
      );
    });

    it('a step that is its own next', () => {
      const got = problems(validateSequence(base([send('a', { next: 'a' })]), templates));
      expect(got.map((p) => p.path)).toEqual(['steps.0.next']);
    });

    it('a loop through a branch', () => {
      const got = problems(
        validateSequence(
          base([
            send('a'),
            { id: 'check', type: 'branch', condition: { field: 'traits.done', op: 'exists' }, then: 'end', else: 'a' },
            { id: 'end', type: 'exit' },
          ]),
          templates,
        ),
      );
      expect(got.map((p) => p.path)).toEqual(['steps.1.else']);
    });

    it('a loop through a split', () => {
      const got = problems(
        validateSequence(
          base([
            {
              id: 'ab',
              type: 'split',
              variants: [
                { key: 'x', weight: 1, next: 'a' },
                { key: 'y', weight: 1, next: 'b' },
              ],
            },
            send('a', { next: 'ab' }),
            send('b'),
          ]),
          templates,
        ),
      );
      expect(got.map((p) => p.path)).toEqual(['steps.1.next']);
    });

    it('a loop with a wait in it is fine, and so is one through a waitFor', () => {
      expect(
        validateSequence(
          base([send('a'), { id: 'w', type: 'wait', duration: 'P7D' }, { id: 'again', type: 'goto', target: 'a' }]),
          templates,
        ).ok,
      ).toBe(true);
      expect(
        validateSequence(
          base([send('a'), { id: 'w', type: 'wait', until: '09:00' }, { id: 'again', type: 'goto', target: 'a' }]),
          templates,
        ).ok,
      ).toBe(true);
      expect(
        validateSequence(
          base([send('a'), { id: 'w', type: 'waitFor', event: 'e', timeout: 'P1D', onEvent: 'a', onTimeout: 'a' }]),
          templates,
        ).ok,
      ).toBe(true);
    });

    it('a zero wait does not count as a wait', () => {
      const got = problems(
        validateSequence(
          base([send('a'), { id: 'w', type: 'wait', duration: 'PT0S' }, { id: 'again', type: 'goto', target: 'a' }]),
          templates,
        ),
      );
      expect(got.map((p) => p.path)).toEqual(['steps.2.target']);
      const check = problems(
        validateSequence(
          base([send('a'), { id: 'w', type: 'waitFor', event: 'e', timeout: 'PT0S', onEvent: 'a', onTimeout: 'a' }]),
          templates,
        ),
      );
      expect(check.map((p) => p.path)).toEqual(['steps.1.onEvent']);
    });

    it('reports each separate loop once', () => {
      const got = problems(
        validateSequence(
          base([
            send('a', { next: 'b' }),
            send('b', { next: 'a' }),
            send('c', { next: 'c' }),
            { id: 'link', type: 'goto', target: 'a' },
          ]),
          templates,
        ),
      );
      expect(got.map((p) => p.path)).toEqual(['steps.1.next', 'steps.2.next']);
    });
  });

  it('unreachable steps are warnings, not problems', () => {
    const result = validateSequence(
      base([send('a', { next: 'end' }), send('orphan'), { id: 'end', type: 'exit' }]),
      templates,
    );
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      { path: 'steps.1', message: "step 'orphan' can never be reached from the first step" },
    ]);
  });

  it('a goal met by the trigger event itself', () => {
    const got = problems(validateSequence(base([send('a')], { goals: [{ event: 'signup' }] }), templates));
    expect(got).toEqual([
      {
        path: 'goals.0.event',
        message:
          "goal 'signup' is met by the very event that enrolls the contact (triggers.0), so every enrollment would convert at once",
      },
    ]);
  });

  it('the same event as trigger and goal with different conditions is only a warning', () => {
    const result = validateSequence(
      base([send('a')], {
        triggers: [{ event: 'plan_changed', where: { field: 'event.properties.plan', op: 'eq', value: 'free' } }],
        goals: [{ event: 'plan_changed', where: { field: 'event.properties.plan', op: 'eq', value: 'pro' } }],
      }),
      templates,
    );
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.path)).toEqual(['goals.0.where']);
  });

  it('the same event with the same condition (keys in another order) is a problem', () => {
    const got = problems(
      validateSequence(
        base([send('a')], {
          triggers: [{ event: 'paid', where: { field: 'event.properties.plan', op: 'eq', value: 'pro' } }],
          goals: [{ event: 'paid', where: { value: 'pro', op: 'eq', field: 'event.properties.plan' } }],
        }),
        templates,
      ),
    );
    expect(got.map((p) => p.path)).toEqual(['goals.0.event']);
  });

  it('settings that contradict each other', () => {
    expect(
      problems(validateSequence(base([send('a')], { reentry: { mode: 'after', after: 'PT0S' } }), templates)).map(
        (p) => p.path,
      ),
    ).toEqual(['reentry.after']);
    expect(
      problems(validateSequence(base([send('a')], { quietHours: { start: '22:00', end: '22:00' } }), templates)).map(
        (p) => p.path,
      ),
    ).toEqual(['quietHours']);
    expect(
      problems(validateSequence(base([send('a')], { exitOnUnsubscribe: false }), templates)).map((p) => p.path),
    ).toEqual(['exitOnUnsubscribe']);
    expect(
      validateSequence(
        base([send('a', { template: 'receipt' })], { category: 'transactional', exitOnUnsubscribe: false }),
        withReceipts,
      ).ok,
    ).toBe(true);
  });

  it('warns about a wait until a time inside quiet hours, and re-entry with no trigger', () => {
    const result = validateSequence(
      base([{ id: 'morning', type: 'wait', until: '07:00' }, send('a')], {
        triggers: [],
        reentry: { mode: 'always' },
        quietHours: { start: '21:00', end: '08:00' },
      }),
      templates,
    );
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.path)).toEqual(['reentry', 'steps.0.until']);
    expect(result.warnings[1]?.message).toMatch(/'morning' waits until 07:00, inside quiet hours 21:00-08:00/);
  });

  it('does not warn about a wait until a time outside a same-day window', () => {
    const input: SequenceDefinitionInput = {
      key: 'lunch',
      name: 'Lunch',
      quietHours: { start: '12:00', end: '13:00' },
      steps: [
        { id: 'w', type: 'wait', until: '13:00' },
        { id: 'a', type: 'send', template: 'welcome', subject: 'Hi' },
      ],
    };
    expect(validateSequence(input, templates)).toMatchObject({ ok: true, warnings: [] });
  });

  it('collects several problems at once', () => {
    const got = problems(
      validateSequence(
        base([send('a', { template: 'nope' }), send('a', { next: 'ghost' })], { goals: [{ event: 'signup' }] }),
        templates,
      ),
    );
    expect(got.map((p) => p.path).sort()).toEqual(['goals.0.event', 'steps.0.template', 'steps.1.id', 'steps.1.next']);
  });
});

describe('validateSequence: what a sequence may send, and from whom', () => {
  const transactional = (steps: unknown[]) => base(steps, { category: 'transactional', exitOnUnsubscribe: false });

  it('a transactional sequence sends only templates declared transactional', () => {
    expect(validateSequence(transactional([send('a', { template: 'receipt' })]), withReceipts).ok).toBe(true);
    expect(
      problems(
        validateSequence(
          transactional([send('a', { template: 'receipt' }), send('b', { template: 'promo' })]),
          withReceipts,
        ),
      ),
    ).toEqual([
      {
        path: 'steps.1.template',
        message:
          "step 'b': 'promo' is a marketing template, and a transactional sequence may send only transactional " +
          'templates: password_reset, receipt. Make the sequence marketing to send it.',
      },
    ]);
  });

  it('with a catalogue that declares nothing transactional, no transactional sequence passes', () => {
    expect(problems(validateSequence(transactional([send('a')]), templates))).toEqual([
      { path: 'steps.0.template', message: expect.stringMatching(/transactional templates: there are none/) },
    ]);
  });

  it('an unknown template in a transactional sequence is reported once, as unknown', () => {
    expect(problems(validateSequence(transactional([send('a', { template: 'nope' })]), withReceipts))).toEqual([
      {
        path: 'steps.0.template',
        message:
          "step 'a': there is no email template 'nope'; a transactional sequence may send: password_reset, receipt",
      },
    ]);
  });

  const allowedSenders = ['hello@acme.example', '@news.acme.example'];

  it('a step may name an allowed sender, with or without a display name', () => {
    const steps = [
      send('a', { from: 'hello@acme.example' }),
      send('b', { from: 'Ada at Acme <HELLO@acme.example>' }),
      send('c', { from: '"Acme, News" <weekly@news.acme.example>' }),
    ];
    expect(validateSequence(base(steps), templates, { allowedSenders }).ok).toBe(true);
  });

  it('a sender that is not allowed, not one mailbox, or carries a line break is a problem at steps.N.from', () => {
    const got = problems(
      validateSequence(
        base([
          send('a', { from: 'Chairman <chairman@bigbank.example>' }),
          send('b', { from: 'hello@acme.example\r\nBcc: everyone@example.com' }),
          send('c', { from: 'hello@acme.example, ceo@acme.example' }),
          send('d', { from: 'x@evil.news.acme.example' }),
        ]),
        templates,
        { allowedSenders },
      ),
    );
    expect(got.map((p) => p.path)).toEqual(['steps.0.from', 'steps.1.from', 'steps.2.from', 'steps.3.from']);
    expect(got[0]?.message).toBe(
      "step 'a': chairman@bigbank.example is not an allowed sender (allowed: hello@acme.example, @news.acme.example)",
    );
    expect(got[1]?.message).toMatch(/^step 'b': must be one address .*\(allowed: hello@acme\.example, @news/);
  });

  it('without an allowed list, no step may name a sender', () => {
    expect(problems(validateSequence(base([send('a', { from: 'hello@acme.example' })]), templates))).toEqual([
      { path: 'steps.0.from', message: expect.stringMatching(/not an allowed sender \(allowed: none/) },
    ]);
  });
});

describe('validateSequence: segment triggers and exits', () => {
  const segments = ['free-us', 'pro-de'];

  it('accepts known segments and stores the definition as written', () => {
    const input = base([send('a')], { triggers: [{ segmentEntered: 'pro-de' }], exits: [{ segmentLeft: 'pro-de' }] });
    const result = validateSequence(input, templates, { segments });
    expect(result).toMatchObject({ ok: true, warnings: [] });
    if (!result.ok) return;
    expect(result.definition.triggers).toEqual([{ segmentEntered: 'pro-de' }]);
    expect(result.definition.exits).toEqual([{ segmentLeft: 'pro-de' }]);
  });

  it('refuses an unknown segment, naming the field and the segments there are', () => {
    const input = base([send('a')], {
      triggers: [{ event: 'signup' }, { segmentEntered: 'pro-dee' }],
      exits: [{ event: 'closed' }, { segmentLeft: 'gone' }],
    });
    expect(problems(validateSequence(input, templates, { segments }))).toEqual([
      {
        path: 'triggers.1.segmentEntered',
        message: "there is no segment 'pro-dee'; the segments are: free-us, pro-de",
      },
      { path: 'exits.1.segmentLeft', message: "there is no segment 'gone'; the segments are: free-us, pro-de" },
    ]);
    expect(problems(validateSequence(input, templates, { segments: [] }))[0]?.message).toBe(
      "there is no segment 'pro-dee'; there is no segment yet",
    );
  });

  it('refuses an exit met by the enrolling event, and a trigger with both an event and a segment', () => {
    const same = base([send('a')], { exits: [{ event: 'signup' }] });
    expect(problems(validateSequence(same, templates))).toEqual([
      {
        path: 'exits.0.event',
        message:
          "exit 'signup' is met by the very event that enrolls the contact (triggers.0), so every enrollment would end at once",
      },
    ]);
    const both = base([send('a')], { triggers: [{ event: 'signup', segmentEntered: 'pro-de' }] });
    expect(problems(validateSequence(both, templates)).map((p) => p.path)).toEqual(['triggers.0']);
  });

  it('leaves a definition without exits without them', () => {
    const result = validateSequence(base([send('a')]), templates);
    expect(result.ok && 'exits' in result.definition).toBe(false);
  });
});
