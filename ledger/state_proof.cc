// Proof encoding (all integers big-endian):
//
//   flags(1)            0x00: the path ends at the empty placeholder
//                       0x01: the path ends at a leaf; any other value is
//                             malformed
//   [key(32) value_hash(32)]          the leaf, present iff flags = 0x01
//   count(2)            n = number of siblings, 0..256
//   bitmap(ceil(n/8))   bit i (byte i/8, mask 0x80 >> i%8) is 1 iff
//                       sibling i is not the empty placeholder; the unused
//                       low bits of the last byte are 0
//   hash(32) x popcount the non-empty siblings, in order of i (root first)
//
// Nothing may follow. The encoding is canonical: a non-empty sibling may not
// be 32 zero bytes (it would be written as a 0 bit), so each proof has
// exactly one encoding and Serialize(Parse(b)) == b.
//
// Verification (a second implementation needs only this and the hashes in
// state_proof.h): h = the leaf's hash, or 32 zero bytes without a leaf; for
// i = n-1 down to 0, h = internal(h, sibling i) if bit i of the key is 0,
// else internal(sibling i, h); the proof holds iff h equals the root and
//   - membership: the leaf is present, its key is the key, and its
//     value_hash is SHA-256(value);
//   - absence: there is no leaf, or the leaf's key differs from the key but
//     agrees with it on its first n bits (it occupies the key's path).
// Domain separation makes this sound: a path cannot stop early (an internal
// hash never equals a leaf's or the placeholder) or run on through a leaf or
// an empty subtree (for the same reason, the other way round).

#include "ledger/state_proof.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"

namespace ballast::ledger {
namespace {

const std::string& EmptyHash() {
  static const auto* empty = new std::string(kHashSize, '\0');
  return *empty;
}

std::string Hash65(uint8_t prefix, std::string_view a, std::string_view b) {
  unsigned char buf[1 + 2 * kHashSize];
  buf[0] = prefix;
  std::memcpy(buf + 1, a.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, b.data(), kHashSize);
  std::string out(kHashSize, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()), buf,
                     sizeof(buf));
  return out;
}

// The number of leading bits `a` and `b` (32 bytes each) share.
size_t CommonPrefixBits(std::string_view a, std::string_view b) {
  for (size_t i = 0; i < kHashSize; ++i) {
    uint8_t x = static_cast<uint8_t>(a[i]) ^ static_cast<uint8_t>(b[i]);
    if (x != 0) {
      size_t bits = i * 8;
      while ((x & 0x80) == 0) {
        x <<= 1;
        ++bits;
      }
      return bits;
    }
  }
  return kMaxStateTreeDepth;
}

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("state proof: ", std::string(what)));
}

absl::Status CheckWellFormed(const StateProof& proof) {
  if (proof.siblings.size() > kMaxStateTreeDepth) {
    return Invalid(absl::StrCat(proof.siblings.size(),
                                " siblings; a path has at most ",
                                kMaxStateTreeDepth));
  }
  for (size_t i = 0; i < proof.siblings.size(); ++i) {
    if (proof.siblings[i].size() != kHashSize) {
      return Invalid(absl::StrCat("sibling ", i, " is ",
                                  proof.siblings[i].size(), " bytes, not 32"));
    }
  }
  if (proof.leaf.has_value() && (proof.leaf->key.size() != kHashSize ||
                                 proof.leaf->value_hash.size() != kHashSize)) {
    return Invalid("the leaf's key and value hash must be 32 bytes each");
  }
  return absl::OkStatus();
}

}  // namespace

std::string StateLeafHash(std::string_view key, std::string_view value_hash) {
  return Hash65(kStateLeafPrefix, key, value_hash);
}

std::string StateInternalHash(std::string_view left, std::string_view right) {
  return Hash65(kStateInternalPrefix, left, right);
}

absl::Status VerifyStateProof(std::string_view root, std::string_view key,
                              std::optional<std::string_view> value,
                              const StateProof& proof) {
  if (root.size() != kHashSize) {
    return Invalid(absl::StrCat("root is ", root.size(), " bytes, not 32"));
  }
  if (key.size() != kHashSize) {
    return Invalid(absl::StrCat("key is ", key.size(), " bytes, not 32"));
  }
  RETURN_IF_ERROR(CheckWellFormed(proof));
  const size_t n = proof.siblings.size();
  if (value.has_value()) {
    if (!proof.leaf.has_value()) {
      return Invalid(absl::StrCat("key ", ToHex(key),
                                  " is claimed present but the proof ends "
                                  "at an empty subtree (absence)"));
    }
    if (proof.leaf->key != key) {
      return Invalid(absl::StrCat("key ", ToHex(key),
                                  " is claimed present but the proof's leaf "
                                  "is key ",
                                  ToHex(proof.leaf->key), " (absence)"));
    }
    std::string value_hash = Sha256(*value);
    if (proof.leaf->value_hash != value_hash) {
      return Invalid(absl::StrCat("the value (SHA-256 ", ToHex(value_hash),
                                  ") is not the leaf's (",
                                  ToHex(proof.leaf->value_hash), ")"));
    }
  } else if (proof.leaf.has_value()) {
    if (proof.leaf->key == key) {
      return Invalid(absl::StrCat("key ", ToHex(key),
                                  " is claimed absent but the proof holds "
                                  "its leaf (membership)"));
    }
    if (CommonPrefixBits(proof.leaf->key, key) < n) {
      return Invalid(absl::StrCat("the proof's leaf ", ToHex(proof.leaf->key),
                                  " does not lie on the path of key ",
                                  ToHex(key), " (depth ", n, ")"));
    }
  }
  std::string h = proof.leaf.has_value()
                      ? StateLeafHash(proof.leaf->key, proof.leaf->value_hash)
                      : EmptyHash();
  for (size_t i = n; i-- > 0;) {
    h = KeyBit(key, i) == 0 ? StateInternalHash(h, proof.siblings[i])
                            : StateInternalHash(proof.siblings[i], h);
  }
  if (h != root) {
    return Invalid(absl::StrCat("the proof's path hashes to root ", ToHex(h),
                                ", not ", ToHex(root)));
  }
  return absl::OkStatus();
}

std::string SerializeStateProof(const StateProof& proof) {
  const size_t n = proof.siblings.size();
  std::string out;
  out.reserve(1 + 2 * kHashSize + 2 + (n + 7) / 8 + n * kHashSize);
  out.push_back(proof.leaf.has_value() ? '\x01' : '\x00');
  if (proof.leaf.has_value()) {
    out.append(proof.leaf->key);
    out.append(proof.leaf->value_hash);
  }
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n & 0xff));
  std::string bitmap((n + 7) / 8, '\0');
  for (size_t i = 0; i < n; ++i) {
    if (proof.siblings[i] != EmptyHash()) {
      bitmap[i / 8] = static_cast<char>(bitmap[i / 8] | (0x80 >> (i % 8)));
    }
  }
  out.append(bitmap);
  for (const std::string& s : proof.siblings) {
    if (s != EmptyHash()) out.append(s);
  }
  return out;
}

absl::StatusOr<StateProof> ParseStateProof(std::string_view bytes) {
  StateProof proof;
  size_t pos = 0;
  auto take = [&](size_t len, std::string_view what,
                  std::string_view* out) -> absl::Status {
    if (bytes.size() - pos < len) {
      return Invalid(absl::StrCat("truncated: ", std::string(what), " needs ",
                                  len, " bytes at offset ", pos, ", ",
                                  bytes.size() - pos, " left"));
    }
    *out = bytes.substr(pos, len);
    pos += len;
    return absl::OkStatus();
  };
  std::string_view field;
  RETURN_IF_ERROR(take(1, "flags", &field));
  const uint8_t flags = static_cast<uint8_t>(field[0]);
  if (flags > 1) {
    return Invalid(absl::StrCat("unknown flags byte 0x", ToHex(field)));
  }
  if (flags == 1) {
    StateProof::Leaf leaf;
    RETURN_IF_ERROR(take(kHashSize, "leaf key", &field));
    leaf.key = std::string(field);
    RETURN_IF_ERROR(take(kHashSize, "leaf value hash", &field));
    leaf.value_hash = std::string(field);
    proof.leaf = std::move(leaf);
  }
  RETURN_IF_ERROR(take(2, "sibling count", &field));
  const size_t n = (static_cast<size_t>(static_cast<uint8_t>(field[0])) << 8) |
                   static_cast<uint8_t>(field[1]);
  if (n > kMaxStateTreeDepth) {
    return Invalid(
        absl::StrCat(n, " siblings; a path has at most ", kMaxStateTreeDepth));
  }
  std::string_view bitmap;
  RETURN_IF_ERROR(take((n + 7) / 8, "sibling bitmap", &bitmap));
  if (n % 8 != 0) {
    const uint8_t unused = 0xff >> (n % 8);
    if ((static_cast<uint8_t>(bitmap.back()) & unused) != 0) {
      return Invalid("bits past the last sibling are set in the bitmap");
    }
  }
  proof.siblings.reserve(n);  // n <= 256
  for (size_t i = 0; i < n; ++i) {
    if ((static_cast<uint8_t>(bitmap[i / 8]) & (0x80 >> (i % 8))) == 0) {
      proof.siblings.push_back(EmptyHash());
      continue;
    }
    RETURN_IF_ERROR(take(kHashSize, absl::StrCat("sibling ", i), &field));
    if (field == EmptyHash()) {
      return Invalid(absl::StrCat(
          "sibling ", i,
          " is the empty placeholder but marked non-empty (non-canonical)"));
    }
    proof.siblings.emplace_back(field);
  }
  if (pos != bytes.size()) {
    return Invalid(absl::StrCat(bytes.size() - pos,
                                " trailing bytes after the last sibling"));
  }
  return proof;
}

absl::Status VerifyStateProof(std::string_view root, std::string_view key,
                              std::optional<std::string_view> value,
                              std::string_view proof_bytes) {
  ASSIGN_OR_RETURN(StateProof proof, ParseStateProof(proof_bytes));
  return VerifyStateProof(root, key, value, proof);
}

}  // namespace ballast::ledger
