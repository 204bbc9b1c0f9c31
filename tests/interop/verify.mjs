#!/usr/bin/env node
// Independent verifier for the credentials the node issues.
//
// It uses third-party libraries only (@digitalbazaar/vc + Data Integrity
// cryptosuites for `ldp`, `jose` for the JWT kinds), so a bug shared by the
// node's signer and the node's own verifier cannot hide here.
//
// Usage:
//   node verify.mjs            one JSON request on stdin, one JSON result on
//                              stdout; exit 0 verified, 1 not verified
//   node verify.mjs --lines    JSON-lines: one request per line, one result
//                              line per request, in order, until EOF
//
// Request:  {"kind": "ldp" | "jwt_vc_json" | "vc+jwt" | "dc+sd-jwt" (see
//            verifySdJwt below for its members),
//            "credential": <object, or compact JWS string for JWT kinds>,
//            "documents": {url-or-DID: JSON document},     (optional)
//            "jwk": <public JWK>,            (JWT kinds; else header kid)
//            "algorithms": ["ES256"],        (JWT kinds; optional)
//            "ignoreStatus": false,          (optional, see below)
//            "checkIssuer": true,            (ldp; optional, see below)
//            "id": <anything>}               (optional, echoed back)
// Response: {"verified": bool, "error": string|null, "warnings": [string],
//            "statuses": {purpose: bool},    (when status was checked)
//            "id": <echoed when given>}
//
// Status: a credential with `credentialStatus` (ldp, and the `vc` claim of
// jwt_vc_json / the vc+jwt payload) is checked with
// @digitalbazaar/vc-bitstring-status-list's `checkStatus`: every
// BitstringStatusListEntry's list credential is loaded from `documents`
// (keyed by its `statusListCredential` URL; nothing is fetched), its Data
// Integrity proof verified, its issuer matched with the credential's, and
// the bit read. `statuses` maps each statusPurpose to its bit (true = set,
// i.e. revoked / suspended); any bit set makes `verified` false. A list that
// is missing, unsigned, tampered or of another purpose fails verification.
// `"ignoreStatus": true` skips all this (with a warning).
//
// Offline: the document loader serves only the request's `documents`, the
// JSON-LD contexts bundled with the Python package (vc/contexts, its
// index.json maps URL -> file), the security
// v1/v2 vocabularies bundled in jsonld-signatures (used when framing a
// controller document), and did:key (derived from the key itself). Any other
// URL throws.
//
// `ldp` uses @digitalbazaar/vc's CredentialIssuancePurpose by default: the
// proof must be an assertionMethod of its controller AND that controller
// must be the credential's `issuer`. `"checkIssuer": false` keeps the
// assertionMethod check but drops the issuer binding (the W3C spec test
// vectors sign an `https:` issuer with a did:key).

import {readFileSync, existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {createInterface} from 'node:readline';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createVerifyCryptosuite as eddsaJcs2022VerifySuite} from
  '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {checkStatus as checkBitstringStatus} from
  '@digitalbazaar/vc-bitstring-status-list';
import {checkStatus as checkMultiBitStatus} from
  '@4sure-tech/vc-bitstring-status-lists';
import jsigs from 'jsonld-signatures';
import * as jose from 'jose';
import {createPublicKey, verify as cryptoVerify} from 'node:crypto';
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {digest as sdDigest} from '@sd-jwt/crypto-nodejs';
import {getListFromStatusListJWT} from '@sd-jwt/jwt-status-list';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const CONTEXT_DIRS = [join(REPO, 'vc', 'contexts')];

const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const ED25519_2020_V1 = 'https://w3id.org/security/suites/ed25519-2020/v1';
const CREDENTIALS_V1 = 'https://www.w3.org/2018/credentials/v1';
const CREDENTIALS_V2 = 'https://www.w3.org/ns/credentials/v2';
// Served from the library's own bundle (jsonld-signatures frames non-DID
// controller documents with security/v2).
const LIBRARY_CONTEXTS = new Set([
  'https://w3id.org/security/v1',
  'https://w3id.org/security/v2',
]);
const VERIFICATION_RELATIONSHIPS = [
  'authentication', 'assertionMethod', 'keyAgreement',
  'capabilityInvocation', 'capabilityDelegation',
];

function loadBundledContexts() {
  const contexts = new Map();
  for(const dir of CONTEXT_DIRS) {
    const indexPath = join(dir, 'index.json');
    if(!existsSync(indexPath)) {
      continue;
    }
    const index = JSON.parse(readFileSync(indexPath, 'utf8'));
    for(const [url, file] of Object.entries(index)) {
      if(!contexts.has(url)) {
        contexts.set(url, JSON.parse(readFileSync(join(dir, file), 'utf8')));
      }
    }
  }
  if(contexts.size === 0) {
    throw new Error(`no bundled contexts found in ${CONTEXT_DIRS.join(', ')}`);
  }
  return contexts;
}

const BUNDLED = loadBundledContexts();

// ---------------------------------------------------------------- DIDs

function splitFragment(url) {
  const i = url.indexOf('#');
  return i === -1 ? [url, null] : [url.slice(0, i), url.slice(i)];
}

// did:web:host%3Aport:a:b -> https://host:port/a/b/did.json
function didWebUrl(did) {
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const path = parts.length > 1 ? parts.slice(1).join('/') : '.well-known';
  return `https://${parts[0]}/${path}/did.json`;
}

// Make `#frag` references absolute so string comparisons in
// jsonld-signatures (ControllerProofPurpose) work; DID Core allows relative
// DID URLs in a DID document.
function absolutizeDidDocument(doc, did) {
  const abs = ref => (typeof ref === 'string' && ref.startsWith('#')) ?
    did + ref : ref;
  const fixVm = vm => {
    if(typeof vm !== 'object' || vm === null) {
      return abs(vm);
    }
    const out = {...vm, id: abs(vm.id)};
    if(out.controller === undefined) {
      out.controller = doc.id || did;
    } else {
      out.controller = abs(out.controller);
    }
    return out;
  };
  const out = {...doc};
  if(Array.isArray(doc.verificationMethod)) {
    out.verificationMethod = doc.verificationMethod.map(fixVm);
  }
  for(const rel of VERIFICATION_RELATIONSHIPS) {
    if(doc[rel] !== undefined) {
      out[rel] = [].concat(doc[rel]).map(fixVm);
    }
  }
  return out;
}

function withKeyContext(vm) {
  if(vm['@context']) {
    return vm;
  }
  if(vm.type === 'Multikey') {
    return {'@context': MULTIKEY_V1, ...vm};
  }
  if(vm.type === 'Ed25519VerificationKey2020') {
    return {'@context': ED25519_2020_V1, ...vm};
  }
  return vm;
}

function findVerificationMethod(didDoc, vmId) {
  const candidates = [...[].concat(didDoc.verificationMethod || [])];
  for(const rel of VERIFICATION_RELATIONSHIPS) {
    for(const vm of [].concat(didDoc[rel] || [])) {
      if(typeof vm === 'object' && vm !== null) {
        candidates.push(vm);
      }
    }
  }
  const vm = candidates.find(c => c.id === vmId);
  if(!vm) {
    throw new Error(
      `verification method "${vmId}" not found in DID document "${didDoc.id}"`);
  }
  return withKeyContext(vm);
}

async function didKeyDocument(did) {
  const fingerprint = did.slice('did:key:'.length);
  const vmId = `${did}#${fingerprint}`;
  // Parses and checks the multibase/multicodec Ed25519 public key.
  const key = await Ed25519Multikey.from({
    id: vmId, controller: did, publicKeyMultibase: fingerprint,
  });
  const vm = await key.export({publicKey: true, includeContext: false});
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [vm],
    authentication: [vmId],
    assertionMethod: [vmId],
    capabilityInvocation: [vmId],
    capabilityDelegation: [vmId],
  };
}

// Returns the DID document for `did`, or null when unknown.
async function resolveDid(did, documents) {
  if(did.startsWith('did:key:')) {
    return didKeyDocument(did);
  }
  let doc = documents[did];
  if(doc === undefined && did.startsWith('did:web:')) {
    doc = documents[didWebUrl(did)];
  }
  if(doc === undefined) {
    return null;
  }
  if(doc.id !== undefined && doc.id !== did) {
    throw new Error(`DID document id "${doc.id}" does not match "${did}"`);
  }
  return absolutizeDidDocument(doc, did);
}

// ---------------------------------------------------------------- loader

function makeDocumentLoader(documents) {
  return async url => {
    if(url.startsWith('did:')) {
      const [did, fragment] = splitFragment(url);
      const didDoc = await resolveDid(did, documents);
      if(!didDoc) {
        throw new Error(`offline document loader: unknown DID "${did}"`);
      }
      const document = fragment ?
        findVerificationMethod(didDoc, url) : didDoc;
      return {contextUrl: null, documentUrl: url, document};
    }
    if(Object.prototype.hasOwnProperty.call(documents, url)) {
      return {contextUrl: null, documentUrl: url, document: documents[url]};
    }
    if(BUNDLED.has(url)) {
      // `static` lets jsonld.js cache the resolved context across requests.
      return {
        contextUrl: null, documentUrl: url, document: BUNDLED.get(url),
        tag: 'static',
      };
    }
    if(LIBRARY_CONTEXTS.has(url)) {
      return vc.defaultDocumentLoader(url);
    }
    // A VM given by URL inside a controller document in `documents`.
    const [base, fragment] = splitFragment(url);
    if(fragment && Object.prototype.hasOwnProperty.call(documents, base)) {
      return {
        contextUrl: null, documentUrl: url,
        document: findVerificationMethod(documents[base], url),
      };
    }
    throw new Error(`offline document loader: refusing to load "${url}"`);
  };
}

// ---------------------------------------------------------------- errors

function errorMessages(err, out = [], seen = new Set()) {
  if(!err || seen.has(err)) {
    return out;
  }
  seen.add(err);
  if(Array.isArray(err)) {
    err.forEach(e => errorMessages(e, out, seen));
    return out;
  }
  const msg = err.message || (typeof err === 'string' ? err : null);
  if(msg && !out.includes(msg)) {
    out.push(msg);
  }
  if(Array.isArray(err.errors)) {
    err.errors.forEach(e => errorMessages(e, out, seen));
  }
  if(err.cause) {
    errorMessages(err.cause, out, seen);
  }
  return out;
}

function collectLdpErrors(result) {
  const msgs = [];
  errorMessages(result.error, msgs);
  for(const r of result.results || []) {
    if(!r.verified) {
      errorMessages(r.error, msgs);
      if(r.purposeResult && r.purposeResult.error) {
        errorMessages(r.purposeResult.error, msgs);
      }
    }
  }
  if(result.statusResult && !result.statusResult.verified) {
    errorMessages(result.statusResult.error, msgs);
  }
  return msgs.length ? msgs.join('; ') : 'verification failed';
}

// ---------------------------------------------------------------- ldp

async function verifyLdp(req) {
  const credential = req.credential;
  if(typeof credential !== 'object' || credential === null ||
    Array.isArray(credential)) {
    throw new Error('"credential" must be a JSON object for kind "ldp"');
  }
  const warnings = [];
  const documentLoader = makeDocumentLoader(req.documents || {});
  const suite = new DataIntegrityProof({
    cryptosuite: eddsaRdfc2022,
  });
  // eddsa-jcs-2022 exposes separate sign/verify cryptosuite factories.
  const suiteJcs = new DataIntegrityProof({
    cryptosuite: eddsaJcs2022VerifySuite(),
  });
  let statuses;
  const checkStatus = async ({credential: c}) => {
    if(req.ignoreStatus) {
      const types = [].concat(c.credentialStatus).map(s => s && s.type);
      warnings.push(`credentialStatus (${types.join(', ')}) not checked`);
      return {verified: true};
    }
    const checked = await statusCheck({
      credential: c, documentLoader, suite: [suite, suiteJcs],
    });
    statuses = checked.statuses;
    return checked;
  };
  const options = {
    credential,
    suite: [suite, suiteJcs],
    documentLoader,
    checkStatus,
  };
  if(req.checkIssuer === false) {
    options.purpose = new jsigs.purposes.AssertionProofPurpose();
    warnings.push('issuer not bound to the verification method controller');
  }
  const result = await vc.verifyCredential(options);
  const response = {
    verified: result.verified === true,
    error: result.verified === true ? null : collectLdpErrors(result),
    warnings,
  };
  if(statuses) {
    response.statuses = statuses;
  }
  return response;
}

// ---------------------------------------------------------------- status

// The library's `checkStatus` answers `verified: true` for a list it could
// load and verify, whatever the bit says (the bit is in `results[].status`):
// here a set bit fails the credential, and the bits are reported by purpose.
// It reads one bit per entry, so entries of more than one bit (`statusSize`,
// e.g. the 2-bit `message` entry of a VCDM 1.1 credential) go to
// multiBitStatus below instead.
async function statusCheck({credential, documentLoader, suite}) {
  const entries = [].concat(credential.credentialStatus);
  const multiBit = entries.filter(e => e && (e.statusSize ?? 1) > 1);
  const oneBit = entries.filter(e => !multiBit.includes(e));
  const statuses = {};
  const results = [];
  const set = [];
  if(oneBit.length) {
    const result = await checkBitstringStatus({
      credential: {...credential, credentialStatus: oneBit},
      documentLoader, suite,
      verifyBitstringStatusListCredential: true,
      verifyMatchingIssuers: true,
    });
    if(!result.verified) {
      const reason = errorMessages(result.error).join('; ') || 'unknown error';
      return {
        verified: false,
        error: new Error(`credentialStatus could not be checked: ${reason}`),
      };
    }
    const labels = {revocation: 'revoked', suspension: 'suspended'};
    for(const {credentialStatus, status} of result.results) {
      const purpose = credentialStatus.statusPurpose;
      statuses[purpose] = (statuses[purpose] || false) || status === true;
    }
    for(const purpose of Object.keys(statuses)) {
      if(statuses[purpose]) {
        set.push(labels[purpose] || `${purpose} bit set`);
      }
    }
    results.push(...result.results);
  }
  for(const entry of multiBit) {
    let checked;
    try {
      checked = await multiBitStatus({credential, entry, documentLoader, suite});
    } catch(e) {
      return {
        verified: false,
        error: new Error(`credentialStatus could not be checked: ${e.message}`),
      };
    }
    statuses[entry.statusPurpose] = checked.status;
    results.push({credentialStatus: entry, status: checked.status});
    if(checked.status !== 0) {
      set.push(checked.message);
    }
  }
  if(set.length) {
    return {
      verified: false, statuses, results,
      error: new Error(`credentialStatus: ${set.join(', ')}`),
    };
  }
  return {verified: true, statuses, results};
}

// A multi-bit entry (Bitstring Status List §2.1 statusSize / statusMessage):
// the list credential is loaded from `documents` and its Data Integrity
// proof verified with @digitalbazaar/vc (as for one-bit lists), its issuer
// must be the credential's, and the entry's value is read by
// @4sure-tech/vc-bitstring-status-lists' `checkStatus` (multi-bit entries,
// purpose and statusSize matched against the list). Any value but 0 fails
// the credential (§3.2: `valid` is false); its statusMessage names it.
async function multiBitStatus({credential, entry, documentLoader, suite}) {
  const {document: list} = await documentLoader(entry.statusListCredential);
  const verified = await vc.verifyCredential({credential: list, suite, documentLoader});
  if(!verified.verified) {
    throw new Error('"BitstringStatusListCredential" not verified; reason: ' +
      (errorMessages(verified.error).join('; ') || 'unknown'));
  }
  const issuerOf = c => typeof c.issuer === 'object' ? c.issuer.id : c.issuer;
  if(!issuerOf(credential) || issuerOf(credential) !== issuerOf(list)) {
    throw new Error('Issuers of the status list credential and verifiable ' +
      'credential do not match.');
  }
  const result = await checkMultiBitStatus({
    credential: {credentialStatus: entry},
    getStatusListCredential: async () => list,
  });
  if(result.status < 0) {
    throw result.error || new Error('status list unreadable');
  }
  const hex = `0x${result.status.toString(16)}`;
  const named = [].concat(entry.statusMessage || []).find(m => m && m.status === hex);
  return {
    status: result.status,
    message: named ? named.message : `${entry.statusPurpose} status ${hex}`,
  };
}

// Status of a JWT-secured credential (the `vc` claim of jwt_vc_json, or the
// vc+jwt payload): the same library check, the list being a Data Integrity
// credential. The library reads the entries and the issuer as plain JSON, so
// a VCDM 1.1 `vc` claim works as well as a VCDM 2.0 credential.
async function jwtStatus(req, credential, warnings) {
  if(!credential.credentialStatus) {
    return {verified: true};
  }
  if(req.ignoreStatus) {
    const types = [].concat(credential.credentialStatus).map(s => s && s.type);
    warnings.push(`credentialStatus (${types.join(', ')}) not checked`);
    return {verified: true};
  }
  const suites = [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: eddsaJcs2022VerifySuite()}),
  ];
  return statusCheck({
    credential,
    documentLoader: makeDocumentLoader(req.documents || {}),
    suite: suites,
  });
}

// ---------------------------------------------------------------- JWT

function includes(value, item) {
  return [].concat(value === undefined ? [] : value).includes(item);
}

function idOf(value) {
  return typeof value === 'object' && value !== null ? value.id : value;
}

function checkCredentialShape(cred, contextUrl, label) {
  if(typeof cred !== 'object' || cred === null || Array.isArray(cred)) {
    throw new Error(`${label} must be a JSON object`);
  }
  if(!includes(cred['@context'], contextUrl)) {
    throw new Error(`${label} "@context" must include "${contextUrl}"`);
  }
  if(!includes(cred.type, 'VerifiableCredential')) {
    throw new Error(`${label} "type" must include "VerifiableCredential"`);
  }
  if(typeof cred.credentialSubject !== 'object' ||
    cred.credentialSubject === null) {
    throw new Error(`${label} must have a "credentialSubject" object`);
  }
}

async function jwtKey(req, header) {
  if(req.jwk) {
    return jose.importJWK(req.jwk, header.alg);
  }
  if(typeof header.kid === 'string' && header.kid.includes('#')) {
    const {document} = await makeDocumentLoader(req.documents || {})(
      header.kid);
    if(document.publicKeyJwk) {
      return jose.importJWK(document.publicKeyJwk, header.alg);
    }
    throw new Error(`verification method "${header.kid}" has no publicKeyJwk`);
  }
  throw new Error('no "jwk" in request and no resolvable "kid" header');
}

async function verifyJwt(req) {
  const token = req.credential;
  if(typeof token !== 'string') {
    throw new Error(`"credential" must be a compact JWS for kind "${req.kind}"`);
  }
  const expectedTyp = req.kind === 'vc+jwt' ? 'vc+jwt' : 'JWT';
  const algorithms = req.algorithms || ['ES256'];
  const header = jose.decodeProtectedHeader(token);
  // jose normalises typ (case, "application/" prefix); be exact here.
  if(header.typ !== expectedTyp) {
    throw new Error(
      `JOSE header "typ" is ${JSON.stringify(header.typ)}, ` +
      `expected "${expectedTyp}"`);
  }
  const key = await jwtKey(req, header);
  const {payload} = await jose.jwtVerify(token, key, {
    algorithms, typ: expectedTyp,
  });
  let credential = payload;
  if(req.kind === 'jwt_vc_json') {
    checkCredentialShape(payload.vc, CREDENTIALS_V1, '"vc" claim');
    const issuer = idOf(payload.vc.issuer);
    if(issuer !== undefined && payload.iss !== undefined &&
      payload.iss !== issuer) {
      throw new Error(`"iss" (${payload.iss}) does not match vc.issuer ` +
        `(${issuer})`);
    }
    const subject = payload.vc.credentialSubject.id;
    if(subject !== undefined && payload.sub !== undefined &&
      payload.sub !== subject) {
      throw new Error(`"sub" (${payload.sub}) does not match ` +
        `vc.credentialSubject.id (${subject})`);
    }
    credential = payload.vc;
  } else {
    checkCredentialShape(payload, CREDENTIALS_V2, 'vc+jwt payload');
    if(payload['@context'][0] !== CREDENTIALS_V2) {
      throw new Error(`vc+jwt payload "@context" must start with ` +
        `"${CREDENTIALS_V2}"`);
    }
  }
  const warnings = [];
  const status = await jwtStatus(req, credential, warnings);
  const response = {
    verified: status.verified === true,
    error: status.verified === true ? null :
      errorMessages(status.error).join('; ') || 'status check failed',
    warnings,
  };
  if(status.statuses) {
    response.statuses = status.statuses;
  }
  return response;
}

// ---------------------------------------------------------------- SD-JWT VC

// kind "dc+sd-jwt" (@sd-jwt/sd-jwt-vc): the issuer signature with `jwk`, every
// disclosure against the signed digests, the key binding JWT when
// `keyBinding: {nonce, aud}` is given (signed by cnf.jwk), `requiredClaims`
// present, and the status: `statusLists` maps each Token Status List URI to
// its statuslist+jwt (nothing is fetched). The library checks
// `status.status_list` (signature with `jwk`, the value at idx: 0 VALID,
// 1 INVALID, 2 SUSPENDED); the `suspension_status_list` member of SD-JWT VCs
// of the node's earlier form is read with @sd-jwt/jwt-status-list the same
// way. `statuses` reports each member's value ({status_list: n,
// suspension_status_list?: n}); any non-zero value fails verification.
// Response also has `claims` (what was disclosed) and `header`.
function es256Verifier(jwk) {
  const key = createPublicKey({key: jwk, format: 'jwk'});
  return async (data, signature) => cryptoVerify(
    'sha256', Buffer.from(data), {key, dsaEncoding: 'ieee-p1363'},
    Buffer.from(signature, 'base64url'));
}

async function verifySdJwt(req) {
  if(typeof req.credential !== 'string' || !req.jwk) {
    throw new Error('"credential" (SD-JWT) and "jwk" (issuer key) are required');
  }
  const lists = req.statusLists || {};
  const statuses = {};
  const issuerVerifier = es256Verifier(req.jwk);
  const readList = async (uri, idx, purpose) => {
    const token = lists[uri];
    if(token === undefined) {
      throw new Error(`no status list given for ${uri}`);
    }
    const [h, p] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    if(header.typ !== 'statuslist+jwt') {
      throw new Error(`status list typ is ${header.typ}`);
    }
    const [data, sig] = [token.slice(0, token.lastIndexOf('.')),
      token.slice(token.lastIndexOf('.') + 1)];
    if(!(await issuerVerifier(data, sig))) {
      throw new Error('status list signature does not verify');
    }
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    if(payload.sub !== uri) {
      throw new Error(`status list sub ${payload.sub} is not ${uri}`);
    }
    statuses[purpose] = getListFromStatusListJWT(token).getStatus(idx);
    return statuses[purpose];
  };
  let current = null;
  const sdjwt = new SDJwtVcInstance({
    hasher: sdDigest,
    verifier: issuerVerifier,
    kbVerifier: async (data, sig, payload) => es256Verifier(payload.cnf.jwk)(data, sig),
    statusListFetcher: async uri => {
      const token = lists[uri];
      if(token === undefined) {
        throw new Error(`no status list given for ${uri}`);
      }
      current = uri;
      return token;
    },
    statusValidator: async status => {
      statuses.status_list = status;
      if(status !== 0) {
        const names = {1: 'invalid (revoked)', 2: 'suspended'};
        throw new Error(`status_list value ${status} ${names[status] || ''} at ${current}`);
      }
    },
  });
  const options = {};
  if(req.requiredClaims) {
    options.requiredClaimKeys = req.requiredClaims;
  }
  if(req.keyBinding) {
    options.keyBindingNonce = req.keyBinding.nonce;
  }
  const warnings = [];
  let result;
  try {
    result = await sdjwt.verify(req.credential, options);
  } catch(e) {
    return {verified: false, error: e.message || String(e), warnings, statuses};
  }
  if(result.header.typ !== 'dc+sd-jwt') {
    throw new Error(`typ is ${result.header.typ}, expected dc+sd-jwt`);
  }
  if(req.keyBinding && result.kb?.payload?.aud !== req.keyBinding.aud) {
    throw new Error('key binding aud does not match');
  }
  const suspension = result.payload.status?.suspension_status_list;
  if(suspension) {
    const value = await readList(suspension.uri, suspension.idx, 'suspension_status_list');
    if(value !== 0) {
      return {verified: false, error: `suspended (status value ${value})`, warnings,
        statuses, claims: result.payload};
    }
  }
  return {verified: true, error: null, warnings, statuses,
    claims: result.payload, header: result.header};
}

// ---------------------------------------------------------------- main

async function handle(req) {
  if(typeof req !== 'object' || req === null || Array.isArray(req)) {
    return {verified: false, error: 'request must be a JSON object',
      warnings: []};
  }
  let res;
  try {
    if(req.kind === 'ldp') {
      res = await verifyLdp(req);
    } else if(req.kind === 'jwt_vc_json' || req.kind === 'vc+jwt') {
      res = await verifyJwt(req);
    } else if(req.kind === 'dc+sd-jwt') {
      res = await verifySdJwt(req);
    } else {
      res = {verified: false,
        error: `unknown kind ${JSON.stringify(req.kind)}`, warnings: []};
    }
  } catch(e) {
    res = {verified: false,
      error: `${e && e.code ? e.code + ': ' : ''}${e && e.message || e}`,
      warnings: []};
  }
  if(req.id !== undefined) {
    res.id = req.id;
  }
  return res;
}

async function handleLine(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch(e) {
    return {verified: false, error: `invalid JSON request: ${e.message}`,
      warnings: []};
  }
  return handle(req);
}

async function main() {
  if(process.argv.includes('--lines')) {
    const rl = createInterface({input: process.stdin, crlfDelay: Infinity});
    for await (const line of rl) {
      if(!line.trim()) {
        continue;
      }
      const res = await handleLine(line);
      process.stdout.write(JSON.stringify(res) + '\n');
    }
    return;
  }
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const res = await handleLine(Buffer.concat(chunks).toString('utf8'));
  process.stdout.write(JSON.stringify(res) + '\n');
  process.exitCode = res.verified ? 0 : 1;
}

await main();
