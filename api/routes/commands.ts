import { Router } from 'express';
import { z } from 'zod';
import { CommandService } from '../../services/commands';
import type { AppDeps } from '../app';
import { HttpError, parseOr400 } from '../errors';

export const commandBody = z
  .object({
    text: z.string().trim().min(1, 'say something').max(1000),
    /** The venture selected in the dashboard: the default for commands that need one and name none. */
    ventureId: z.uuid().optional(),
  })
  .strict();

/**
 * POST /v1/commands: a text or voice command in plain words, for every role. The answer names the intent, its
 * parameters, what was done and a sentence to show or speak; text it cannot place is intent `unknown`, not an error.
 */
export function commandRoutes({
  db,
  temporal,
  signer,
  influencerCache,
}: Pick<AppDeps, 'db' | 'temporal' | 'signer' | 'influencerCache'>): Router {
  const router = Router();
  const service = new CommandService(db, temporal, signer, influencerCache);
  router.post('/commands', async (req, res) => {
    const body = parseOr400(commandBody, req.body);
    if (!req.identity) throw new HttpError(401, 'a valid API key is required');
    const answer = await service.execute(body.text, {
      identity: req.identity,
      ...(body.ventureId ? { ventureId: body.ventureId } : {}),
    });
    res.status(answer.status).json(answer.body);
  });
  return router;
}
