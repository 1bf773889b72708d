import type { ChannelProviders } from '../../activities/channels';
import { FcmPush } from '../../providers/push/fcm';
import { TwilioSms } from '../../providers/sms/twilio';
import type { FakeFcm } from './fakeFcm';
import type { FakeTwilio } from './fakeTwilio';

/** The SMS and push providers, each pointed at its local fake; texts go from +15005550006. */
export function fakeChannelProviders(twilio: FakeTwilio, fcm: FakeFcm): ChannelProviders {
  return {
    sms: new TwilioSms({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: '+15005550006',
      baseUrl: twilio.url,
    }),
    push: new FcmPush({ serviceAccount: fcm.serviceAccount, baseUrl: fcm.url }),
  };
}
