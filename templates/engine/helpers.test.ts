import { formatDateTime, formatMoney } from '../../domain/format';
import { renderArtifact } from './render';
import type { Artifact } from './types';

function text(source: string, vars: Record<string, unknown>, locale?: string): string {
  const artifact: Artifact = { subject: 'S', html: source, text: source, partials: {} };
  return renderArtifact(`helpers/${source}`, artifact, vars, locale ? { locale } : {}).text;
}

const trigger = { trialEndsAt: '2026-12-03T10:30:00Z', day: '2026-12-03', seats: 1234.5 };

describe('locale-aware helpers', () => {
  it('formats a date for the locale', () => {
    expect(text('{{date trigger.trialEndsAt}}', { trigger }, 'en')).toBe('3 December 2026');
    expect(text('{{date trigger.trialEndsAt}}', { trigger }, 'de')).toBe('3. Dezember 2026');
    expect(text('{{date trigger.day}}', { trigger }, 'de-DE')).toBe('3. Dezember 2026');
    expect(text('{{date trigger.trialEndsAt}}', { trigger })).toBe('3 December 2026');
  });

  it('shows text that is no date as it was given', () => {
    expect(text('{{date trigger.when}}', { trigger: { when: 'next Tuesday' } }, 'de')).toBe('next Tuesday');
  });

  it('formats a number for the locale', () => {
    expect(text('{{number trigger.seats}}', { trigger }, 'en')).toBe('1,234.5');
    expect(text('{{number trigger.seats}}', { trigger }, 'de')).toBe('1.234,5');
    expect(text('{{number trigger.seats}}', { trigger: { seats: 'many' } }, 'de')).toBe('many');
  });

  it('keeps the meaning of money and utcDateTime, formatted for the locale', () => {
    const approval = { amount: '12000.00', currency: 'EUR', expires_at: '2026-12-02T09:00:00Z' };
    expect(text('{{money approval.amount approval.currency}}', { approval }, 'en')).toBe(
      formatMoney('12000.00', 'EUR'),
    );
    expect(text('{{utcDateTime approval.expires_at}}', { approval }, 'en')).toBe(
      formatDateTime('2026-12-02T09:00:00Z'),
    );
    expect(text('{{money approval.amount approval.currency}}', { approval }, 'de')).toBe('12.000,00\u00a0€');
    expect(text('{{utcDateTime approval.expires_at}}', { approval }, 'de')).toBe('2. Dezember 2026, 09:00 UTC');
  });

  it('falls back to English for a locale Intl does not accept', () => {
    expect(text('{{date trigger.trialEndsAt}}', { trigger }, 'not a locale!')).toBe('3 December 2026');
  });

  it('keeps or and humanize', () => {
    expect(text('{{or event.code trigger.code "none"}}', { event: {}, trigger: { code: 'X1' } })).toBe('X1');
    expect(text('{{humanize kind}}', { kind: 'budget_change' })).toBe('budget change');
  });
});
