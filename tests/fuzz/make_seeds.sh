#!/usr/bin/env bash
# Writes the committed seed corpora, tests/fuzz/seeds/<target>/ (small
# inputs that reach past each target's first checks; the replay tests run
# them too). Needs protoc, wat2wasm, wasm-opt (binaryen), python3 and the
# default preset's make_proof_document_seeds (built here if missing).
# Re-run only to refresh the seeds; the output is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
S=tests/fuzz/seeds
rm -rf "$S"; mkdir -p "$S"/{codec,json,interface,tx,prepare,block_commit,state_proof,proof_document}

enc() {  # enc PROTO TYPE TEXT > bytes
  printf '%s' "$3" | protoc -I. -I/usr/include --encode="$2" "$1"
}
prefixed() {  # 2-byte little-endian length, then the file
  python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(len(d).to_bytes(2,"little")+d)' "$1"
}

# codec: AllTypes encodings.
P=tests/contracts/codec_test.proto T=ballast.codectest.AllTypes
enc $P $T 'u64: 1 i64: -5 text: "héllo" blob: "\001\002" r_u64: [1, 2, 300]' > $S/codec/scalars
enc $P $T 'inner { id: 7 note: "n" deltas: [-1, 1] } r_inner { id: 1 } r_inner { id: 2 }' > $S/codec/inner
enc $P $T 'o_u64: 0 o_text: "" o_flag: false r_unpacked: [1, 2] last: 9 fx32: 3 sfx64: -9' > $S/codec/optional
enc $P $T 'r_text: ["a", "b"] r_blob: ["x"] r_color: [COLOR_RED, COLOR_NEGATIVE] color: COLOR_BLUE' > $S/codec/repeated

# json: request bodies.
printf '%s' '{"tx":"0x0a066675","signature":"0x00"}' > $S/json/tx
printf '%s' '{"contract":"0x0101010101010101010101010101010101010101","method":"balance_of","args":{"owner":"0x02","n":[1,2.5,"x",null,true,{"a":{}}],"big":18446744073709551615}}' > $S/json/query
printf '%s' '{"contract":"0x01","name":"TransferEvent","from_height":"1","limit":10}' > $S/json/events
printf '%s' '{"chainId":"devnet-1","senderPubkey":"0x","nonce":"3","gasLimit":1000000,"call":{"contract":"0x01","method":"m","input":""}}' > $S/json/unsigned

# interface: the token's descriptor set, then a TransferRequest-ish message.
protoc -Icontracts/token -I/usr/include --include_imports \
  --descriptor_set_out=/tmp/fuzz_token.desc contracts/token/token.proto
{ prefixed /tmp/fuzz_token.desc; printf '\x0a\x14%s\x10\x05' "$(printf 'a%.0s' {1..20})"; } > $S/interface/token
{ prefixed /tmp/fuzz_token.desc; printf '\x08\x01'; } > $S/interface/token_small
rm -f /tmp/fuzz_token.desc

# tx: mode 0 (JSON body) and mode 1 (Transaction bytes, signed by the target).
L=ledger/ballast.proto
{ printf '\x00'; cat $S/json/tx; } > $S/tx/json
{ printf '\x01\x01'; enc $L ballast.ledger.Transaction 'chain_id: "fuzz-1" nonce: 0 gas_limit: 100000 call { contract: "aaaaaaaaaaaaaaaaaaaa" method: "transfer" input: "\010\001" }'; } > $S/tx/call
{ printf '\x01\x01'; enc $L ballast.ledger.Transaction 'chain_id: "fuzz-1" gas_limit: 100000 deploy { code: "\000asm\001\000\000\000" interface: "" init_input: "" }'; } > $S/tx/deploy
{ printf '\x01\x00'; enc $L ballast.ledger.Transaction 'chain_id: "other" gas_limit: 99999999999999 call { contract: "a" }'; } > $S/tx/wrong_chain

# block_commit: flags, Block, receipts, changes (see fuzz_block_commit.cc).
python3 - "$S/block_commit" "$L" <<'PY' 
import subprocess, sys
out, proto = sys.argv[1], sys.argv[2]
def enc(t, text):
    return subprocess.run(["protoc", "-I.", "-I/usr/include", "--encode=" + t, proto],
                          input=text.encode(), capture_output=True, check=True).stdout
def pre(b): return len(b).to_bytes(2, "little") + b
blk = enc("ballast.ledger.Block", 'header { chain_id: "fuzz-1" height: 1 } txs { tx: "\\n\\006fuzz-1" signature: "s" }')
rcpt = enc("ballast.ledger.Receipt", 'status: RECEIPT_STATUS_SUCCESS gas_used: 5 events { contract: "cccccccccccccccccccc" name: "E" data: "d" }')
acct = enc("ballast.ledger.Account", 'nonce: 1')
info = enc("ballast.ledger.ContractInfo", 'code_hash: "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh" creator: "aaaaaaaaaaaaaaaaaaaa"')
code = enc("ballast.ledger.CodeRecord", 'wasm: "\\000asm" instrumenter_version: 1')
empty = enc("ballast.ledger.Block", 'header { chain_id: "fuzz-1" height: 1 }')
def changes():
    c = bytes([4])
    c += bytes([1]) + pre(b"a" * 20) + pre(acct)
    c += bytes([2]) + pre(b"c" * 20) + pre(info)
    c += bytes([3]) + pre(b"h" * 32) + pre(code)
    c += bytes([4]) + pre(b"c" * 20) + pre(b"value") + pre(b"key")
    return c
open(out + "/all_fixed", "wb").write(bytes([31]) + pre(blk) + bytes([1]) + pre(rcpt) + changes())
open(out + "/empty_block", "wb").write(bytes([31]) + pre(empty) + bytes([0]) + bytes([0]))
open(out + "/unfixed", "wb").write(bytes([0]) + pre(blk) + bytes([1]) + pre(rcpt) + changes())
open(out + "/bad_sizes", "wb").write(bytes([23]) + pre(blk) + bytes([1]) + pre(rcpt) + changes())
PY

# state_proof: flags, key, value, proof (see fuzz_state_proof.cc): the known
# proofs of tests/ledger/state_proof_test.cc (leaf B of the tree {A, B}, and
# the absence of C), claimed right and wrong.
python3 - "$S/state_proof" <<'PY'
import hashlib, sys
out = sys.argv[1]
H = lambda b: hashlib.sha256(b).digest()
def pre(b): return len(b).to_bytes(2, "little") + b
A, B, C = bytes(32), b"\x20" + bytes(31), b"\x40" + bytes(31)
leaf_a = H(b"\x02" + A + H(b"a"))
leaf_b = H(b"\x02" + B + H(b"b"))
proof_b = b"\x01" + B + H(b"b") + b"\x00\x03\x20" + leaf_a
proof_c = b"\x00\x00\x02\x40" + H(b"\x03" + leaf_a + leaf_b)
seeds = {
    "member": bytes([0]) + pre(B) + pre(b"b") + proof_b,
    "member_from_leaf": bytes([3]) + pre(b"") + pre(b"b") + proof_b,
    "wrong_value": bytes([0]) + pre(B) + pre(b"c") + proof_b,
    "absent": bytes([4]) + pre(C) + pre(b"") + proof_c,
    "absent_claimed_present": bytes([0]) + pre(C) + pre(b"x") + proof_c,
    "empty_tree": bytes([5]) + pre(A) + pre(b"") + b"\x00\x00\x00",
}
for name, data in seeds.items():
    open(out + "/" + name, "wb").write(data)
PY

# proof_document: flags byte, then a proof document's JSON (see
# fuzz_proof_document.cc): documents of a real state tree signed by fixed
# keys, valid and broken (make_proof_document_seeds.cc), and the document
# docs/api.md recorded from a real node, trusted by its producer key
# (flags 0x30: that key alone, threshold 1, chain id "devnet").
cmake --build --preset default --target make_proof_document_seeds >/dev/null
build/default/tests/fuzz/make_proof_document_seeds $S/proof_document
python3 - "$S/proof_document/devnet_recorded" <<'PY'
import sys
lines = open("docs/api.md").read().split("\n")
start = lines.index("$ cat proof.json") + 1
end = lines.index("}", start) + 1
open(sys.argv[1], "wb").write(b"\x30" + "\n".join(lines[start:end]).encode())
PY

# prepare: the runtime's corpus, generated modules, a few -ttf modules.
for wat in tests/wasm/corpus/*.wat; do
  wat2wasm "$wat" -o "$S/prepare/$(basename "${wat%.wat}").wasm" 2>/dev/null || true
done
python3 tests/fuzz/gen_modules.py "$S/prepare" 24 1 >/dev/null
for i in 1 2 3; do
  python3 -c "import random,sys; r=random.Random($i); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(2048)))" > /tmp/fuzz_ttf.bin
  wasm-opt -ttf /tmp/fuzz_ttf.bin -o "$S/prepare/ttf-$i.wasm"
done
rm -f /tmp/fuzz_ttf.bin
du -sh "$S"/*
