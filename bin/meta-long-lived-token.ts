import { debugToken, exchangeForLongLivedToken } from '../providers/ads/metaToken';

/**
 * `npm run -s meta:token`: exchanges the short-lived user token in META_ACCESS_TOKEN (from Graph API
 * Explorer or Facebook Login, valid about an hour) for a long-lived one (about 60 days), with the app in META_APP_ID
 * and META_APP_SECRET. The new token alone goes to stdout, so it can be captured; when it expires and what to do
 * with it go to stderr. Neither the app secret nor the old token is printed. META_BASE_URL points it elsewhere.
 */
async function main(): Promise<void> {
  const env = process.env;
  const missing = ['META_APP_ID', 'META_APP_SECRET', 'META_ACCESS_TOKEN'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `set ${missing.join(', ')} (META_ACCESS_TOKEN: a short-lived user token of the app, with ads_management)`,
    );
  }
  const app = {
    appId: env.META_APP_ID!,
    appSecret: env.META_APP_SECRET!,
    ...(env.META_BASE_URL ? { baseUrl: env.META_BASE_URL } : {}),
  };
  const { token, expiresAt } = await exchangeForLongLivedToken({ ...app, token: env.META_ACCESS_TOKEN! });
  // The data-access expiry (90 days after the user last used the app) can come before the token's own.
  const info = await debugToken({ ...app, token }).catch(() => undefined);
  process.stdout.write(`${token}\n`);
  const lines = [
    `Long-lived token issued; it expires ${expiresAt ?? info?.expiresAt ?? 'never (Meta gave no expiry)'}.`,
    ...(info?.dataAccessExpiresAt ? [`The app's access to the user's data lapses ${info.dataAccessExpiresAt}.`] : []),
    'Put it in META_ACCESS_TOKEN (replacing the short-lived one) and restart the worker;',
    'run this again with a fresh short-lived token before it expires.',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  console.error(`Cannot get a long-lived Meta token: ${(err as Error).message}`);
  process.exit(1);
});
