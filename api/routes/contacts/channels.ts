import { z } from 'zod';
import { ContactStore, type Contact } from '../../../db/stores/contacts';
import { DEVICE_PLATFORMS, DeviceStore, type Device } from '../../../db/stores/devices';
import { SmsConsentStore } from '../../../db/stores/smsConsent';
import type { RouteDeps } from '../../deps';
import { conflict, notFound } from '../../errors';
import { defineRoute, ok, r400, r403, r404, WRITERS, type AnyRoute } from '../../registry';
import { externalId } from './shape';

const consentView = z.object({
  phone: z.string().nullable(),
  smsConsent: z.object({ at: z.iso.datetime(), source: z.string() }).nullable(),
  history: z.array(
    z.object({ phone: z.string(), action: z.enum(['opt_in', 'opt_out']), source: z.string(), at: z.iso.datetime() }),
  ),
});

const deviceView = z.object({
  id: z.uuid(),
  platform: z.enum(DEVICE_PLATFORMS),
  /** The token's last 8 characters: enough to tell devices apart, not enough to push to one. */
  tokenEnd: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
const presentDevice = (d: Device) => ({
  id: d.id,
  platform: d.platform,
  tokenEnd: d.token.slice(-8),
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/**
 * The channels of a contact beyond email: consent to text messages (given with where it was given, withdrawn by
 * STOP or here, every change kept) and the push devices the contact's app registered.
 */
export function channelRoutes({ db }: Pick<RouteDeps, 'db' | 'config'>): AnyRoute[] {
  const contacts = new ContactStore(db);
  const consent = new SmsConsentStore(db);
  const devices = new DeviceStore(db);
  const tag = 'Contacts';
  const contactOf = async (id: string): Promise<Contact> => {
    const contact = await contacts.getByExternalId(id);
    if (!contact) throw notFound(`contact ${id}`);
    return contact;
  };
  const consentOf = async (contact: Contact) => {
    const now = (await contacts.getById(contact.id))!;
    return { phone: now.phone, smsConsent: now.smsConsent, history: await consent.history(contact.id) };
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id/sms-consent',
      summary: "A contact's consent to text messages, with its history",
      tag,
      access: 'any',
      params: z.object({ id: externalId }),
      response: consentView,
      responses: { ...ok('the consent and its changes, newest first'), ...r404 },
      handler: async ({ params }, _req, res) => {
        res.json(await consentOf(await contactOf(params.id)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/contacts/:id/sms-consent',
      summary: 'Record that the contact opted in to text messages, and where',
      description: 'Consent is for the contact’s current phone number; a new number needs it again.',
      tag,
      access: WRITERS,
      params: z.object({ id: externalId }),
      body: z.object({ source: z.string().trim().min(1).max(200) }).strict(),
      response: consentView,
      responses: { ...ok('recorded'), ...r400, ...r403, ...r404, '409': 'the contact has no phone number' },
      example: { body: { source: 'signup form: "Text me updates" checkbox' } },
      handler: async ({ params, body }, _req, res) => {
        const contact = await contactOf(params.id);
        if (!(await consent.optIn(contact.id, body.source))) {
          throw conflict(`contact ${params.id} has no phone number: set phone (POST /v1/contacts) first`);
        }
        res.json(await consentOf(contact));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/contacts/:id/sms-consent',
      summary: 'Withdraw the contact’s consent to text messages (as a STOP reply does)',
      tag,
      access: WRITERS,
      params: z.object({ id: externalId }),
      response: consentView,
      responses: { ...ok('withdrawn (or never given)'), ...r403, ...r404 },
      handler: async ({ params }, req, res) => {
        const contact = await contactOf(params.id);
        await consent.optOut(contact.id, `api:${req.identity?.name ?? 'unknown'}`);
        res.json(await consentOf(contact));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/contacts/:id/devices',
      summary: "A contact's push devices",
      tag,
      access: 'any',
      params: z.object({ id: externalId }),
      response: z.object({ devices: z.array(deviceView) }),
      responses: { ...ok('the devices, oldest first'), ...r404 },
      handler: async ({ params }, _req, res) => {
        const contact = await contactOf(params.id);
        res.json({ devices: (await devices.list(contact.id)).map(presentDevice) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/contacts/:id/devices',
      summary: 'Register a push device (its FCM registration token) for the contact',
      description: 'A token registered again moves to this contact (a shared device) and is not duplicated.',
      tag,
      access: WRITERS,
      params: z.object({ id: externalId }),
      body: z
        .object({
          token: z
            .string()
            .trim()
            .min(20)
            .max(4096)
            .regex(/^[A-Za-z0-9_:.-]+$/, 'must be an FCM registration token (letters, digits, _ : . -)'),
          platform: z.enum(DEVICE_PLATFORMS),
        })
        .strict(),
      response: deviceView,
      responses: { '201': 'registered', '200': 'already registered', ...r400, ...r403, ...r404 },
      handler: async ({ params, body }, _req, res) => {
        const contact = await contactOf(params.id);
        const { device, created } = await devices.register(contact.id, body.token, body.platform);
        res.status(created ? 201 : 200).json(presentDevice(device));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/contacts/:id/devices/:deviceId',
      summary: 'Remove a push device of the contact (signed out, uninstalled)',
      tag,
      access: WRITERS,
      params: z.object({ id: externalId, deviceId: z.uuid() }),
      responses: { '204': 'removed', ...r400, ...r403, ...r404 },
      handler: async ({ params }, _req, res) => {
        const contact = await contactOf(params.id);
        if (!(await devices.remove(contact.id, params.deviceId))) throw notFound(`device ${params.deviceId}`);
        res.status(204).end();
      },
    }),
  ];
}
