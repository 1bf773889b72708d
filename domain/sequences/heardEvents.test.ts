import { sequenceDefinitionSchema } from './definition';
import { heardEvents } from './heardEvents';

const steps = [
  { id: 'hello', type: 'send', template: 'welcome', subject: 'Hi' },
  { id: 'wait', type: 'waitFor', event: 'note_created', timeout: 'P1D', onEvent: 'hello', onTimeout: 'hello' },
];

describe('heardEvents', () => {
  it('hears goals, waitFor events and exits, a segment exit as segment.left', () => {
    const definition = sequenceDefinitionSchema.parse({
      key: 's',
      name: 'S',
      triggers: [{ segmentEntered: 'pro-de' }],
      goals: [{ event: 'subscribed' }],
      exits: [{ segmentLeft: 'pro-de' }, { event: 'account_closed' }],
      steps,
    });
    expect([...heardEvents(definition)].sort()).toEqual([
      'account_closed',
      'note_created',
      'segment.left',
      'subscribed',
    ]);
  });

  it('does not hear the trigger, nor segment.left without a segment exit', () => {
    const definition = sequenceDefinitionSchema.parse({
      key: 's',
      name: 'S',
      triggers: [{ segmentEntered: 'a' }],
      steps,
    });
    expect([...heardEvents(definition)]).toEqual(['note_created']);
  });
});
