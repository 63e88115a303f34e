// The OpenID provider the test suite logs in through: npm `oidc-provider` (a certified implementation),
// configured the way an organisation would set it up for a node, on 127.0.0.1.
//
//   node provider.mjs PORT ACCOUNTS_JSON
//
// Clients are registered by the tests through dynamic client registration (POST /reg), so each node
// (with its own port) gets its own confidential client. Accounts are read from ACCOUNTS_JSON at every
// lookup, so a test changes a user's roles at the provider by rewriting that file. Login and consent are
// oidc-provider's own development interactions (HTML forms any login name and password pass).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const [port, accountsPath] = process.argv.slice(2);
if (!port || !accountsPath) {
  console.error('usage: node provider.mjs PORT ACCOUNTS_JSON');
  process.exit(2);
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' };
}

function accounts() {
  return JSON.parse(readFileSync(accountsPath, 'utf8'));
}

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // Confidential clients too must use PKCE here, as the node always does.
  pkce: { required: () => true },
  features: {
    registration: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    devInteractions: { enabled: true },
  },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'roles'],
    email: ['email', 'email_verified'],
  },
  async findAccount(ctx, id) {
    const account = accounts()[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
