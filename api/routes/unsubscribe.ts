import { Router, urlencoded } from 'express';
import { ContactStore } from '../../db/stores/contacts';
import { EnrollmentStore } from '../../db/stores/enrollments';
import { AuditLog } from '../../db/stores/audit';
import { unsubscribeSignal } from '../../workflows/sequenceWorkflow';
import type { AppDeps } from '../app';

/**
 * The link in every marketing email. GET (a person clicking) and POST (a mail client's RFC 8058 one-click
 * request) both unsubscribe; the token is signed, so nobody can unsubscribe someone else.
 */
export function unsubscribeRoutes({ db, temporal, signer }: Pick<AppDeps, 'db' | 'temporal' | 'signer'>): Router {
  const router = Router();
  const contacts = new ContactStore(db);
  const enrollments = new EnrollmentStore(db);
  const audit = new AuditLog(db);

  const handle = async (token: string): Promise<boolean> => {
    const contactId = signer.verify('unsubscribe', token);
    if (!contactId) return false;
    await contacts.unsubscribe(contactId);
    await audit.record({
      actor: `contact:${contactId}`,
      action: 'contact.unsubscribed',
      subjectType: 'contact',
      subjectId: contactId,
    });
    const active = await enrollments.listActiveForContacts([contactId]);
    await Promise.all(
      active.map((e) =>
        temporal.workflow
          .getHandle(e.workflowId)
          .signal(unsubscribeSignal)
          .catch(() => undefined),
      ),
    );
    return true;
  };

  router.get('/u/:token', async (req, res) => {
    const ok = await handle(req.params.token);
    res
      .status(ok ? 200 : 400)
      .type('html')
      .send(
        ok
          ? '<!doctype html><title>Unsubscribed</title><p>You are unsubscribed and will get no more marketing email from us.</p>'
          : '<!doctype html><title>Link not valid</title><p>This unsubscribe link is not valid or has expired.</p>',
      );
  });
  router.post('/u/:token', urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    const ok = await handle(req.params.token);
    res.status(ok ? 200 : 400).json(ok ? { unsubscribed: true } : { error: 'invalid or expired unsubscribe link' });
  });
  return router;
}
