import { PermanentEmailError } from '../email/types';
import { UnsafeWebhookUrlError, assertPublicUrl, isPrivateAddress, resolvePublicUrl } from './addressGuard';

/** A resolver that answers from a fixed table and counts its look-ups. */
function resolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup = async (host: string): Promise<string[]> => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses;
  };
  return { lookup, asked };
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnsafeWebhookUrlError);
  expect(err).toBeInstanceOf(PermanentEmailError);
  return err as Error;
}

const strict = { allowPrivate: false, lookup: resolver({}).lookup };

describe('assertPublicUrl', () => {
  it.each([
    ['loopback', 'http://127.0.0.1/hook'],
    ['loopback, decimal', 'http://2130706433/hook'],
    ['loopback, hex', 'http://0x7f.1/hook'],
    ['loopback, short', 'http://127.1/hook'],
    ['loopback, octal', 'http://017700000001/hook'],
    ['this network', 'http://0/hook'],
    ['this network, dotted', 'http://0.0.0.0/hook'],
    ['private 10/8', 'https://10.1.2.3/hook'],
    ['private 172.16/12', 'https://172.31.255.1/hook'],
    ['private 192.168/16', 'https://192.168.0.10/hook'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['CGNAT', 'http://100.64.0.1/hook'],
    ['multicast', 'http://224.0.0.1/hook'],
    ['reserved', 'http://240.0.0.1/hook'],
    ['broadcast', 'http://255.255.255.255/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['IPv6 loopback, long form', 'http://[0:0:0:0:0:0:0:1]/hook'],
    ['IPv6 unspecified', 'http://[::]/hook'],
    ['IPv6 unique local', 'http://[fd12:3456::1]/hook'],
    ['IPv6 link-local', 'http://[fe80::1]/hook'],
    ['IPv6 multicast', 'http://[ff02::1]/hook'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['IPv4-mapped loopback, hex', 'http://[::ffff:7f00:1]/hook'],
    ['IPv4-mapped metadata', 'http://[::ffff:a9fe:a9fe]/hook'],
    ['NAT64 of loopback', 'http://[64:ff9b::7f00:1]/hook'],
    ['6to4 of a private address', 'http://[2002:c0a8:0001::1]/hook'],
  ])('refuses a literal %s address (%s)', async (_what, url) => {
    const err = await refusal(assertPublicUrl(url, strict));
    expect(err.message).toContain(new URL(url).hostname);
    expect(err.message).toMatch(/not (a )?public|loopback|private|link-local|reserved|multicast|network/);
  });

  it('names the kind of address it refused', async () => {
    expect((await refusal(assertPublicUrl('http://169.254.169.254/', strict))).message).toMatch(/link-local/);
    expect((await refusal(assertPublicUrl('http://2130706433/', strict))).message).toMatch(/loopback/);
    expect((await refusal(assertPublicUrl('http://[::ffff:7f00:1]/', strict))).message).toMatch(/loopback/);
  });

  it('refuses a hostname that resolves to loopback (DNS rebinding), and one with any private address', async () => {
    const { lookup } = resolver({
      'rebind.example': ['127.0.0.1'],
      'mixed.example': ['93.184.216.34', '10.0.0.5'],
      'mapped.example': ['::ffff:169.254.169.254'],
    });
    const opts = { allowPrivate: false, lookup };
    const err = await refusal(assertPublicUrl('https://rebind.example/hook', opts));
    expect(err.message).toContain('rebind.example');
    expect(err.message).toContain('127.0.0.1');
    expect((await refusal(assertPublicUrl('https://mixed.example/hook', opts))).message).toContain('10.0.0.5');
    expect((await refusal(assertPublicUrl('https://mapped.example/hook', opts))).message).toMatch(/link-local/);
  });

  it('allows a public IP literal without asking DNS, and a hostname resolving to public addresses', async () => {
    const { lookup, asked } = resolver({
      'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    });
    const literal = await assertPublicUrl('https://93.184.216.34/hook?x=1', { allowPrivate: false, lookup });
    expect(literal.href).toBe('https://93.184.216.34/hook?x=1');
    expect(asked).toEqual([]);
    const named = await assertPublicUrl('https://hooks.example.com/in', { allowPrivate: false, lookup });
    expect(named.hostname).toBe('hooks.example.com');
    expect(asked).toEqual(['hooks.example.com']);
  });

  it('hands back exactly the addresses it checked, for the connection to use', async () => {
    const { lookup } = resolver({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    const checked = await resolvePublicUrl('https://hooks.example.com/in', { allowPrivate: false, lookup });
    expect(checked.addresses).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
    const literal = await resolvePublicUrl('http://[2606:2800:220:1:248:1893:25c8:1946]:8080/', {
      allowPrivate: false,
      lookup,
    });
    expect(literal.addresses).toEqual([{ address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 }]);
  });

  it('lets loopback and private addresses through when allowPrivate is set', async () => {
    const { lookup } = resolver({ 'rebind.example': ['127.0.0.1'] });
    await expect(assertPublicUrl('http://127.0.0.1:8080/hook', { allowPrivate: true, lookup })).resolves.toBeInstanceOf(
      URL,
    );
    await expect(assertPublicUrl('http://[::1]/hook', { allowPrivate: true, lookup })).resolves.toBeInstanceOf(URL);
    const checked = await resolvePublicUrl('http://rebind.example/', { allowPrivate: true, lookup });
    expect(checked.addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('refuses schemes other than http and https, naming the valid ones', async () => {
    for (const url of [
      'ftp://93.184.216.34/x',
      'file:///etc/passwd',
      'gopher://93.184.216.34/',
      'javascript:alert(1)',
    ]) {
      const err = await refusal(assertPublicUrl(url, { ...strict, allowPrivate: true }));
      expect(err.message).toMatch(/http, https/);
    }
  });

  it('refuses credentials in the URL without repeating them', async () => {
    const err = await refusal(
      assertPublicUrl('https://admin:hunter2-secret@93.184.216.34/hook', { ...strict, allowPrivate: true }),
    );
    expect(err.message).toContain('93.184.216.34');
    expect(err.message).not.toContain('hunter2-secret');
    expect(err.message).not.toContain('admin');
  });

  it('refuses an unparseable URL without repeating it', async () => {
    const err = await refusal(assertPublicUrl('not a url token=abc123secret', strict));
    expect(err.message).not.toContain('abc123secret');
  });

  it('never repeats the path or query, which often carry a secret', async () => {
    const err = await refusal(assertPublicUrl('http://127.0.0.1/services/T0/B0/XXsecretXX?key=topsecret', strict));
    expect(err.message).not.toContain('XXsecretXX');
    expect(err.message).not.toContain('topsecret');
  });

  it('throws a retryable error (not a refusal) when the name does not resolve now', async () => {
    const err = await assertPublicUrl('https://nowhere.example/', strict).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentEmailError);
    expect(err!.message).toContain('nowhere.example');
  });

  it('uses the system resolver by default', async () => {
    await refusal(assertPublicUrl('http://localhost/hook', { allowPrivate: false }));
  });
});

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.251',
    '239.255.255.250',
    '240.0.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '::1',
    '::',
    'fc00::1',
    'fdff:ffff::1',
    'fe80::1',
    'febf::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '2001:db8::1',
    'fe80::1%eth0',
  ])('%s is private', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '2606:2800:220:1:248:1893:25c8:1946',
    '2a00:1450:4001:81b::200e',
    '::ffff:93.184.216.34',
  ])('%s is public', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it('treats anything that is not an IP address as not allowed', () => {
    expect(isPrivateAddress('example.com')).toBe(true);
    expect(isPrivateAddress('')).toBe(true);
    expect(isPrivateAddress('1.2.3')).toBe(true);
  });
});
