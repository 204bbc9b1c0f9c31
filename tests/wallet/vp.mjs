// A learner's wallet answering an OpenID4VP 1.0 request, built on the third-party holder
// library @openid4vc/openid4vp (with @openid4vc/oauth2 and @openid4vc/utils).
//
// The library parses the openid4vp:// link, fetches the request object by request_uri, checks
// that it is signed by the DID in client_id (decentralized_identifier:did:web:…; the DID is
// resolved here over http for 127.0.0.1, the only host the tests use) and validates it; this
// wallet picks the credential for the DCQL query, signs a VP JWT (nonce, aud = client_id)
// with the holder key, and the library creates and submits the direct_post response.
//
// Input (argv[2], JSON): { request, credential | credentials (several jwt_vc_json, for a
//   query with "multiple": one presentation each), holderJwk (private P-256 JWK), holderDid,
//   tamper?: "wrong-nonce" | "wrong-aud" }
// Output (stdout, one JSON line): { ok: true, status, body, clientId, signer, queryId, ... }
//   or { ok: false, stage, message }.
import crypto from "node:crypto";
import { Openid4vpClient } from "@openid4vc/openid4vp";
import { setGlobalConfig } from "@openid4vc/utils";

setGlobalConfig({ allowInsecureUrls: true }); // the node under test listens on http://127.0.0.1

const input = JSON.parse(process.argv[2]);
const held = input.credentials ?? [input.credential];
const b64u = (data) => Buffer.from(data).toString("base64url");

// ---- did:web resolution (Multikey P-256 / Ed25519 verification methods) -----------------

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
function base58decode(text) {
  let value = 0n;
  for (const ch of text) {
    const digit = B58.indexOf(ch);
    if (digit < 0) throw new Error("not base58");
    value = value * 58n + BigInt(digit);
  }
  const bytes = [];
  while (value > 0n) {
    bytes.unshift(Number(value % 256n));
    value /= 256n;
  }
  for (const ch of text) {
    if (ch !== "1") break;
    bytes.unshift(0);
  }
  return Buffer.from(bytes);
}

function jwkFromMultikey(multibase) {
  if (!multibase.startsWith("z")) throw new Error("not base58btc multibase");
  const raw = base58decode(multibase.slice(1));
  if (raw[0] === 0x80 && raw[1] === 0x24) {
    const point = crypto.ECDH.convertKey(raw.subarray(2), "prime256v1", undefined, undefined, "uncompressed");
    return { kty: "EC", crv: "P-256", x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) };
  }
  if (raw[0] === 0xed && raw[1] === 0x01) return { kty: "OKP", crv: "Ed25519", x: b64u(raw.subarray(2)) };
  throw new Error("unsupported Multikey");
}

async function resolveDidWeb(didUrl) {
  const [did] = didUrl.split("#");
  if (!did.startsWith("did:web:")) throw new Error(`not a did:web: ${did}`);
  const [host, ...path] = did.slice("did:web:".length).split(":").map(decodeURIComponent);
  const scheme = host.startsWith("127.0.0.1") || host.startsWith("localhost") ? "http" : "https";
  const url = `${scheme}://${host}/${path.length ? path.join("/") : ".well-known"}/did.json`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const document = await response.json();
  if (document.id !== did) throw new Error("the DID document is not the DID's");
  const method = (document.verificationMethod ?? []).find((m) => m.id === didUrl);
  if (!method) throw new Error(`${didUrl} is not in the DID document`);
  const authorised = (document.authentication ?? []).concat(document.assertionMethod ?? []);
  if (!authorised.includes(didUrl)) throw new Error(`${didUrl} may not sign for ${did}`);
  return jwkFromMultikey(method.publicKeyMultibase);
}

// ---- JOSE callbacks -----------------------------------------------------------------------

function verifySignature(jwk, alg, compact) {
  const [h, p, s] = compact.split(".");
  const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, "base64url");
  if (alg === "ES256") return crypto.verify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, signature);
  if (alg === "EdDSA") return crypto.verify(null, data, key, signature);
  return false;
}

const resolved = { signer: null };
const callbacks = {
  fetch: globalThis.fetch,
  hash: (data, alg) => new Uint8Array(crypto.createHash(alg.replace("-", "").toLowerCase()).update(data).digest()),
  generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
  verifyJwt: async (signer, { compact }) => {
    if (signer.method !== "did") return { verified: false };
    const jwk = await resolveDidWeb(signer.didUrl);
    resolved.signer = signer.didUrl;
    return { verified: verifySignature(jwk, signer.alg, compact), signerJwk: jwk };
  },
};

function signVpJwt(payload) {
  const header = { alg: "ES256", typ: "JWT", kid: `${input.holderDid}#0` };
  const signingInput = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const key = crypto.createPrivateKey({ key: input.holderJwk, format: "jwk" });
  const signature = crypto.sign("sha256", Buffer.from(signingInput), { key, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${b64u(signature)}`;
}

// ---- the wallet ---------------------------------------------------------------------------

function credentialTypes(jwt) {
  const payload = JSON.parse(Buffer.from(jwt.split(".")[1], "base64url"));
  return payload.vc?.type ?? [];
}

function pickQuery(dcqlQuery) {
  // The credentials this wallet holds: jwt_vc_json micro-credentials.
  const types = credentialTypes(held[0]);
  return dcqlQuery.credentials.find(
    (q) => q.format === "jwt_vc_json" && (q.meta?.type_values ?? []).some((set) => set.every((t) => types.includes(t))),
  );
}

async function main() {
  let stage = "parse";
  try {
    const client = new Openid4vpClient({ callbacks });
    const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: input.request });
    stage = "resolve";
    const request = await client.resolveOpenId4vpAuthorizationRequest({
      authorizationRequestPayload: parsed.params,
    });
    const payload = request.authorizationRequestPayload;
    stage = "dcql";
    const query = pickQuery(request.dcql.query);
    if (!query) return { ok: false, stage, message: "no credential matches the DCQL query" };
    stage = "present";
    if (held.length > 1 && !query.multiple) return { ok: false, stage, message: "the query asks for one credential" };
    const presentations = held.map((credential) =>
      signVpJwt({
        iss: input.holderDid,
        aud: input.tamper === "wrong-aud" ? "decentralized_identifier:did:web:evil.example" : payload.client_id,
        nonce: input.tamper === "wrong-nonce" ? "a-stale-nonce" : payload.nonce,
        iat: Math.floor(Date.now() / 1000),
        jti: crypto.randomUUID(),
        vp: {
          "@context": ["https://www.w3.org/2018/credentials/v1"],
          type: ["VerifiablePresentation"],
          verifiableCredential: [credential],
        },
      }),
    );
    const { authorizationResponsePayload } = await client.createOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: payload,
      authorizationResponsePayload: { vp_token: { [query.id]: presentations } },
    });
    stage = "submit";
    const submitted = await client.submitOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: payload,
      authorizationResponsePayload,
    });
    const text = await submitted.response.text();
    const out = {
      ok: true,
      version: request.version,
      clientId: request.client.effective,
      clientPrefix: request.client.prefix,
      signer: resolved.signer,
      sendBy: request.jar?.sendBy,
      queryId: query.id,
      status: submitted.response.status,
      body: text ? JSON.parse(text) : null,
    };
    if (input.replay) {
      const again = await client.submitOpenid4vpAuthorizationResponse({
        authorizationRequestPayload: payload,
        authorizationResponsePayload,
      });
      out.replay = { status: again.response.status, body: await again.response.json() };
    }
    return out;
  } catch (error) {
    const body = error.errorResponse ?? null;
    return { ok: false, stage, error: body, message: String(error.message).slice(0, 800) };
  }
}

process.stdout.write(JSON.stringify(await main()) + "\n");
