import type { Db } from '../knex';

/** A change of a contact's SMS consent, as its history keeps it. */
export interface SmsConsentChange {
  phone: string;
  action: 'opt_in' | 'opt_out';
  source: string;
  at: Date;
}

/**
 * Explicit consent to text messages, per contact and for the number it was given for: who opted in, when and where
 * (a signup form, an import, a START reply), and who withdrew it (STOP, an operator). Every change is kept.
 */
export class SmsConsentStore {
  constructor(private readonly db: Db) {}

  /** Records consent for the contact's current number; false when the contact has no number (nothing recorded). */
  async optIn(contactId: string, source: string, at = new Date()): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const [row] = await trx('contacts')
        .where({ id: contactId })
        .whereNotNull('phone')
        .update({ sms_consent_at: at, sms_consent_source: source.slice(0, 200), updated_at: trx.fn.now() })
        .returning(['phone']);
      if (!row) return false;
      await trx('sms_consent_changes').insert({
        contact_id: contactId,
        phone: row.phone,
        action: 'opt_in',
        source,
        at,
      });
      return true;
    });
  }

  /** Withdraws the consent of one contact; true when they had given it. */
  async optOut(contactId: string, source: string, at = new Date()): Promise<boolean> {
    return (await this.withdraw(this.db('contacts').where({ id: contactId }), source, at)) > 0;
  }

  /**
   * Withdraws the consent of every contact with this number (a STOP from the phone speaks for all of them); answers
   * how many had given it.
   */
  async optOutPhone(phone: string, source: string, at = new Date()): Promise<number> {
    return this.withdraw(this.db('contacts').where({ phone }), source, at);
  }

  /** Consent again for every contact with this number that gave it before and withdrew it (a START reply). */
  async optInPhone(phone: string, source: string, at = new Date()): Promise<number> {
    const ids: string[] = await this.db('contacts').where({ phone }).pluck('id');
    let n = 0;
    for (const id of ids) if (await this.optIn(id, source, at)) n++;
    return n;
  }

  /** The contact's consent history, newest first. */
  async history(contactId: string): Promise<SmsConsentChange[]> {
    const rows = await this.db('sms_consent_changes').where({ contact_id: contactId }).orderBy('id', 'desc').limit(100);
    return rows.map((r) => ({ phone: r.phone, action: r.action, source: r.source, at: r.at }));
  }

  private async withdraw(contacts: ReturnType<Db>, source: string, at: Date): Promise<number> {
    return this.db.transaction(async (trx) => {
      const rows: { id: string; phone: string }[] = await contacts
        .clone()
        .transacting(trx)
        .whereNotNull('sms_consent_at')
        .update({ sms_consent_at: null, sms_consent_source: null, updated_at: trx.fn.now() })
        .returning(['id', 'phone']);
      if (rows.length > 0) {
        await trx('sms_consent_changes').insert(
          rows.map((r) => ({ contact_id: r.id, phone: r.phone, action: 'opt_out', source, at })),
        );
      }
      return rows.length;
    });
  }
}
