// Specification of state proofs (ledger/state_proof.h): the hashes, the byte
// encoding and the verifier, with no tree and no store. The known answers
// were computed by an independent script (Python hashlib) from the rules in
// state_proof.h and state_proof.cc, not by this code.

#include "ledger/state_proof.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"

namespace ballast::ledger {
namespace {

using ::testing::HasSubstr;

std::string Hex(std::string_view hex) { return *FromHex(hex); }

const std::string kEmpty(32, '\0');
// Two keys sharing their first two bits: A = 00..00, B = 0x20 00..00.
const std::string kA(32, '\0');
const std::string kB = std::string(1, '\x20') + std::string(31, '\0');
// Absent: C = 0x40 00..00 leaves the path at depth 1, onto an empty subtree.
const std::string kC = std::string(1, '\x40') + std::string(31, '\0');

const std::string kLeafA =
    Hex("711f8dfc6c2b58dc4b3743e5aaae634dda71017ed8de3eee263b6acd8ff9d925");
const std::string kLeafB =
    Hex("e26c1022f51eab26cd46b88647780b89c417dbb2b2f02c734d07ec47075858f3");
// internal(internal(internal(leaf A "a", leaf B "b"), empty), empty)
const std::string kRootAB =
    Hex("f0673b908a8dc1067b4cb7cd02a92b89c13c5d5f12b4d821259d9af50db657bd");
// Membership of B: leaf B, 3 siblings (empty, empty, leaf A): bitmap 0x20.
const std::string kProofB =
    Hex("01"
        "2000000000000000000000000000000000000000000000000000000000000000"
        "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
        "0003"
        "20"
        "711f8dfc6c2b58dc4b3743e5aaae634dda71017ed8de3eee263b6acd8ff9d925");
// Absence of C: no leaf, 2 siblings (empty, internal(A, B)): bitmap 0x40.
const std::string kProofC =
    Hex("00"
        "0002"
        "40"
        "1c20f25e177a904344c9ddf1b19dc4ca09a11735d198267f55236c2b5f11b9c2");

TEST(StateProofTest, HashesAreDomainSeparatedSha256) {
  EXPECT_EQ(StateLeafHash(kA, Sha256("a")), kLeafA);
  EXPECT_EQ(StateLeafHash(kB, Sha256("b")), kLeafB);
  EXPECT_EQ(
      StateInternalHash(
          StateInternalHash(StateInternalHash(kLeafA, kLeafB), kEmpty), kEmpty),
      kRootAB);
  // The prefixes are not RFC 6962's (the transaction tree's).
  EXPECT_NE(StateInternalHash(kLeafA, kLeafB),
            Sha256("\x01" + kLeafA + kLeafB));
}

TEST(StateProofTest, KnownProofsParseAndVerify) {
  absl::StatusOr<StateProof> b = ParseStateProof(kProofB);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE(b->leaf.has_value());
  EXPECT_EQ(b->leaf->key, kB);
  EXPECT_EQ(b->siblings, (std::vector<std::string>{kEmpty, kEmpty, kLeafA}));
  EXPECT_TRUE(VerifyStateProof(kRootAB, kB, "b", kProofB).ok());
  EXPECT_EQ(SerializeStateProof(*b), kProofB);

  absl::StatusOr<StateProof> c = ParseStateProof(kProofC);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->leaf.has_value());
  EXPECT_TRUE(VerifyStateProof(kRootAB, kC, std::nullopt, kProofC).ok());
  EXPECT_EQ(SerializeStateProof(*c), kProofC);
}

TEST(StateProofTest, EmptyTreeProvesAbsenceWithAnEmptyProof) {
  StateProof empty;
  EXPECT_EQ(SerializeStateProof(empty), Hex("000000"));
  EXPECT_TRUE(VerifyStateProof(kEmpty, kA, std::nullopt, empty).ok());
  EXPECT_FALSE(VerifyStateProof(kEmpty, kA, "a", empty).ok());
  EXPECT_FALSE(VerifyStateProof(kRootAB, kA, std::nullopt, empty).ok());
}

TEST(StateProofTest, AbsenceThroughAnotherLeafOnThePath) {
  // A tree of the single leaf A (at the root): every other key is absent,
  // proved by A's leaf with no siblings.
  const std::string root = kLeafA;
  StateProof p;
  p.leaf = StateProof::Leaf{kA, Sha256("a")};
  EXPECT_TRUE(VerifyStateProof(root, kB, std::nullopt, p).ok());
  EXPECT_TRUE(VerifyStateProof(root, kA, "a", p).ok());
}

absl::Status VerifyB(const StateProof& p, std::string_view key = kB,
                     std::optional<std::string_view> value = "b",
                     std::string_view root = kRootAB) {
  return VerifyStateProof(root, key, value, p);
}

TEST(StateProofTest, RejectsForgeries) {
  const StateProof good = *ParseStateProof(kProofB);
  ASSERT_TRUE(VerifyB(good).ok());

  StateProof p = good;
  p.siblings[2] = kLeafB;  // wrong sibling
  EXPECT_THAT(VerifyB(p).message(), HasSubstr("hashes to root"));

  EXPECT_THAT(VerifyB(good, kB, "c").message(),
              HasSubstr("is not the leaf's"));  // wrong value
  EXPECT_THAT(VerifyB(good, kB, std::nullopt).message(),
              HasSubstr("claimed absent but the proof holds its leaf"));
  EXPECT_THAT(VerifyB(good, kA, "b").message(),
              HasSubstr("proof's leaf is key"));  // B's leaf for A
  EXPECT_THAT(VerifyB(good, kB, "b", kLeafA).message(),
              HasSubstr("hashes to root"));  // another root

  // Absence claimed with B's leaf for a key whose path B's leaf is not on.
  const std::string off = std::string(1, '\x80') + std::string(31, '\0');
  EXPECT_THAT(VerifyB(good, off, std::nullopt).message(),
              HasSubstr("does not lie on the path"));
  // C is absent, but the proof of C cannot claim it present.
  const StateProof c = *ParseStateProof(kProofC);
  EXPECT_THAT(VerifyStateProof(kRootAB, kC, "x", c).message(),
              HasSubstr("ends at an empty subtree"));

  p = good;
  p.siblings.pop_back();  // truncated: the leaf one level too high
  EXPECT_THAT(VerifyB(p).message(), HasSubstr("hashes to root"));
  p = good;
  p.siblings.push_back(kEmpty);  // overlong: one level too deep
  EXPECT_THAT(VerifyB(p).message(), HasSubstr("hashes to root"));
  p = good;
  p.siblings.assign(257, kEmpty);
  EXPECT_THAT(VerifyB(p).message(), HasSubstr("at most 256"));
  p = good;
  p.siblings[0] = "short";
  EXPECT_THAT(VerifyB(p).message(), HasSubstr("sibling 0 is 5 bytes"));
  p = good;
  p.leaf->value_hash.pop_back();
  EXPECT_THAT(VerifyB(p).message(), HasSubstr("32 bytes each"));
  EXPECT_THAT(VerifyB(good, "short").message(), HasSubstr("key is 5 bytes"));
  EXPECT_THAT(VerifyB(good, kB, "b", "short").message(),
              HasSubstr("root is 5 bytes"));
  EXPECT_EQ(VerifyB(good, "short").code(), absl::StatusCode::kInvalidArgument);
}

// Every single-bit change to the proof bytes, the key, the value or the root
// makes verification fail, except a change to an absent key's bits below the
// proof's depth: that key is absent too, and the same proof shows it.
TEST(StateProofTest, EveryBitFlipFails) {
  struct Case {
    std::string key;
    std::optional<std::string> value;
    std::string proof;
  };
  for (const Case& c :
       {Case{kB, "b", kProofB}, Case{kC, std::nullopt, kProofC}}) {
    ASSERT_TRUE(VerifyStateProof(kRootAB, c.key, c.value, c.proof).ok());
    auto flips = [](const std::string& s, auto fn) {
      for (size_t i = 0; i < s.size() * 8; ++i) {
        std::string t = s;
        t[i / 8] = static_cast<char>(t[i / 8] ^ (1 << (i % 8)));
        fn(t, i);
      }
    };
    flips(c.proof, [&](const std::string& t, size_t i) {
      EXPECT_FALSE(VerifyStateProof(kRootAB, c.key, c.value, t).ok())
          << "proof bit " << i;
    });
    const size_t depth = ParseStateProof(c.proof)->siblings.size();
    flips(c.key, [&](const std::string& t, size_t i) {
      // flips() numbers bits from the least significant of each byte.
      const size_t tree_bit = (i / 8) * 8 + 7 - i % 8;
      const bool same_path = !c.value.has_value() && tree_bit >= depth;
      EXPECT_EQ(VerifyStateProof(kRootAB, t, c.value, c.proof).ok(), same_path)
          << "key bit " << tree_bit;
    });
    flips(kRootAB, [&](const std::string& t, size_t i) {
      EXPECT_FALSE(VerifyStateProof(t, c.key, c.value, c.proof).ok())
          << "root bit " << i;
    });
    if (c.value.has_value()) {
      flips(*c.value, [&](const std::string& t, size_t i) {
        EXPECT_FALSE(VerifyStateProof(kRootAB, c.key, t, c.proof).ok())
            << "value bit " << i;
      });
    }
  }
}

TEST(StateProofTest, ParseRejectsMalformedBytes) {
  auto error = [](const std::string& bytes) {
    return std::string(ParseStateProof(bytes).status().message());
  };
  for (size_t n = 0; n < kProofB.size(); ++n) {
    EXPECT_THAT(error(kProofB.substr(0, n)), HasSubstr("truncated")) << n;
  }
  EXPECT_THAT(error(kProofB + "x"), HasSubstr("1 trailing bytes"));
  EXPECT_THAT(error("\x02" + kProofC.substr(1)), HasSubstr("unknown flags"));
  // 257 siblings, all empty: the count is refused before the bitmap is read.
  EXPECT_THAT(error(Hex("000101") + std::string(33, '\0')),
              HasSubstr("257 siblings; a path has at most 256"));
  EXPECT_THAT(error(Hex("00ffff")), HasSubstr("65535 siblings"));
  // Bit 3 of the bitmap set for a proof of 2 siblings.
  EXPECT_THAT(error(Hex("00000250") + kProofC.substr(4)),
              HasSubstr("bits past the last sibling"));
  // A non-empty sibling that is the empty placeholder: not canonical.
  EXPECT_THAT(error(Hex("00000180") + kEmpty), HasSubstr("non-canonical"));
  // 256 siblings is the most, and parses.
  StateProof deepest;
  deepest.siblings.assign(256, kLeafA);
  absl::StatusOr<StateProof> parsed =
      ParseStateProof(SerializeStateProof(deepest));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->siblings.size(), 256u);
  EXPECT_EQ(ParseStateProof("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ballast::ledger
