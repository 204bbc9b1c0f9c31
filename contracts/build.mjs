#!/usr/bin/env node
// Compiles contracts/src/*.sol with the pinned solc-js (standard JSON) and writes
// contracts/artifacts/<Name>.json = {abi, bytecode, deployedBytecode, solcVersion, evmVersion}.
//
//   node build.mjs           write the artifacts
//   node build.mjs --check   exit 1 when the committed artifacts differ from a fresh compile
//
// evmVersion is explicit: solc >= 0.8.31 defaults to "osaka", which py-evm does not run.
// No metadata hash is appended to the bytecode, so the output does not depend on file paths,
// comments or the machine: the same sources always give the same artifacts.
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const here = dirname(fileURLToPath(import.meta.url))
const srcDir = join(here, 'src')
const outDir = join(here, 'artifacts')
const EVM_VERSION = 'cancun'
const OPTIMIZER_RUNS = 200

let solc
try {
  solc = require('solc')
} catch {
  console.error('solc is not installed: run `npm ci --ignore-scripts` in contracts/')
  process.exit(2)
}

const pinned = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).dependencies.solc
const version = solc.version() // e.g. "0.8.37+commit.xxxxxxxx.Emscripten.clang"
if (!version.startsWith(`${pinned}+`)) {
  console.error(`installed solc ${version} is not the pinned ${pinned}: run npm ci`)
  process.exit(2)
}

const sources = {}
for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[file] = { content: readFileSync(join(srcDir, file), 'utf8') }
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
    metadata: { bytecodeHash: 'none', appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
}

function findImports(path) {
  const file = join(srcDir, path.replace(/^\.\//, ''))
  return existsSync(file) ? { contents: readFileSync(file, 'utf8') } : { error: `not found: ${path}` }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }))
const diagnostics = output.errors ?? []
for (const d of diagnostics) console.error(d.formattedMessage ?? d.message)
if (diagnostics.some((d) => d.severity === 'error')) process.exit(1)
// Warnings are failures too: the sources must compile cleanly.
if (diagnostics.length > 0) process.exit(1)

const artifacts = {}
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    const bytecode = c.evm.bytecode.object
    if (bytecode.length === 0) continue // interfaces and abstract contracts
    if (artifacts[name]) {
      console.error(`two contracts named ${name} (${file})`)
      process.exit(1)
    }
    const artifact = {
      contractName: name,
      sourceName: `src/${file}`,
      solcVersion: version,
      evmVersion: EVM_VERSION,
      optimizerRuns: OPTIMIZER_RUNS,
      abi: c.abi,
      bytecode: `0x${bytecode}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    }
    artifacts[`${name}.json`] = `${JSON.stringify(artifact, null, 2)}\n`
  }
}

const sizes = Object.entries(artifacts).map(([file, text]) => {
  const runtime = (JSON.parse(text).deployedBytecode.length - 2) / 2
  return `${file.replace('.json', '')} ${runtime} B runtime`
})

if (process.argv.includes('--check')) {
  const committed = existsSync(outDir)
    ? readdirSync(outDir).filter((f) => f.endsWith('.json')).sort()
    : []
  const fresh = Object.keys(artifacts).sort()
  const drift = []
  for (const f of new Set([...committed, ...fresh])) {
    const have = committed.includes(f) ? readFileSync(join(outDir, f), 'utf8') : null
    if (have !== (artifacts[f] ?? null)) drift.push(f)
  }
  if (drift.length > 0) {
    console.error(`artifacts drift from src/ (run \`node build.mjs\`): ${drift.join(', ')}`)
    process.exit(1)
  }
  console.log(`artifacts up to date (solc ${version}, ${EVM_VERSION}): ${sizes.join(', ')}`)
} else {
  if (existsSync(outDir)) {
    for (const f of readdirSync(outDir).filter((f) => f.endsWith('.json'))) {
      if (!(f in artifacts)) rmSync(join(outDir, f))
    }
  }
  mkdirSync(outDir, { recursive: true })
  for (const [f, text] of Object.entries(artifacts)) writeFileSync(join(outDir, f), text)
  console.log(`wrote ${Object.keys(artifacts).length} artifacts (solc ${version}, ${EVM_VERSION}): ${sizes.join(', ')}`)
}
