#!/bin/sh
# Generate the QBFT genesis, the four validators' node keys and the node allowlist.
#
#   docker/network/generate.sh            (needs Docker; run once, from anywhere)
#
# Runs Besu's own generator in a container:
#   besu operator generate-blockchain-config --config-file=qbftConfigFile.json \
#        --to=generated/raw --private-key-file-name=key
# which writes generated/raw/genesis.json (QBFT extraData listing the 4 validators) and
# generated/raw/keys/<address>/{key,key.pub}. This script then lays them out as the compose
# file expects:
#   generated/genesis.json
#   generated/validator{1..4}/key            (node private key; keep secret)
#   generated/permissions_config.toml        (nodes-allowlist: the 4 validators' enodes)
#   generated/static-nodes.json              (the validators connect to each other)
# The validators get the fixed addresses 172.16.239.11-14 of the compose network.
# Re-running refuses to overwrite an existing generated/ (the chain's identity).
set -eu

BESU_IMAGE="${BESU_IMAGE:-hyperledger/besu:24.12.2}"
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/generated"

if [ -e "$OUT" ]; then
    echo "refusing to overwrite $OUT (delete it to start a new chain)" >&2
    exit 1
fi
mkdir -p "$OUT"

docker run --rm --user "$(id -u):$(id -g)" -v "$HERE:/network" -w /network "$BESU_IMAGE" \
    operator generate-blockchain-config \
    --config-file=/network/qbftConfigFile.json \
    --to=/network/generated/raw \
    --private-key-file-name=key

cp "$OUT/raw/genesis.json" "$OUT/genesis.json"
i=1
enodes=""
for dir in "$OUT"/raw/keys/*/; do
    mkdir -p "$OUT/validator$i"
    cp "$dir/key" "$OUT/validator$i/key"
    chmod 600 "$OUT/validator$i/key"
    pub="$(sed 's/^0x//' "$dir/key.pub")"
    enodes="$enodes${enodes:+,}\"enode://$pub@172.16.239.1$i:30303\""
    i=$((i + 1))
done
printf 'nodes-allowlist=[%s]\n' "$enodes" > "$OUT/permissions_config.toml"
printf '[%s]\n' "$enodes" > "$OUT/static-nodes.json"
rm -rf "$OUT/raw"
echo "generated: $OUT (genesis.json, validator1-4/key, permissions_config.toml, static-nodes.json)"
