import type { Db } from '../knex';

export const DEVICE_PLATFORMS = ['ios', 'android', 'web'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

/** A push device of a contact: the token FCM knows it by. */
export interface Device {
  id: string;
  contactId: string;
  token: string;
  platform: DevicePlatform;
  createdAt: Date;
  updatedAt: Date;
}

const toDevice = (r: Record<string, unknown>): Device => ({
  id: r.id as string,
  contactId: r.contact_id as string,
  token: r.token as string,
  platform: r.platform as DevicePlatform,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

/** Contacts' push devices. A token belongs to one contact: registering it again moves it (a shared device). */
export class DeviceStore {
  constructor(private readonly db: Db) {}

  /** Registers the token for the contact; answers the device and whether it is new. */
  async register(
    contactId: string,
    token: string,
    platform: DevicePlatform,
  ): Promise<{ device: Device; created: boolean }> {
    const [row] = await this.db('contact_devices')
      .insert({ contact_id: contactId, token, platform })
      .onConflict('token')
      .merge({ contact_id: contactId, platform, updated_at: this.db.fn.now() })
      .returning(['*', this.db.raw('(xmax = 0) AS created')]);
    return { device: toDevice(row), created: Boolean(row.created) };
  }

  async list(contactId: string): Promise<Device[]> {
    const rows = await this.db('contact_devices').where({ contact_id: contactId }).orderBy('created_at', 'asc');
    return rows.map(toDevice);
  }

  /** Removes one device of the contact; false when the contact has no such device. */
  async remove(contactId: string, id: string): Promise<boolean> {
    return (await this.db('contact_devices').where({ contact_id: contactId, id }).del()) > 0;
  }

  /** Removes a token the provider said is invalid (the app was uninstalled, the token expired). */
  async removeToken(token: string): Promise<void> {
    await this.db('contact_devices').where({ token }).del();
  }
}
