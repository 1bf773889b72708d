// A local OpenID provider for the single sign-on tests, run in a child process (oidc-provider is ESM-only):
//   node test/harness/oidcProvider.mjs <port> <clientId> <secret> <redirectUri>
// It prints `oidc provider ready <issuer>` once it listens on 127.0.0.1:<port>.
//
// People are set by the test: PUT /test/accounts/<id> with a JSON body of their claims (email, name, roles, ...).
// There is no login page: the authorization request's `login_hint` names the person who signs in, and consent is
// given at once, so a test drives the whole flow with plain HTTP redirects.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const [portArg, clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!portArg || !clientId || !clientSecret || !redirectUri) {
  process.stderr.write('usage: oidcProvider.mjs <port> <clientId> <secret> <redirectUri>\n');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${portArg}`;

/** Claims by account id, as the test last set them. */
const accounts = new Map();

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'test' }] },
  cookies: { keys: ['local provider cookie key for tests only'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'roles'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const claims = accounts.get(id);
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

/** Signs in the account the authorization request's login_hint names, or consents to what the client asked. */
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    const accountId = params.login_hint;
    if (typeof accountId !== 'string' || !accounts.has(accountId)) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`no test account named ${String(accountId)}`);
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** PUT /test/accounts/<id> {claims}: who that account is from now on. */
async function setAccount(req, res, id) {
  let body = '';
  for await (const chunk of req) body += chunk;
  accounts.set(id, JSON.parse(body || '{}'));
  res.writeHead(204).end();
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  const account = /^\/test\/accounts\/([^/]+)$/.exec(url.pathname);
  const handled =
    req.method === 'PUT' && account
      ? setAccount(req, res, decodeURIComponent(account[1]))
      : req.method === 'GET' && /^\/interaction\/[^/]+$/.test(url.pathname)
        ? interaction(req, res)
        : undefined;
  if (!handled) return callback(req, res);
  handled.catch((err) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`interaction failed: ${err?.message ?? err}`);
  });
});
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write(`oidc provider ready ${issuer}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
