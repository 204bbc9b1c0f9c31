// A learner's wallet, built on the third-party OpenID4VCI client @openid4vc/openid4vci
// (with @openid4vc/oauth2 and @openid4vc/utils), driving a node over HTTP.
//
// Input (argv[2], JSON): { offer, txCode?, configurationId, proofs?: n, alg?: "ES256"|"EdDSA",
//   tamper?: "wrong-key"|"wrong-aud", accessToken?, nonce?, steps?: "token"|"all",
//   transactionId?, holderKey?: a private JWK (P-256) to bind the first copy to }
// Output (stdout, one JSON line): { ok: true, ... } or { ok: false, stage, status, error }.
import crypto from "node:crypto";
import { Openid4vciClient } from "@openid4vc/openid4vci";
import { clientAuthenticationAnonymous } from "@openid4vc/oauth2";
import { setGlobalConfig } from "@openid4vc/utils";

setGlobalConfig({ allowInsecureUrls: true }); // the node under test listens on http://127.0.0.1

const input = JSON.parse(process.argv[2]);
const b64u = (buf) => Buffer.from(buf).toString("base64url");

function newKey(alg) {
  if (input.holderKey) {
    // The learner's own key (a private JWK), kept by the wallet across issuance and
    // presentation; only for the first proof.
    const privateKey = crypto.createPrivateKey({ key: input.holderKey, format: "jwk" });
    const publicKey = crypto.createPublicKey(privateKey);
    input.holderKey = undefined;
    return { privateKey, publicKey, jwk: publicKey.export({ format: "jwk" }), alg };
  }
  const pair =
    alg === "EdDSA"
      ? crypto.generateKeyPairSync("ed25519")
      : crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = pair.publicKey.export({ format: "jwk" });
  return { ...pair, jwk, alg };
}

function signWith(privateKey, alg, data) {
  return alg === "EdDSA"
    ? crypto.sign(null, data, privateKey)
    : crypto.sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" });
}

function signJwtCallback(keysByThumb) {
  return async (signer, { header, payload }) => {
    const entry = keysByThumb.get(JSON.stringify(signer.publicJwk));
    if (!entry) throw new Error("unknown signer key");
    let signingKey = entry.privateKey;
    if (input.tamper === "wrong-key") signingKey = newKey(entry.alg).privateKey;
    const body = input.tamper === "wrong-aud" ? { ...payload, aud: "https://evil.example" } : payload;
    const signingInput = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(body))}`;
    const signature = signWith(signingKey, entry.alg, Buffer.from(signingInput));
    return { jwt: `${signingInput}.${b64u(signature)}`, signerJwk: signer.publicJwk };
  };
}

const keys = new Map();
const callbacks = {
  hash: (data, alg) => new Uint8Array(crypto.createHash(alg.replace("-", "").toLowerCase()).update(data).digest()),
  generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
  signJwt: signJwtCallback(keys),
  clientAuthentication: clientAuthenticationAnonymous(),
  fetch: globalThis.fetch,
};
const client = new Openid4vciClient({ callbacks });

function failure(stage, error) {
  // Oauth2ClientErrorResponseError: errorResponse + a fetch Response;
  // Openid4vciRetrieveCredentialsError: response = { response, credentialErrorResponseResult }.
  const r = error.response;
  const body = error.errorResponse ?? r?.credentialErrorResponseResult?.data ?? null;
  const status = r?.status ?? r?.response?.status ?? null;
  return { ok: false, stage, status, error: body, message: String(error.message).slice(0, 800) };
}

async function main() {
  let stage = "offer";
  try {
    const offer = await client.resolveCredentialOffer(input.offer);
    stage = "metadata";
    const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
    const out = {
      ok: true,
      version: issuerMetadata.originalDraftVersion,
      configurationIds: offer.credential_configuration_ids,
    };
    let accessToken = input.accessToken;
    let cNonce = input.nonce;
    if (!accessToken) {
      stage = "token";
      const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
        credentialOffer: offer,
        issuerMetadata,
        txCode: input.txCode,
      });
      accessToken = accessTokenResponse.access_token;
      out.accessToken = accessToken;
      out.tokenNonce = accessTokenResponse.c_nonce;
      if (input.steps === "token") return out;
    }
    if (input.transactionId) {
      stage = "deferred";
      const deferred = await client.retrieveDeferredCredentials({
        issuerMetadata,
        accessToken,
        transactionId: input.transactionId,
      });
      out.status = deferred.response?.status;
      out.deferred = deferred.deferredCredentialResponse;
      return out;
    }
    if (!cNonce) {
      stage = "nonce";
      cNonce = (await client.requestNonce({ issuerMetadata })).c_nonce;
    }
    out.nonce = cNonce;
    stage = "proof";
    const jwts = [];
    out.holderJwks = [];
    for (let i = 0; i < (input.proofs ?? 1); i++) {
      const key = newKey(input.alg ?? "ES256");
      keys.set(JSON.stringify(key.jwk), key);
      out.holderJwks.push(key.jwk);
      const { jwt } = await client.createCredentialRequestJwtProof({
        issuerMetadata,
        credentialConfigurationId: input.configurationId,
        signer: { method: "jwk", alg: key.alg, publicJwk: key.jwk },
        nonce: cNonce,
      });
      jwts.push(jwt);
    }
    stage = "credential";
    const result = await client.retrieveCredentials({
      issuerMetadata,
      accessToken,
      credentialConfigurationId: input.configurationId,
      ...(jwts.length === 1 && input.legacyProof
        ? { proof: { proof_type: "jwt", jwt: jwts[0] } }
        : { proofs: { jwt: jwts } }),
    });
    out.status = result.response?.status;
    out.credentialResponse = result.credentialResponse;
    return out;
  } catch (error) {
    return failure(stage, error);
  }
}

process.stdout.write(JSON.stringify(await main()) + "\n");
