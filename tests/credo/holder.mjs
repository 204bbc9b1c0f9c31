// A strict third-party holder: a Credo 0.6 agent (@credo-ts/core, @credo-ts/openid4vc,
// @credo-ts/askar with askar's native library from LIB_ASKAR_PATH) that receives
// credentials from the node over OpenID4VCI (pre-authorized code with a tx_code), or
// verifies an SD-JWT VC it holds the way Credo does when it receives or presents one.
//
// Credo resolves the issuer's did:web and fetches Token Status Lists over HTTPS only: the
// node under test serves TLS with a test certificate trusted through NODE_EXTRA_CA_CERTS.
//
// Input (argv[2], JSON):
//   { mode: "receive", offer, txCode, configurationId }   the whole flow; Credo verifies
//                                                        what it receives
//   { mode: "verify-sd-jwt", credential }                 Credo's SD-JWT VC verification
//                                                        (signature, disclosures, status)
// Output (stdout, last line, JSON): { ok: true, ... } or { ok: false, stage, error }.
import { EventEmitter } from "node:events";
import { mkdir, readFile, rm, writeFile, access, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// First: it registers the native askar in @openwallet-foundation/askar-shared, whose ESM
// view @credo-ts/askar then reads (a CommonJS export is copied when first imported).
import { askar } from "@openwallet-foundation/askar-nodejs";
import { AskarModule } from "@credo-ts/askar";
import {
  Agent,
  ConsoleLogger,
  DidJwk,
  Kms,
  LogLevel,
} from "@credo-ts/core";
import { OpenId4VcModule } from "@credo-ts/openid4vc";

const input = JSON.parse(process.argv[2]);

// Credo's agent dependencies (what @credo-ts/node would provide): a file system under a
// private temporary folder, Node's EventEmitter and fetch. No WebSocket is ever opened.
const ROOT = join(tmpdir(), `credo-holder-${process.pid}`);

class FileSystem {
  dataPath = join(ROOT, "data");
  cachePath = join(ROOT, "cache");
  tempPath = join(ROOT, "tmp");
  async exists(path) {
    return access(path).then(
      () => true,
      () => false,
    );
  }
  async createDirectory(path) {
    await mkdir(dirname(path), { recursive: true });
  }
  async copyFile(source, destination) {
    await copyFile(source, destination);
  }
  async write(path, data) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data, "utf-8");
  }
  async read(path) {
    return readFile(path, "utf-8");
  }
  async delete(path) {
    await rm(path, { recursive: true, force: true });
  }
  async downloadToFile() {
    throw new Error("the test holder downloads nothing to files");
  }
}

class NoWebSocket {
  constructor() {
    throw new Error("the test holder opens no WebSocket");
  }
}

function newAgent() {
  return new Agent({
    config: { logger: new ConsoleLogger(LogLevel.off) },
    dependencies: {
      FileSystem,
      EventEmitterClass: EventEmitter,
      fetch: globalThis.fetch,
      WebSocketClass: NoWebSocket,
    },
    modules: {
      askar: new AskarModule({
        askar,
        store: {
          id: `holder-${process.pid}`,
          key: askar.storeGenerateRawKey({}), // a fresh store key: nothing is kept
          keyDerivationMethod: "raw",
          database: { type: "sqlite", config: { inMemory: true } },
        },
      }),
      openid4vc: new OpenId4VcModule(),
    },
  });
}

function describe(error) {
  const parts = [];
  for (let e = error; e && parts.length < 5; e = e.cause) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  return parts.join(" <- ").slice(0, 4000);
}

// The key binding Credo offers: a fresh key of the first algorithm the issuer accepts; a
// did:jwk for the W3C formats (Credo binds those to DIDs only), the JWK itself for an
// SD-JWT VC (Credo then expects it in cnf.jwk). The node lists did:key, did:jwk and jwk.
async function binding(agent, { credentialFormat, proofTypes, supportedDidMethods }) {
  const algorithm = proofTypes.jwt?.supportedSignatureAlgorithms[0];
  if (!algorithm) throw new Error("no proof signing algorithm in common with the issuer");
  const key = await agent.kms.createKeyForSignatureAlgorithm({ algorithm });
  const publicJwk = Kms.PublicJwk.fromPublicJwk(key.publicJwk);
  if (credentialFormat === "dc+sd-jwt" || credentialFormat === "vc+sd-jwt") {
    return { method: "jwk", keys: [publicJwk] };
  }
  if (!supportedDidMethods?.includes("did:jwk")) {
    throw new Error(`the issuer binds to ${supportedDidMethods}, not did:jwk`);
  }
  await agent.dids.create({ method: "jwk", options: { keyId: key.keyId } });
  return { method: "did", didUrls: [`${DidJwk.fromPublicJwk(publicJwk).did}#0`] };
}

async function receive(agent, out) {
  const holder = agent.modules.openid4vc.holder;
  out.stage = "offer";
  const offer = await holder.resolveCredentialOffer(input.offer);
  out.offered = Object.keys(offer.offeredCredentialConfigurations);
  out.stage = "token";
  const token = await holder.requestToken({ resolvedCredentialOffer: offer, txCode: input.txCode });
  out.stage = "credential";
  const response = await holder.requestCredentials({
    resolvedCredentialOffer: offer,
    credentialConfigurationIds: [input.configurationId],
    credentialBindingResolver: (options) => binding(agent, options),
    ...token,
  });
  // Credo verified each credential (signature by the issuer's did:web key, the data
  // model, the holder binding) before building its record; a refusal throws above.
  out.credentials = [];
  for (const { record } of response.credentials) {
    out.recordType = record.type;
    for (const instance of record.credentialInstances) {
      out.credentials.push(instance.compactSdJwtVc ?? instance.credential);
    }
  }
  out.deferred = response.deferredCredentials.length;
}

async function verifySdJwt(agent, out) {
  out.stage = "verify";
  const result = await agent.sdJwtVc.verify({ compactSdJwtVc: input.credential });
  out.valid = result.isValid;
  if (!result.isValid) out.error = describe(result.error);
}

async function main() {
  const out = { ok: false, stage: "start" };
  let agent;
  try {
    agent = newAgent();
    await agent.initialize();
    if (input.mode === "receive") await receive(agent, out);
    else if (input.mode === "verify-sd-jwt") await verifySdJwt(agent, out);
    else throw new Error(`unknown mode ${JSON.stringify(input.mode)}`);
    out.ok = true;
  } catch (error) {
    out.ok = false;
    out.error = describe(error);
  } finally {
    await agent?.shutdown().catch(() => {});
    await rm(ROOT, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
