// A learner's wallet using the authorization code flow with PKCE, built on the third-party
// OpenID4VCI client @openid4vc/openid4vci (+ @openid4vc/oauth2): the client builds the
// authorization request (its own PKCE helpers), the test plays the learner in the browser
// part, then the client checks the redirect (state, RFC 9207 iss), exchanges the code and
// asks for the credential.
//
// Input (argv[2], JSON):
//   { phase: "authorize", offer, clientId, redirectUri, scope }
//     → { ok, authorizationRequestUrl, codeVerifier, codeChallengeMethod }
//   { phase: "complete", offer, clientId, redirectUri, redirectUrl, codeVerifier,
//     configurationId, steps?: "token" }
//     → { ok, accessToken, credentialResponse, holderJwk }
// Output (stdout, one JSON line): { ok: true, ... } or { ok: false, stage, status, error }.
import crypto from "node:crypto";
import { Openid4vciClient } from "@openid4vc/openid4vci";
import { clientAuthenticationNone } from "@openid4vc/oauth2";
import { setGlobalConfig } from "@openid4vc/utils";

setGlobalConfig({ allowInsecureUrls: true }); // the node under test listens on http://127.0.0.1

const input = JSON.parse(process.argv[2]);
const b64u = (buf) => Buffer.from(buf).toString("base64url");

const key = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const holderJwk = key.publicKey.export({ format: "jwk" });

const callbacks = {
  hash: (data, alg) =>
    new Uint8Array(crypto.createHash(alg.replace("-", "").toLowerCase()).update(data).digest()),
  generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
  signJwt: async (signer, { header, payload }) => {
    const signingInput = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
    const signature = crypto.sign("sha256", Buffer.from(signingInput), {
      key: key.privateKey,
      dsaEncoding: "ieee-p1363",
    });
    return { jwt: `${signingInput}.${b64u(signature)}`, signerJwk: signer.publicJwk };
  },
  // A public client: client_id in the token request (token_endpoint_auth_method "none").
  clientAuthentication: clientAuthenticationNone({ clientId: input.clientId }),
  fetch: globalThis.fetch,
};
const client = new Openid4vciClient({ callbacks });

function failure(stage, error) {
  const r = error.response;
  const body = error.errorResponse ?? r?.credentialErrorResponseResult?.data ?? null;
  const status = r?.status ?? r?.response?.status ?? null;
  return { ok: false, stage, status, error: body, message: String(error.message).slice(0, 800) };
}

async function authorize(offer, issuerMetadata) {
  // This client's offer helper sends no `state`; PKCE and `iss` carry the protection.
  const { authorizationRequestUrl, pkce } = await client.createAuthorizationRequestUrlFromOffer({
    credentialOffer: offer,
    issuerMetadata,
    clientId: input.clientId,
    redirectUri: input.redirectUri,
    scope: input.scope,
  });
  return {
    ok: true,
    authorizationRequestUrl,
    codeVerifier: pkce.codeVerifier,
    codeChallengeMethod: pkce.codeChallengeMethod,
  };
}

async function complete(offer, issuerMetadata) {
  let stage = "redirect";
  try {
    const authorizationServerMetadata = issuerMetadata.authorizationServers[0];
    const response = client.parseAndVerifyAuthorizationResponseRedirectUrl({
      url: input.redirectUrl,
      authorizationServerMetadata,
    });
    if (response.state !== undefined) throw new Error("a state we never sent came back");
    stage = "token";
    const { accessTokenResponse } = await client.retrieveAuthorizationCodeAccessTokenFromOffer({
      credentialOffer: offer,
      issuerMetadata,
      authorizationCode: response.code,
      pkceCodeVerifier: input.codeVerifier,
      redirectUri: input.redirectUri,
    });
    const out = { ok: true, accessToken: accessTokenResponse.access_token, holderJwk };
    if (input.steps === "token") return out;
    stage = "nonce";
    const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata });
    stage = "proof";
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: input.configurationId,
      signer: { method: "jwk", alg: "ES256", publicJwk: holderJwk },
      nonce,
    });
    stage = "credential";
    const result = await client.retrieveCredentials({
      issuerMetadata,
      accessToken: out.accessToken,
      credentialConfigurationId: input.configurationId,
      proofs: { jwt: [jwt] },
    });
    out.credentialResponse = result.credentialResponse;
    return out;
  } catch (error) {
    return failure(stage, error);
  }
}

async function main() {
  let stage = "offer";
  try {
    const offer = await client.resolveCredentialOffer(input.offer);
    stage = "metadata";
    const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
    stage = input.phase;
    if (input.phase === "authorize") return await authorize(offer, issuerMetadata);
    return await complete(offer, issuerMetadata);
  } catch (error) {
    return failure(stage, error);
  }
}

process.stdout.write(JSON.stringify(await main()) + "\n");
