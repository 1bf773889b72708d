import { z } from 'zod';
import { CommandService } from '../../services/commands';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { defineRoute, r400, type AnyRoute } from '../registry';

export const commandBody = z
  .object({
    text: z.string().trim().min(1, 'say something').max(1000),
    /** The venture selected in the dashboard: the default for commands that need one and name none. */
    ventureId: z.uuid().optional(),
  })
  .strict();

const commandAnswer = z.object({
  intent: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  result: z.record(z.string(), z.unknown()).nullable(),
  /** A sentence to show or speak. */
  speech: z.string(),
  error: z.string().optional(),
});

/**
 * POST /v1/commands: a text or voice command in plain words, for every role. The answer names the intent, its
 * parameters, what was done and a sentence to show or speak; text it cannot place is intent `unknown`, not an error.
 */
export function commandRoutes({
  db,
  temporal,
  signer,
  influencerCache,
}: Pick<AppDeps, 'db' | 'temporal' | 'signer' | 'influencerCache'>): AnyRoute[] {
  const service = new CommandService(db, temporal, signer, influencerCache);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/commands',
      summary: 'A text or voice command in plain words',
      tag: 'Commands',
      access: 'any',
      body: commandBody,
      response: commandAnswer,
      responses: {
        '200': 'understood (or intent `unknown` with what is understood): { intent, parameters, result, speech }',
        ...r400,
        '403': 'the command’s action needs another role (only the chairman approves); speech says so',
        '409': 'the action is not allowed in the current state; speech says why',
      },
      example: { body: { text: 'pause campaign Always-on Search' } },
      handler: async ({ body }, req, res) => {
        // Every /v1 request has passed authentication; the check narrows the type.
        if (!req.identity) throw new HttpError(401, 'a valid API key is required');
        const answer = await service.execute(body.text, {
          identity: { ...req.identity, via: 'command' },
          ...(body.ventureId ? { ventureId: body.ventureId } : {}),
        });
        res.status(answer.status).json(answer.body);
      },
    }),
  ];
}
