#!/usr/bin/env python3
"""Known-answer vectors for Ballast's consensus formats (docs/formats.md).

A second implementation of the formats, written from docs/formats.md alone:
the protobuf subset (encoding, and decoding as the node accepts it), Ed25519 (RFC 8032, with Ballast's acceptance rule),
addresses, contract addresses, transaction and block hashes, the producer's
signature, the tx root, and the state tree's roots and proofs. Standard library only (hashlib); it shares no code
with Ballast and does not use libsodium.

  make_vectors.py           writes tests/vectors/formats.json
  make_vectors.py --check   exits 1 unless the written file would be identical
                            to the committed one, and every hex string of 16
                            bytes or more in docs/formats.md occurs in it

tests/ledger/formats_test.cc pins Ballast's C++ code to formats.json; the ctest
ledger.formats_vectors_script runs --check, so the document, this script and
the code cannot drift apart.
"""

import difflib
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VECTORS_PATH = os.path.join(HERE, "formats.json")
DOC_PATH = os.path.join(ROOT, "docs", "formats.md")

U64_MAX = 2**64 - 1


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# ---------------------------------------------------------------------------
# Protobuf, the subset of docs/formats.md section 2.


def varint(n: int) -> bytes:
    assert 0 <= n <= U64_MAX, n
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def tag(field: int, wire_type: int) -> bytes:
    return varint(field << 3 | wire_type)


def f_uint64(field: int, v: int) -> bytes:
    """uint64 / uint32 / enum: wire type 0, omitted when 0."""
    return b"" if v == 0 else tag(field, 0) + varint(v)


def f_int64(field: int, v: int) -> bytes:
    """int64: two's complement in 64 bits, so a negative value is 10 bytes."""
    assert -(2**63) <= v < 2**63, v
    return b"" if v == 0 else tag(field, 0) + varint(v & U64_MAX)


def f_bytes(field: int, b: bytes) -> bytes:
    """bytes: wire type 2, omitted when empty."""
    return b"" if not b else tag(field, 2) + varint(len(b)) + b


def f_string(field: int, s: str) -> bytes:
    return f_bytes(field, s.encode("utf-8"))


def f_message(field: int, encoded: bytes) -> bytes:
    """A present message field: always written, even when empty."""
    return tag(field, 2) + varint(len(encoded)) + encoded


def encode_call(contract: bytes, method: str, input_: bytes) -> bytes:
    return f_bytes(1, contract) + f_string(2, method) + f_bytes(3, input_)


def encode_deploy(code: bytes, interface: bytes, init_input: bytes) -> bytes:
    return f_bytes(1, code) + f_bytes(2, interface) + f_bytes(3, init_input)


def encode_transaction(chain_id, sender_pubkey, nonce, gas_limit, deploy=None,
                       call=None) -> bytes:
    assert (deploy is None) != (call is None)
    out = (f_string(1, chain_id) + f_bytes(2, sender_pubkey) +
           f_uint64(3, nonce) + f_uint64(4, gas_limit))
    if deploy is not None:
        out += f_message(5, deploy)
    else:
        out += f_message(6, call)
    return out


def encode_signed_transaction(tx: bytes, signature: bytes) -> bytes:
    return f_bytes(1, tx) + f_bytes(2, signature)


def encode_block_header(chain_id, height, parent_hash, time_ms, tx_root,
                        state_root, producer_pubkey, receipts_root) -> bytes:
    return (f_string(1, chain_id) + f_uint64(2, height) +
            f_bytes(3, parent_hash) + f_int64(4, time_ms) +
            f_bytes(5, tx_root) + f_bytes(6, state_root) +
            f_bytes(7, producer_pubkey) + f_bytes(8, receipts_root))


def encode_block_signature(pubkey: bytes, signature: bytes) -> bytes:
    return f_bytes(1, pubkey) + f_bytes(2, signature)


def encode_event(contract, name, data, block_height, tx_index,
                 event_index) -> bytes:
    return (f_bytes(1, contract) + f_string(2, name) + f_bytes(3, data) +
            f_uint64(4, block_height) + f_uint64(5, tx_index) +
            f_uint64(6, event_index))


# ReceiptStatus values (ledger/ballast.proto).
RECEIPT_STATUS = {"success": 1, "aborted": 2, "trapped": 3}


def encode_receipt(tx_hash, block_height, tx_index, status, error, gas_used,
                   output, events, contract_address) -> bytes:
    return (f_bytes(1, tx_hash) + f_uint64(2, block_height) +
            f_uint64(3, tx_index) + f_uint64(4, RECEIPT_STATUS[status]) +
            f_string(5, error) + f_uint64(6, gas_used) + f_bytes(7, output) +
            b"".join(f_message(8, e) for e in events) +
            f_bytes(9, contract_address))


class DecodeError(Exception):
    pass


def read_varint(buf: bytes, pos: int, max_bytes: int = 10):
    """A varint of at most `max_bytes` bytes; bits above 64 are dropped."""
    value = 0
    for i in range(max_bytes):
        if pos >= len(buf):
            raise DecodeError("truncated varint")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            return value & U64_MAX, pos
    raise DecodeError("varint longer than %d bytes" % max_bytes)


def read_tag(buf: bytes, pos: int):
    key, pos = read_varint(buf, pos, max_bytes=5)
    if key > 0xFFFFFFFF or key >> 3 == 0:
        raise DecodeError("bad field key")
    return key >> 3, key & 7, pos


def read_length_delimited(buf: bytes, pos: int):
    n, pos = read_varint(buf, pos)
    if n > len(buf) - pos:
        raise DecodeError("length beyond the end")
    return buf[pos:pos + n], pos + n


MAX_DEPTH = 100  # embedded messages and groups, nested


def skip_field(buf: bytes, pos: int, field: int, wire_type: int,
               depth: int) -> int:
    """Skips an unknown field (or a known one with another wire type) found
    at nesting `depth`."""
    if wire_type == 0:
        return read_varint(buf, pos)[1]
    if wire_type in (1, 5):
        size = 8 if wire_type == 1 else 4
        if size > len(buf) - pos:
            raise DecodeError("truncated fixed-size field")
        return pos + size
    if wire_type == 2:
        return read_length_delimited(buf, pos)[1]
    if wire_type == 3:  # a group: fields up to the matching end-group tag
        if depth + 1 > MAX_DEPTH:
            raise DecodeError("nested too deep")
        while True:
            inner, inner_type, pos = read_tag(buf, pos)
            if inner_type == 4:
                if inner != field:
                    raise DecodeError("mismatched end group")
                return pos
            pos = skip_field(buf, pos, inner, inner_type, depth + 1)
    raise DecodeError("unexpected wire type %d" % wire_type)


def decode_fields(buf: bytes, schema, target: dict, depth: int = 0):
    """Parses `buf`, a message at nesting `depth`, into `target`. `schema`
    maps a field number to (name, wire type, kind); kind is "uint64",
    "string", "bytes" or a function (target, field bytes, depth) for a
    message field."""
    pos = 0
    while pos < len(buf):
        field, wire_type, pos = read_tag(buf, pos)
        if field not in schema or schema[field][1] != wire_type:
            pos = skip_field(buf, pos, field, wire_type, depth)
            continue
        name, _, kind = schema[field]
        if kind == "uint64":
            target[name], pos = read_varint(buf, pos)
            continue
        value, pos = read_length_delimited(buf, pos)
        if kind == "string":
            try:
                target[name] = value.decode("utf-8")
            except UnicodeDecodeError:
                raise DecodeError("invalid UTF-8 in " + name)
        elif kind == "bytes":
            target[name] = value
        else:
            if depth + 1 > MAX_DEPTH:
                raise DecodeError("nested too deep")
            kind(target, value, depth + 1)


DEPLOY_SCHEMA = {1: ("code", 2, "bytes"), 2: ("interface", 2, "bytes"),
                 3: ("init_input", 2, "bytes")}
CALL_SCHEMA = {1: ("contract", 2, "bytes"), 2: ("method", 2, "string"),
               3: ("input", 2, "bytes")}


def oneof_member(name, schema, empty):
    def parse(tx, value, depth):
        if name not in tx:  # setting one member of the oneof clears the other
            tx.pop("deploy", None)
            tx.pop("call", None)
            tx[name] = dict(empty)
        decode_fields(value, schema, tx[name], depth)  # a repeat merges
    return parse


TRANSACTION_SCHEMA = {
    1: ("chain_id", 2, "string"),
    2: ("sender_pubkey", 2, "bytes"),
    3: ("nonce", 0, "uint64"),
    4: ("gas_limit", 0, "uint64"),
    5: ("deploy", 2, oneof_member("deploy", DEPLOY_SCHEMA, {
        "code": b"", "interface": b"", "init_input": b""})),
    6: ("call", 2, oneof_member("call", CALL_SCHEMA, {
        "contract": b"", "method": "", "input": b""})),
}


def decode_transaction(buf: bytes) -> dict:
    tx = {"chain_id": "", "sender_pubkey": b"", "nonce": 0, "gas_limit": 0}
    decode_fields(buf, TRANSACTION_SCHEMA, tx)
    return tx


def transaction_json(tx: dict) -> dict:
    """The fields of a decoded Transaction, as the vectors render them."""
    out = {"chain_id": tx["chain_id"], "sender_pubkey": tx["sender_pubkey"].hex(),
           "nonce": str(tx["nonce"]), "gas_limit": str(tx["gas_limit"])}
    for kind in ("deploy", "call"):
        if kind in tx:
            out[kind] = {k: v if isinstance(v, str) else v.hex()
                         for k, v in tx[kind].items()}
    return out


# ---------------------------------------------------------------------------
# Ed25519, RFC 8032 section 5.1, and Ballast's acceptance rule (section 4).

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1, 1, 0)  # extended coordinates (X, Y, Z, T)


def point_add(p1, p2):
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * 2 * D * t2 % P
    d = z1 * 2 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def scalar_mult(k: int, point):
    result = IDENTITY
    while k > 0:
        if k & 1:
            result = point_add(result, point)
        point = point_add(point, point)
        k >>= 1
    return result


def point_encode(point) -> bytes:
    x, y, z, _ = point
    zinv = pow(z, P - 2, P)
    x, y = x * zinv % P, y * zinv % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def recover_x(y: int, sign: int):
    """RFC 8032 section 5.1.3 steps 2-4; None if there is no such point."""
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P == u:
        pass
    elif v * x * x % P == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = P - x
    return x


def point_decode(s: bytes):
    """RFC 8032 section 5.1.3; None if `s` is not a canonical point."""
    n = int.from_bytes(s, "little")
    y, sign = n & ((1 << 255) - 1), n >> 255
    if y >= P:
        return None
    x = recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


BASE = point_decode((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def sha512_int(data: bytes) -> int:
    return int.from_bytes(hashlib.sha512(data).digest(), "little")


def secret_expand(seed: bytes):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def public_key(seed: bytes) -> bytes:
    a, _ = secret_expand(seed)
    return point_encode(scalar_mult(a, BASE))


def sign(seed: bytes, message: bytes) -> bytes:
    a, prefix = secret_expand(seed)
    pub = point_encode(scalar_mult(a, BASE))
    r = sha512_int(prefix + message) % L
    big_r = point_encode(scalar_mult(r, BASE))
    k = sha512_int(big_r + pub + message) % L
    s = (r + k * a) % L
    return big_r + s.to_bytes(32, "little")


# The seven encodings (sign bit cleared) of the points of small order and
# their non-canonical aliases, as listed in docs/formats.md section 4.
SMALL_ORDER = [bytes.fromhex(h) for h in (
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
)]


def has_small_order(s: bytes) -> bool:
    return s[:31] + bytes([s[31] & 0x7F]) in SMALL_ORDER


def verify(pub: bytes, message: bytes, sig: bytes,
           small_order_rule: bool = True) -> bool:
    """Ballast's acceptance rule (docs/formats.md section 4); without rule 3
    if `small_order_rule` is false."""
    if len(pub) != 32 or len(sig) != 64:
        return False
    big_r, s = sig[:32], int.from_bytes(sig[32:], "little")
    if s >= L:
        return False
    if small_order_rule and (has_small_order(big_r) or has_small_order(pub)):
        return False
    a = point_decode(pub)
    if a is None:
        return False
    k = sha512_int(big_r + pub + message) % L
    neg_a = ((P - a[0]) % P, a[1], a[2], (P - a[3]) % P)
    check = point_add(scalar_mult(s, BASE), scalar_mult(k, neg_a))
    return point_encode(check) == big_r


def verify_rfc8032_cofactored(pub: bytes, message: bytes, sig: bytes) -> bool:
    """RFC 8032 section 5.1.7 as written ([8][S]B = [8]R + [8][k]A): what
    Ballast's rule is stricter than."""
    a, r = point_decode(pub), point_decode(sig[:32])
    s = int.from_bytes(sig[32:], "little")
    if a is None or r is None or s >= L:
        return False
    k = sha512_int(sig[:32] + pub + message) % L
    left = scalar_mult(8 * s, BASE)
    right = scalar_mult(8, point_add(r, scalar_mult(k, a)))
    return point_encode(left) == point_encode(right)


# RFC 8032 section 7.1, TEST 1-3: (seed, public key, message, signature).
RFC8032_TESTS = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
     "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]


def self_check_ed25519():
    for seed, pub, msg, sig in RFC8032_TESTS:
        seed, pub, msg, sig = map(bytes.fromhex, (seed, pub, msg, sig))
        assert public_key(seed) == pub, "RFC 8032 public key"
        assert sign(seed, msg) == sig, "RFC 8032 signature"
        assert verify(pub, msg, sig) and verify_rfc8032_cofactored(
            pub, msg, sig), "RFC 8032 verify"
    for s in SMALL_ORDER:
        point = point_decode(s)
        if point is not None:  # canonical: must really have order <= 8
            assert point_encode(scalar_mult(8, point)) == SMALL_ORDER[1], s


# ---------------------------------------------------------------------------
# Addresses, hashes, tx root (docs/formats.md sections 3, 5-7).


def address(pub: bytes) -> bytes:
    return sha256(pub)[:20]


def contract_preimage(deployer: bytes, nonce: int) -> bytes:
    return b"ballast/contract" + deployer + nonce.to_bytes(8, "big")


def contract_address(deployer: bytes, nonce: int) -> bytes:
    return sha256(contract_preimage(deployer, nonce))[:20]


def executable_preimage(instrumenter_version: int, wasm: bytes) -> bytes:
    return b"ballast/code" + instrumenter_version.to_bytes(4, "big") + wasm


def merkle_tree_hash(leaves):
    """RFC 6962 section 2.1 over leaf data; 32 zero bytes for none."""
    if not leaves:
        return bytes(32)
    if len(leaves) == 1:
        return sha256(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha256(b"\x01" + merkle_tree_hash(leaves[:k]) +
                  merkle_tree_hash(leaves[k:]))


# ---------------------------------------------------------------------------
# The vectors.

CHAIN_ID = "ballast-vectors"

SEEDS = {
    "alice": bytes(range(0x00, 0x20)),
    "bob": bytes([0x42] * 32),
    "producer": bytes(range(0xE0, 0x100)),
}


def build():
    self_check_ed25519()
    pub = {name: public_key(seed) for name, seed in SEEDS.items()}
    addr = {name: address(k) for name, k in pub.items()}
    out = {
        "about": ("Known-answer vectors for docs/formats.md, written by "
                  "tests/vectors/make_vectors.py (do not edit by hand). Bytes "
                  "are lower-case hex without 0x; 64-bit integers are decimal "
                  "strings."),
    }

    out["keys"] = [{
        "name": name,
        "seed": seed.hex(),
        "public_key": pub[name].hex(),
        "secret_key": (seed + pub[name]).hex(),
        "address": addr[name].hex(),
    } for name, seed in SEEDS.items()]

    out["contract_addresses"] = [{
        "deployer": addr[who].hex(),
        "nonce": str(nonce),
        "preimage": contract_preimage(addr[who], nonce).hex(),
        "address": contract_address(addr[who], nonce).hex(),
    } for who, nonce in [("alice", 0), ("alice", 1), ("bob", 255),
                         ("bob", 256), ("bob", U64_MAX)]]

    # The same (instrumented) module under two instrumenter versions: two
    # executable hashes, so two stored codes.
    minimal_module = bytes.fromhex("0061736d01000000")
    out["executable_hashes"] = [{
        "instrumenter_version": version,
        "wasm": wasm.hex(),
        "preimage": executable_preimage(version, wasm).hex(),
        "executable_hash": sha256(executable_preimage(version, wasm)).hex(),
    } for version, wasm in [(1, minimal_module), (2, minimal_module),
                            (1, b"")]]

    token = contract_address(addr["alice"], 0)
    wasm_header = bytes.fromhex("0061736d01000000")  # "\0asm", version 1
    tx_specs = [
        # A deploy at nonce 0 (the nonce field is omitted).
        dict(name="deploy", key="alice", chain_id=CHAIN_ID, nonce=0,
             gas_limit=5_000_000,
             deploy=dict(code=wasm_header, interface=bytes.fromhex("0a00"),
                         init_input=bytes.fromhex("082a"))),
        # A call of the contract that deploy creates.
        dict(name="call", key="alice", chain_id=CHAIN_ID, nonce=1,
             gas_limit=200_000,
             call=dict(contract=token, method="transfer",
                       input=bytes.fromhex("0a14") + addr["bob"] +
                       bytes.fromhex("10e807"))),
        # A deploy with empty interface and init input (both omitted).
        dict(name="deploy_code_only", key="bob", chain_id=CHAIN_ID, nonce=7,
             gas_limit=1_000_000, deploy=dict(code=wasm_header,
                                              interface=b"", init_input=b"")),
        # Ten-byte varints and two-byte lengths.
        dict(name="call_large", key="bob", chain_id=CHAIN_ID, nonce=U64_MAX,
             gas_limit=1_000_000_000,
             call=dict(contract=token, method="mint", input=bytes(range(200)))),
        # Encoding edge, not a valid transaction (no chain id, no contract):
        # a present but empty Call is still written, as 32 00.
        dict(name="call_empty", key="bob", chain_id="", nonce=0, gas_limit=0,
             call=dict(contract=b"", method="", input=b"")),
    ]

    transactions = []
    stx_of = {}
    for spec in tx_specs:
        if "deploy" in spec:
            d = spec["deploy"]
            kind = encode_deploy(d["code"], d["interface"], d["init_input"])
            tx = encode_transaction(spec["chain_id"], pub[spec["key"]],
                                    spec["nonce"], spec["gas_limit"],
                                    deploy=kind)
            kind_json = {"deploy": {k: v.hex() for k, v in d.items()}}
        else:
            c = spec["call"]
            kind = encode_call(c["contract"], c["method"], c["input"])
            tx = encode_transaction(spec["chain_id"], pub[spec["key"]],
                                    spec["nonce"], spec["gas_limit"], call=kind)
            kind_json = {"call": {"contract": c["contract"].hex(),
                                  "method": c["method"],
                                  "input": c["input"].hex()}}
        signature = sign(SEEDS[spec["key"]], tx)
        assert verify(pub[spec["key"]], tx, signature)
        stx_of[spec["name"]] = tx
        transactions.append({
            "name": spec["name"],
            "key": spec["key"],
            "chain_id": spec["chain_id"],
            "nonce": str(spec["nonce"]),
            "gas_limit": str(spec["gas_limit"]),
            **kind_json,
            "tx": tx.hex(),
            "tx_hash": sha256(tx).hex(),
            "signature": signature.hex(),
            "signed_tx": encode_signed_transaction(tx, signature).hex(),
        })
    out["transactions"] = transactions

    out["signature_checks"] = signature_checks(pub, stx_of["call"])
    out["tx_decoding"] = tx_decoding(tx_specs[1], pub["alice"],
                                     stx_of["call"])

    names = [spec["name"] for spec in tx_specs]
    out["tx_roots"] = []
    for n in (0, 1, 2, 3, 4, 5):
        hashes = [sha256(stx_of[name]) for name in names[:n]]
        out["tx_roots"].append({
            "transactions": names[:n],
            "tx_hashes": [h.hex() for h in hashes],
            "leaf_hashes": [sha256(b"\x00" + h).hex() for h in hashes],
            "root": merkle_tree_hash(hashes).hex(),
        })

    out.update(state_tree_vectors())

    # Receipts (docs/formats.md 7.3): one per transaction, by name.
    token_events = {
        "deploy": [("MintEvent", b"\x08\xc0\x84\x3d")],
        "call": [("TransferEvent", b"\x18\xfa\x01")],
    }
    receipt_specs = {
        "deploy": dict(status="success", error="", gas_used=1_146_721,
                       output=b"", contract_address=token),
        "call": dict(status="success", error="", gas_used=139_409,
                     output=b"", contract_address=b""),
        "deploy_code_only": dict(status="aborted",
                                 error="init: aborted: not today",
                                 gas_used=98_765, output=b"\x01\x02",
                                 contract_address=b""),
    }
    out["receipts"] = []

    out["headers"] = []
    header_specs = [
        dict(name="block1", chain_id=CHAIN_ID, height=1, parent=None,
             time_ms=1_700_000_000_000, transactions=["deploy"],
             state_root=bytes([0x11] * 32)),
        dict(name="block2", chain_id=CHAIN_ID, height=2, parent="block1",
             time_ms=1_700_000_001_000,
             transactions=["call", "deploy_code_only"],
             state_root=bytes([0x22] * 32), signers=["producer", "alice"]),
        # Encoding edge, not a valid block: empty chain id and height 0
        # (omitted), a negative time (ten bytes), an empty tx list.
        dict(name="encoding_edge", chain_id="", height=0, parent=None,
             time_ms=-1, transactions=[], state_root=bytes(32)),
    ]
    block_hash = {}
    for spec in header_specs:
        parent_hash = (block_hash[spec["parent"]]
                       if spec["parent"] else bytes(32))
        tx_root = merkle_tree_hash(
            [sha256(stx_of[n]) for n in spec["transactions"]])
        receipt_hashes = []
        for index, name in enumerate(spec["transactions"]):
            r = receipt_specs[name]
            events = [
                encode_event(token, ev_name, data, spec["height"], index, j)
                for j, (ev_name, data) in enumerate(
                    token_events.get(name, []) if r["status"] == "success"
                    else [])
            ]
            receipt = encode_receipt(sha256(stx_of[name]), spec["height"],
                                     index, r["status"], r["error"],
                                     r["gas_used"], r["output"], events,
                                     r["contract_address"])
            receipt_hashes.append(sha256(receipt))
            out["receipts"].append({
                "block": spec["name"],
                "transaction": name,
                "tx_index": index,
                "status": r["status"],
                "error": r["error"],
                "gas_used": str(r["gas_used"]),
                "output": r["output"].hex(),
                "contract_address": r["contract_address"].hex(),
                "events": [
                    {"contract": token.hex(), "name": ev_name,
                     "data": data.hex(), "event_index": j}
                    for j, (ev_name, data) in enumerate(
                        token_events.get(name, [])
                        if r["status"] == "success" else [])
                ],
                "receipt": receipt.hex(),
                "receipt_hash": sha256(receipt).hex(),
            })
        receipts_root = merkle_tree_hash(receipt_hashes)
        header = encode_block_header(spec["chain_id"], spec["height"],
                                     parent_hash, spec["time_ms"], tx_root,
                                     spec["state_root"], pub["producer"],
                                     receipts_root)
        block_hash[spec["name"]] = sha256(header)
        signatures = []
        for who in spec.get("signers", ["producer"]):
            sig = sign(SEEDS[who], block_hash[spec["name"]])
            assert verify(pub[who], block_hash[spec["name"]], sig)
            signatures.append({
                "key": who,
                "pubkey": pub[who].hex(),
                "signature": sig.hex(),
                "encoding": encode_block_signature(pub[who], sig).hex(),
            })
        out["headers"].append({
            "name": spec["name"],
            "chain_id": spec["chain_id"],
            "height": str(spec["height"]),
            "parent": spec["parent"],
            "parent_hash": parent_hash.hex(),
            "time_ms": str(spec["time_ms"]),
            "transactions": spec["transactions"],
            "tx_root": tx_root.hex(),
            "state_root": spec["state_root"].hex(),
            "producer": "producer",
            "producer_pubkey": pub["producer"].hex(),
            "receipts_root": receipts_root.hex(),
            "header": header.hex(),
            "block_hash": block_hash[spec["name"]].hex(),
            "signatures": signatures,
        })
    return out


def signature_checks(pub, message: bytes):
    """Signatures and whether Ballast accepts them (docs/formats.md 4)."""
    alice_seed = SEEDS["alice"]
    good = sign(alice_seed, message)
    r, s = good[:32], int.from_bytes(good[32:], "little")
    a, _ = secret_expand(alice_seed)

    # R of order 8 and S = k*a: [S]B - [k]A is the identity, not R, so the
    # equation without cofactor fails; the cofactored one of RFC 8032 holds.
    small_r = SMALL_ORDER[2]
    k = sha512_int(small_r + pub["alice"] + message) % L
    small_r_sig = small_r + (k * a % L).to_bytes(32, "little")
    assert verify_rfc8032_cofactored(pub["alice"], message, small_r_sig)
    assert not verify(pub["alice"], message, small_r_sig,
                      small_order_rule=False)

    # For each small-order public key, a signature that meets every rule
    # but the small-order one: R = [r]B, S = r, and a message (the tx bytes
    # and one more byte) for which k is a multiple of the key's order, so
    # [S]B - [k]A = R.
    small_key_cases = []
    for enc in SMALL_ORDER:
        y = int.from_bytes(enc, "little") % P  # as if y were reduced mod p
        point = (recover_x(y, 0), y, 1, recover_x(y, 0) * y % P)
        order = next(n for n in (1, 2, 4, 8)
                     if point_encode(scalar_mult(n, point)) == SMALL_ORDER[1])
        nonce = sha512_int(b"ballast/vectors/r" + enc) % L
        big_r = point_encode(scalar_mult(nonce, BASE))
        for i in range(256):
            msg = message + bytes([i])
            if sha512_int(big_r + enc + msg) % L % order == 0:
                break
        sig = big_r + nonce.to_bytes(32, "little")
        canonical = int.from_bytes(enc, "little") & ((1 << 255) - 1) < P
        assert verify(enc, msg, sig, small_order_rule=False) == canonical
        small_key_cases.append(("key_small_order_" + enc[:4].hex() + "_" +
                                enc[31:].hex(), enc, msg, sig, False))

    cases = [
        ("valid", pub["alice"], message, good, True),
        ("wrong_message", pub["alice"], message[:-1] + bytes(
            [message[-1] ^ 1]), good, False),
        ("wrong_key", pub["bob"], message, good, False),
        ("s_plus_l", pub["alice"], message, r + (s + L).to_bytes(32, "little"),
         False),
        ("r_small_order", pub["alice"], message, small_r_sig, False),
        ("truncated", pub["alice"], message, good[:63], False),
    ] + small_key_cases
    for seed, public, msg, sig in RFC8032_TESTS:
        cases.append(("rfc8032_" + seed[:8], bytes.fromhex(public),
                      bytes.fromhex(msg), bytes.fromhex(sig), True))
    checks = []
    for name, public, msg, sig, valid in cases:
        assert verify(public, msg, sig) == valid, name
        checks.append({
            "name": name,
            "public_key": public.hex(),
            "message": msg.hex(),
            "signature": sig.hex(),
            "valid": valid,
        })
    return checks


def tx_decoding(spec, sender_pubkey: bytes, canonical: bytes):
    """Encodings of one transaction that are not canonical, or not valid
    protobuf, and what a decoder must make of them (docs/formats.md 2.3)."""
    c = spec["call"]
    call = encode_call(c["contract"], c["method"], c["input"])
    f1, f2 = f_string(1, spec["chain_id"]), f_bytes(2, sender_pubkey)
    f3, f4 = f_uint64(3, spec["nonce"]), f_uint64(4, spec["gas_limit"])
    f6 = f_message(6, call)
    assert spec["nonce"] == 1 and spec["gas_limit"] == 200_000
    assert f1 + f2 + f3 + f4 + f6 == canonical
    deploy = f_message(5, encode_deploy(bytes.fromhex("0061736d01000000"),
                                        b"", b""))
    hx = bytes.fromhex
    cases = [
        ("canonical", canonical),
        ("fields_reordered", f6 + f4 + f3 + f2 + f1),
        ("unknown_fields", canonical + tag(15, 0) + varint(7) +
         f_bytes(16, b"abc") + tag(17, 3) + tag(1, 0) + varint(1) +
         tag(17, 4) + tag(18, 5) + hx("01020304") + tag(19, 1) + bytes(8)),
        ("overlong_varints", f1 + f2 + tag(3, 0) + hx("818000") + tag(4, 0) +
         hx("c09a8c8000") + f6),
        ("overlong_tag", f1 + f2 + hx("9800") + varint(1) + f4 + f6),
        ("ten_byte_varint_bits_above_64_dropped", f1 + f2 + f3 + tag(4, 0) +
         hx("c09a8c8080808080807e") + f6),
        ("explicit_defaults", f1 + f2 + tag(3, 0) + hx("00") + f3 + f4 +
         f_message(6, f_bytes(1, c["contract"]) + tag(2, 2) + hx("00") +
                   f_string(2, c["method"]) + f_bytes(3, c["input"]))),
        ("repeated_field_last_wins", f_string(1, "other-chain") + f1 + f2 +
         f3 + tag(4, 0) + varint(5) + f4 + f6),
        ("oneof_call_after_deploy", f1 + f2 + f3 + f4 + deploy + f6),
        ("oneof_deploy_after_call", f1 + f2 + f3 + f4 + f6 + deploy),
        ("message_fields_merge", f1 + f2 + f3 + f4 +
         f_message(6, f_bytes(1, c["contract"])) +
         f_message(6, f_string(2, c["method"]) + f_bytes(3, c["input"]))),
        ("known_field_wrong_wire_type", f1 + f2 + f_bytes(3, b"\x01") + f4 +
         f6),
        ("invalid_utf8_chain_id", tag(1, 2) + hx("02c328") + f2 + f3 + f4 +
         f6),
        ("invalid_utf8_method", f1 + f2 + f3 + f4 +
         f_message(6, f_bytes(1, c["contract"]) + tag(2, 2) + hx("03eda080"))),
        ("truncated", canonical[:-1]),
        ("length_beyond_end", canonical + tag(16, 2) + varint(5) + b"ab"),
        ("varint_eleven_bytes", f1 + f2 + tag(3, 0) + hx("80" * 10 + "00") +
         f4 + f6),
        ("tag_six_bytes", f1 + f2 + hx("988080808000") + varint(1) + f4 + f6),
        ("field_number_zero", canonical + hx("0001")),
        ("unmatched_end_group", canonical + tag(17, 4)),
        ("mismatched_end_group", canonical + tag(17, 3) + tag(18, 4)),
        ("wire_type_6", canonical + tag(15, 6)),
        ("tag_above_32_bits", canonical + hx("8080808010") + varint(0)),
        ("groups_nested_100", canonical + tag(15, 3) * 100 + tag(15, 4) * 100),
        ("groups_nested_101", canonical + tag(15, 3) * 101 + tag(15, 4) * 101),
        ("groups_nested_99_in_call", f1 + f2 + f3 + f4 +
         f_message(6, call + tag(15, 3) * 99 + tag(15, 4) * 99)),
        ("groups_nested_100_in_call", f1 + f2 + f3 + f4 +
         f_message(6, call + tag(15, 3) * 100 + tag(15, 4) * 100)),
    ]
    vectors = []
    for name, data in cases:
        try:
            fields = transaction_json(decode_transaction(data))
        except DecodeError:
            fields = None
        vectors.append({"name": name, "tx": data.hex(),
                        "parses": fields is not None, "fields": fields})
    return vectors


# ---------------------------------------------------------------------------
# The state tree and its proofs, docs/formats.md section 10.

EMPTY = bytes(32)


def key_bit(key: bytes, i: int) -> int:
    return key[i // 8] >> (7 - i % 8) & 1


def smt_leaf(key: bytes, value: bytes) -> bytes:
    return sha256(b"\x02" + key + sha256(value))


def smt_internal(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x03" + left + right)


def smt_root(entries, depth=0) -> bytes:
    """entries: sorted (key, value) pairs sharing their first depth bits."""
    if not entries:
        return EMPTY
    if len(entries) == 1:
        return smt_leaf(*entries[0])
    left = [e for e in entries if key_bit(e[0], depth) == 0]
    right = [e for e in entries if key_bit(e[0], depth) == 1]
    return smt_internal(smt_root(left, depth + 1), smt_root(right, depth + 1))


def smt_prove(entries, key: bytes):
    """(leaf or None, siblings) for key: walk down until one entry or none
    is left on the key's side."""
    siblings, depth = [], 0
    while len(entries) > 1:
        side = [e for e in entries if key_bit(e[0], depth) == key_bit(key, depth)]
        other = [e for e in entries if key_bit(e[0], depth) != key_bit(key, depth)]
        siblings.append(smt_root(other, depth + 1))
        entries, depth = side, depth + 1
    leaf = (entries[0][0], sha256(entries[0][1])) if entries else None
    return leaf, siblings


def encode_proof(leaf, siblings) -> bytes:
    out = b"\x01" + leaf[0] + leaf[1] if leaf else b"\x00"
    out += len(siblings).to_bytes(2, "big")
    bitmap = bytearray((len(siblings) + 7) // 8)
    for i, s in enumerate(siblings):
        if s != EMPTY:
            bitmap[i // 8] |= 0x80 >> (i % 8)
    return out + bytes(bitmap) + b"".join(s for s in siblings if s != EMPTY)


def decode_proof(data: bytes):
    """(leaf, siblings), or None unless data is a canonical encoding."""
    if not data or data[0] > 1:
        return None
    pos, leaf = 1, None
    if data[0] == 1:
        if len(data) < 65:
            return None
        leaf, pos = (data[1:33], data[33:65]), 65
    if len(data) < pos + 2:
        return None
    n = int.from_bytes(data[pos:pos + 2], "big")
    pos += 2
    if n > 256 or len(data) < pos + (n + 7) // 8:
        return None
    bitmap = data[pos:pos + (n + 7) // 8]
    pos += len(bitmap)
    if n % 8 and bitmap[-1] & (0xFF >> (n % 8)):
        return None
    siblings = []
    for i in range(n):
        if not bitmap[i // 8] & (0x80 >> (i % 8)):
            siblings.append(EMPTY)
            continue
        s = data[pos:pos + 32]
        pos += 32
        if len(s) != 32 or s == EMPTY:
            return None
        siblings.append(s)
    return (leaf, siblings) if pos == len(data) else None


def smt_verify(root: bytes, key: bytes, value, proof: bytes) -> bool:
    decoded = decode_proof(proof)
    if decoded is None or len(root) != 32 or len(key) != 32:
        return False
    leaf, siblings = decoded
    n = len(siblings)
    if value is not None:
        if leaf is None or leaf[0] != key or leaf[1] != sha256(value):
            return False
    elif leaf is not None:
        if leaf[0] == key or any(key_bit(leaf[0], i) != key_bit(key, i)
                                 for i in range(n)):
            return False
    h = smt_leaf_hash(leaf) if leaf else EMPTY
    for i in reversed(range(n)):
        h = (smt_internal(h, siblings[i]) if key_bit(key, i) == 0
             else smt_internal(siblings[i], h))
    return h == root


def smt_leaf_hash(leaf) -> bytes:
    return sha256(b"\x02" + leaf[0] + leaf[1])


def state_tree_vectors():
    """Small trees: their roots, a proof per queried key, and proofs that a
    verifier must refuse."""
    def k(hex_prefix: str) -> bytes:
        b = bytes.fromhex(hex_prefix)
        return b + bytes(32 - len(b))
    a, b, c = k(""), k("20"), k("40")
    deep1, deep2 = k("ff" * 31 + "fe"), k("ff" * 31 + "ff")  # 255 bits shared
    trees = [
        ("empty", [], [a, b]),
        ("one_leaf", [(k("80"), b"v1")], [k("80"), a]),
        ("shared_prefix", [(a, b"a"), (b, b"b")], [a, b, c, k("30"), k("80")]),
        ("deepest", [(deep1, b"x"), (deep2, b"y"), (a, b"")],
         [deep1, deep2, a, k("ff"), k("80")]),
    ]
    out_trees, checks = [], []
    for name, entries, queries in trees:
        entries = sorted(entries)
        root = smt_root(entries)
        values = dict(entries)
        proofs = []
        for q in queries:
            leaf, siblings = smt_prove(entries, q)
            proof = encode_proof(leaf, siblings)
            value = values.get(q)
            assert smt_verify(root, q, value, proof)
            assert decode_proof(proof) == (leaf, siblings)
            proofs.append({"key": q.hex(), "present": value is not None,
                           "value": (value or b"").hex(),
                           "proof": proof.hex()})
        out_trees.append({"name": name,
                          "entries": [{"key": e[0].hex(), "value": e[1].hex()}
                                      for e in entries],
                          "root": root.hex(), "proofs": proofs})

    entries = sorted([(a, b"a"), (b, b"b")])
    root = smt_root(entries)
    leaf_b, sib_b = smt_prove(entries, b)
    good = encode_proof(leaf_b, sib_b)
    absent_c = encode_proof(*smt_prove(entries, c))

    def forged(siblings=None, leaf=leaf_b):
        return encode_proof(leaf, sib_b if siblings is None else siblings)

    cases = [
        ("valid", b, b"b", good),
        ("wrong_value", b, b"c", good),
        ("claimed_absent_but_present", b, None, good),
        ("other_key_claims_the_leaf", a, b"b", good),
        ("wrong_sibling", b, b"b", forged(sib_b[:2] + [smt_leaf(b, b"b")])),
        ("truncated_path", b, b"b", forged(sib_b[:-1])),
        ("overlong_path", b, b"b", forged(sib_b + [EMPTY])),
        ("leaf_off_the_path", k("80"), None, good),
        ("absent_valid", c, None, absent_c),
        ("absent_claimed_present", c, b"", absent_c),
        ("trailing_byte", b, b"b", good + b"\x00"),
        ("truncated_bytes", b, b"b", good[:-1]),
        ("unknown_flags", c, None, b"\x02" + absent_c[1:]),
        ("bitmap_padding_set", c, None, absent_c[:3] + b"\x50" + absent_c[4:]),
        ("zero_sibling_marked_non_empty", a, None, bytes.fromhex("00000180") + EMPTY),
        ("count_257", a, None, bytes.fromhex("000101") + bytes(33)),
    ]
    for name, key, value, proof in cases:
        checks.append({"name": name, "root": root.hex(), "key": key.hex(),
                       "present": value is not None,
                       "value": (value or b"").hex(), "proof": proof.hex(),
                       "valid": smt_verify(root, key, value, proof)})
    assert [c["valid"] for c in checks].count(True) == 2

    tree_keys = [{"namespace": ns, "raw_key": raw.hex(),
                  "tree_key": sha256(ns.encode() + raw).hex()}
                 for ns, raw in [("a", bytes([0x11] * 20)),
                                 ("c", bytes([0x22] * 20)),
                                 ("s", bytes([0x22] * 20) + b"balance")]]
    return {"state_tree_keys": tree_keys, "state_trees": out_trees,
            "state_proof_checks": checks}


def render(vectors) -> str:
    return json.dumps(vectors, indent=2) + "\n"


def doc_hex_missing(text: str, rendered: str):
    """Hex strings of 16 bytes or more in the document that the vectors do
    not contain: every such value the document shows must be a vector."""
    return [run for run in re.findall(r"\b[0-9a-f]{32,}\b", text)
            if not run.isdigit() and run not in rendered]  # not decimals


def main(argv):
    rendered = render(build())
    if argv[1:] == ["--check"]:
        with open(VECTORS_PATH, encoding="utf-8") as f:
            committed = f.read()
        ok = True
        if committed != rendered:
            sys.stdout.writelines(difflib.unified_diff(
                committed.splitlines(True), rendered.splitlines(True),
                "committed " + VECTORS_PATH, "regenerated"))
            print("FAIL: make_vectors.py no longer reproduces formats.json")
            ok = False
        with open(DOC_PATH, encoding="utf-8") as f:
            missing = doc_hex_missing(f.read(), rendered)
        for run in missing:
            print("FAIL: docs/formats.md shows hex not in the vectors: " + run)
        ok = ok and not missing
        print("formats.json and docs/formats.md agree with the script" if ok
              else "")
        return 0 if ok else 1
    if argv[1:]:
        print(__doc__)
        return 2
    with open(VECTORS_PATH, "w", encoding="utf-8") as f:
        f.write(rendered)
    print("wrote " + VECTORS_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
