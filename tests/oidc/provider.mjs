// A real OpenID Provider (panva/oidc-provider, pinned in package.json) for the staff single
// sign-on tests. Started by tests/oidc_provider.py (`start_oidc_provider`); not a mock.
//
// Usage:  node provider.mjs '<config JSON>'
//         (or the JSON in the environment variable OIDC_PROVIDER_CONFIG when argv[2] is absent)
//
// Configuration (JSON object):
//   port      listening port on 127.0.0.1
//   issuer    e.g. "http://127.0.0.1:<port>" (plain http is accepted; see "Cookies" below)
//   clients   [{ client_id, client_secret, redirect_uris: [...], post_logout_redirect_uris?: [...],
//                token_endpoint_auth_method?: "client_secret_basic" (default) | "client_secret_post" }]
//             grant_types ["authorization_code"], response_types ["code"], ID tokens RS256
//   accounts  { "<login name>": { sub?, name, email, email_verified, groups: [...] } }
//             The login name typed in the login form IS the accountId, and oidc-provider always
//             sets the ID token's `sub` to the accountId: `sub`, when given, must equal the login.
//
// Protocol: once listening, prints exactly one line `READY <issuer>` to stdout (everything else,
// including oidc-provider's NOTICE/WARNING lines and errors, goes to stderr). Exits when stdin
// closes, on SIGTERM or on SIGINT.
//
// What the provider does:
//   * discovery at <issuer>/.well-known/openid-configuration; authorization code flow only;
//     PKCE required for every client (`pkce.required` -> true); oidc-provider 9 supports only
//     code_challenge_method=S256 (plain is rejected with invalid_request).
//   * scopes openid profile email groups; claims: openid [sub], profile [name],
//     email [email, email_verified], groups [groups]. `conformIdTokenClaims: false` puts the
//     claims of the granted scopes INTO THE ID TOKEN (by default oidc-provider only puts them in
//     userinfo when an access token for userinfo is issued). Userinfo serves them as well.
//   * ID tokens signed RS256 with an RSA-2048 key generated at startup (no key files).
//   * the built-in devInteractions (login + consent pages) are kept.
//
// The devInteractions pages (oidc-provider 9.13.x, lib/views/*.js):
//   GET <issuer>/auth?... (authorization endpoint) -> 303 to /interaction/<uid>
//   Login page (GET /interaction/<uid>, <h1>Sign-in</h1>):
//     <form autocomplete="off" action="<issuer>/interaction/<uid>" method="post">
//       <input type="hidden" name="prompt" value="login"/>
//       <input required type="text" name="login" placeholder="Enter any login">
//       <input required type="password" name="password" placeholder="and password">
//       <button type="submit" class="login login-submit">Sign-in</button>
//     </form>
//     The password is not checked (any non-empty value). An unknown login is answered with a
//     403 page (see `rejectUnknownLogins` below) instead of being signed in.
//   POST -> 303 to <issuer>/auth/<uid> (resume) -> 303 to /interaction/<uid2>
//   Consent page (GET /interaction/<uid2>, <h1>Authorize</h1>), lists the scopes/claims asked:
//     <form autocomplete="off" action="<issuer>/interaction/<uid2>" method="post">
//       <input type="hidden" name="prompt" value="consent"/>
//       <button autofocus type="submit" class="login login-submit">Continue</button>
//     </form>
//   POST -> 303 to /auth/<uid2> -> 303 to <redirect_uri>?code=...&state=...&iss=<issuer>
//   Both pages also have a link <a href="<issuer>/interaction/<uid>/abort">[ Cancel ]</a>
//   (-> redirect_uri?error=access_denied&...). Playwright: fill input[name=login] and
//   input[name=password], click button:has-text("Sign-in"), then button:has-text("Continue")
//   (no JavaScript needed). Chromium refuses "unsafe" ports (ERR_UNSAFE_PORT: 9, 25, 6000...)
//   so a browser test's redirect_uri must use an ordinary port.
//   The consent page is skipped on later sign-ins of the same account and client while the
//   provider session (cookie) and its grant last.
//
// Cookies: oidc-provider marks its cookies `secure` only when the request is https (Koa's
// ctx.secure), so over http on 127.0.0.1 they work unchanged; no proxy setting is needed.
// Cookies are not isolated by port, so the relying party on 127.0.0.1:<other port> shares the
// browser's cookie jar with us: our cookie names are prefixed `oidc_op_` to avoid collisions.
// The page stylesheet's @import of Google Fonts is stripped so the pages load offline.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';

// NOTICE lines of oidc-provider go through console.info (stdout): keep stdout for READY only.
console.log = console.error;
console.info = console.error;

const { default: Provider } = await import('oidc-provider');

function fail(message) {
  console.error(`provider.mjs: ${message}`);
  process.exit(2);
}

const raw = process.argv[2] ?? process.env.OIDC_PROVIDER_CONFIG;
if (!raw) fail('pass the configuration JSON as argv[2] or in OIDC_PROVIDER_CONFIG');
let config;
try {
  config = JSON.parse(raw);
} catch (error) {
  fail(`configuration is not JSON: ${error.message}`);
}
const { port, issuer, clients = [], accounts = {} } = config;
if (!Number.isInteger(port) || port <= 0) fail('`port` must be a positive integer');
if (typeof issuer !== 'string' || !issuer) fail('`issuer` must be a URL string');
if (!Array.isArray(clients) || clients.length === 0) fail('`clients` must be a non-empty list');
for (const [login, claims] of Object.entries(accounts)) {
  if (claims.sub !== undefined && claims.sub !== login) {
    fail(`account ${login}: sub must equal the login name (the ID token's sub is the accountId)`);
  }
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig',
};

const CLAIMS = {
  openid: ['sub'],
  profile: ['name'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
};

async function findAccount(_ctx, id) {
  if (!Object.hasOwn(accounts, id)) return undefined;
  const account = accounts[id];
  return {
    accountId: id,
    // oidc-provider filters these by the granted scopes/claims and sets sub itself.
    async claims() {
      return { ...account, sub: id };
    },
  };
}

const provider = new Provider(issuer, {
  clients: clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: client.token_endpoint_auth_method ?? 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  })),
  jwks: { keys: [signingKey] },
  scopes: ['openid', ...Object.keys(CLAIMS).filter((scope) => scope !== 'openid')],
  claims: CLAIMS,
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  responseTypes: ['code'],
  findAccount,
  // Explicit lifetimes (seconds), so oidc-provider does not print a NOTICE for each default.
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
  },
  features: { devInteractions: { enabled: true } },
  cookies: {
    names: {
      session: 'oidc_op_session',
      interaction: 'oidc_op_interaction',
      resume: 'oidc_op_interaction_resume',
    },
    keys: [randomBytes(32).toString('base64url')],
  },
  renderError(ctx, out, error) {
    console.error('provider.mjs: error page', ctx.method, ctx.path, out, error?.stack ?? error);
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head>
<body><h1>oops! something went wrong</h1><pre>${
  Object.entries(out).map(([key, value]) => `${key}: ${String(value).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)}`).join('\n')
}</pre></body></html>`;
  },
});

// devInteractions sign in whatever login is typed, and an unknown one leaves a provider session
// whose account findAccount cannot find (500 server_error on every later request of that
// browser). Refuse it on the form POST instead: a 403 page, nothing signed in (the interaction
// stays usable, so the user can go back and type another login). The body read here is handed
// to oidc-provider as req.body, which it accepts (it prints one WARNING about an upstream body
// parser the first time).
provider.use(async function rejectUnknownLogins(ctx, next) {
  if (ctx.method === 'POST' && /^\/interaction\/[^/]+$/.test(ctx.path)
      && ctx.is('application/x-www-form-urlencoded')) {
    const chunks = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += chunk.length;
      if (size > 56 * 1024) ctx.throw(413);
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('prompt') === 'login' && !Object.hasOwn(accounts, form.get('login') ?? '')) {
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = '<!DOCTYPE html><html><head><title>Unknown account</title></head>'
        + '<body><h1>Unknown account</h1><p>No such login at this provider.</p></body></html>';
      return;
    }
    ctx.req.body = body;
  }
  await next();
});

// Strip the Google Fonts @import of the interaction pages' stylesheet (no network in tests).
provider.use(async function offlinePages(ctx, next) {
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);\s*/g, '');
  }
});

provider.on('server_error', (_ctx, error) => console.error('provider.mjs: server_error', error));
for (const event of ['authorization.error', 'grant.error', 'userinfo.error']) {
  provider.on(event, (_ctx, error) => console.error(`provider.mjs: ${event}`, error.message));
}

const server = provider.listen(port, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`READY ${issuer}\n`);

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
