// Light clients (bridge/core/light_client.h): each rule, and each attack of
// issue 10 that a light client must stop, on headers signed with real
// ed25519 keys (a 3-of-5 chain).

#include "bridge/core/light_client.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"

namespace ballast::bridge {
namespace {

using ::testing::HasSubstr;

constexpr char kChain[] = "chain-b";

class LightClientTest : public ::testing::Test {
 protected:
  LightClientTest()
      : clients_(&store_, [this](uint64_t gas, std::string_view) {
          charged_ += gas;
          if (gas_left_ < gas)
            return absl::ResourceExhaustedError("out of gas");
          gas_left_ -= gas;
          return absl::OkStatus();
        }) {
    for (int i = 0; i < 6; ++i) {
      keys_.push_back(
          *KeyPairFromSeed(std::string(32, static_cast<char>('a' + i))));
    }
  }

  // A header of `chain` at `height`, its root derived from `salt`.
  static ledger::BlockHeader Header(uint64_t height, char salt = 'r',
                                    const std::string& chain = kChain) {
    ledger::BlockHeader h;
    h.set_chain_id(chain);
    h.set_height(height);
    h.set_time_ms(1'000'000 + static_cast<int64_t>(height) * 1000);
    h.set_parent_hash(std::string(32, '\0'));
    h.set_tx_root(std::string(32, 't'));
    h.set_receipts_root(std::string(32, 'c'));
    h.set_state_root(std::string(32, salt));
    return h;
  }

  // `h` signed by keys_[i] for each i in `signers`.
  SignedHeader Signed(const ledger::BlockHeader& h,
                      const std::vector<int>& signers) {
    SignedHeader out;
    *out.mutable_header() = h;
    const std::string hash = ledger::BlockHash(h);
    for (int i : signers) {
      ledger::BlockSignature* sig = out.add_signatures();
      sig->set_pubkey(keys_[i].public_key);
      sig->set_signature(Sign(keys_[i], hash));
    }
    return out;
  }

  // A 3-of-5 client over keys 0..4, created by `admin_` at height 1.
  std::string Create() {
    CreateClient msg;
    msg.set_chain_id(kChain);
    for (int i = 0; i < 5; ++i) msg.add_trusted_keys(keys_[i].public_key);
    msg.set_threshold(3);
    *msg.mutable_header() = Signed(Header(1), {0, 1, 2});
    auto id = clients_.Create(msg, admin_);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : "";
  }

  absl::Status Update(const std::string& client, const SignedHeader& h) {
    UpdateClient msg;
    msg.set_client(client);
    *msg.mutable_header() = h;
    return clients_.Update(msg);
  }

  MemoryBridgeStore store_;
  uint64_t gas_left_ = ~uint64_t{0};
  uint64_t charged_ = 0;
  LightClients clients_;
  std::vector<KeyPair> keys_;  // 0..4 trusted, 5 an outsider
  const std::string admin_ = std::string(20, 'A');
};

TEST_F(LightClientTest, ThreeOfFiveCreatesAndUpdates) {
  const std::string id = Create();
  EXPECT_EQ(id, "client-0");
  ASSERT_TRUE(Update(id, Signed(Header(2), {1, 3, 4})).ok());
  auto c = clients_.Client(id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->latest_height(), 2u);
  auto cs = clients_.Consensus(id, 2);
  ASSERT_TRUE(cs.ok()) << cs.status();
  EXPECT_EQ(cs->state_root(), std::string(32, 'r'));
  EXPECT_EQ(cs->block_hash(), ledger::BlockHash(Header(2)));
  // Heights may be skipped, and all five signing is fine.
  EXPECT_TRUE(Update(id, Signed(Header(9), {0, 1, 2, 3, 4})).ok());
  EXPECT_TRUE(absl::IsNotFound(clients_.Consensus(id, 5).status()));
}

TEST_F(LightClientTest, TwoValidSignaturesOfFiveAreNotEnough) {
  const std::string id = Create();
  const auto before = store_.map();
  absl::Status s = Update(id, Signed(Header(2), {0, 4}));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("valid signatures by 2 of the 5 trusted producer keys; "
                        "the threshold is 3"));
  EXPECT_EQ(store_.map(), before);
}

TEST_F(LightClientTest, ARepeatedSignatureCountsOnce) {
  const std::string id = Create();
  SignedHeader h = Signed(Header(2), {0, 1});
  *h.add_signatures() = h.signatures(0);  // 0, 1, 0: two keys
  absl::Status s = Update(id, h);
  EXPECT_THAT(std::string(s.message()), HasSubstr("signed twice"));
  EXPECT_FALSE(clients_.Consensus(id, 2).ok());
}

TEST_F(LightClientTest, AKeyOutsideTheSetIsRefused) {
  const std::string id = Create();
  // Three trusted signatures would do; the outsider's is refused anyway, so
  // a header cannot bring keys of its own (Wormhole).
  absl::Status s = Update(id, Signed(Header(2), {0, 1, 2, 5}));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("is not one of the trusted producer keys"));
  s = Update(id, Signed(Header(2), {5, 0, 1}));
  EXPECT_FALSE(s.ok());
}

TEST_F(LightClientTest, AnotherChainsHeaderIsRefused) {
  const std::string id = Create();
  absl::Status s = Update(id, Signed(Header(2, 'r', "chain-c"), {0, 1, 2}));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("the header is of chain 'chain-c', the client follows "
                        "'chain-b'"));
}

TEST_F(LightClientTest, AZeroRootIsNeverStored) {
  const std::string id = Create();
  absl::Status s = Update(id, Signed(Header(2, '\0'), {0, 1, 2}));
  EXPECT_THAT(std::string(s.message()), HasSubstr("all zero"));
  EXPECT_TRUE(absl::IsNotFound(clients_.Consensus(id, 2).status()));
  // Nor at creation (Nomad: a default root accepted an unproven message).
  CreateClient msg;
  msg.set_chain_id(kChain);
  msg.add_trusted_keys(keys_[0].public_key);
  msg.set_threshold(1);
  *msg.mutable_header() = Signed(Header(1, '\0'), {0});
  EXPECT_FALSE(clients_.Create(msg, admin_).ok());
}

TEST_F(LightClientTest, OlderHeightsAndEarlierTimesAreRefused) {
  const std::string id = Create();
  ASSERT_TRUE(Update(id, Signed(Header(5), {0, 1, 2})).ok());
  EXPECT_THAT(std::string(Update(id, Signed(Header(3), {0, 1, 2})).message()),
              HasSubstr("older than the latest it holds, 5"));
  ledger::BlockHeader early = Header(6);
  early.set_time_ms(Header(4).time_ms());
  EXPECT_THAT(std::string(Update(id, Signed(early, {0, 1, 2})).message()),
              HasSubstr("before the latest header's"));
  // The same header again changes nothing.
  const auto before = store_.map();
  EXPECT_TRUE(Update(id, Signed(Header(5), {2, 3, 4})).ok());
  EXPECT_EQ(store_.map(), before);
}

TEST_F(LightClientTest, AConflictingHeaderFreezesTheClient) {
  const std::string id = Create();
  ASSERT_TRUE(Update(id, Signed(Header(2), {0, 1, 2})).ok());
  ASSERT_TRUE(Update(id, Signed(Header(2, 'x'), {2, 3, 4})).ok());
  auto c = clients_.Client(id);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->frozen());
  EXPECT_THAT(c->frozen_reason(), HasSubstr("two headers of height 2"));
  EXPECT_TRUE(absl::IsFailedPrecondition(clients_.Consensus(id, 2).status()));
  EXPECT_THAT(std::string(Update(id, Signed(Header(3), {0, 1, 2})).message()),
              HasSubstr("frozen"));
}

TEST_F(LightClientTest, MisbehaviourFromAnyoneFreezesTheClient) {
  const std::string id = Create();
  Misbehaviour m;
  m.set_client(id);
  *m.mutable_first() = Signed(Header(7), {0, 1, 2});
  *m.mutable_second() = Signed(Header(7), {2, 3, 4});
  EXPECT_THAT(std::string(clients_.SubmitMisbehaviour(m).message()),
              HasSubstr("the same block"));
  *m.mutable_second() = Signed(Header(8, 'y'), {2, 3, 4});
  EXPECT_THAT(std::string(clients_.SubmitMisbehaviour(m).message()),
              HasSubstr("different heights"));
  // Evidence must be signed by the client's keys like any header.
  *m.mutable_second() = Signed(Header(7, 'y'), {3, 4});
  EXPECT_FALSE(clients_.SubmitMisbehaviour(m).ok());
  EXPECT_FALSE(clients_.Client(id)->frozen());
  *m.mutable_second() = Signed(Header(7, 'y'), {1, 3, 4});
  ASSERT_TRUE(clients_.SubmitMisbehaviour(m).ok());
  EXPECT_TRUE(clients_.Client(id)->frozen());
  EXPECT_FALSE(clients_.Consensus(id, 1).ok());
}

TEST_F(LightClientTest, OnlyTheAdminChangesTheKeys) {
  const std::string id = Create();
  SetTrustedKeys msg;
  msg.set_client(id);
  msg.add_trusted_keys(keys_[5].public_key);
  msg.set_threshold(1);
  EXPECT_TRUE(
      absl::IsPermissionDenied(clients_.SetKeys(msg, std::string(20, 'B'))));
  ASSERT_TRUE(clients_.SetKeys(msg, admin_).ok());
  EXPECT_TRUE(Update(id, Signed(Header(2), {5})).ok());
  EXPECT_FALSE(Update(id, Signed(Header(3), {0, 1, 2})).ok());
}

TEST_F(LightClientTest, AKeySetMustBeWellFormed) {
  auto create = [&](std::vector<std::string> keys, uint32_t threshold) {
    CreateClient msg;
    msg.set_chain_id(kChain);
    for (const std::string& k : keys) msg.add_trusted_keys(k);
    msg.set_threshold(threshold);
    *msg.mutable_header() = Signed(Header(1), {0});
    return clients_.Create(msg, admin_).status();
  };
  const std::string k0 = keys_[0].public_key;
  EXPECT_THAT(std::string(create({}, 1).message()),
              HasSubstr("no trusted producer key"));
  EXPECT_THAT(std::string(create({k0}, 0).message()),
              HasSubstr("threshold 0 must be 1..1"));
  EXPECT_THAT(std::string(create({k0}, 2).message()),
              HasSubstr("threshold 2 must be 1..1"));
  EXPECT_THAT(std::string(create({k0, k0}, 1).message()),
              HasSubstr("listed twice"));
  EXPECT_THAT(std::string(create({"short"}, 1).message()),
              HasSubstr("must be 32 bytes"));
  EXPECT_THAT(
      std::string(create(std::vector<std::string>(33, k0), 1).message()),
      HasSubstr("at most 32 trusted keys"));
  EXPECT_TRUE(create({k0}, 1).ok());
  EXPECT_TRUE(absl::IsNotFound(clients_.Client("client-9").status()));
}

TEST_F(LightClientTest, SignaturesArePaidForBeforeAnyIsVerified) {
  const std::string id = Create();
  charged_ = 0;
  ASSERT_TRUE(Update(id, Signed(Header(2), {0, 1, 2})).ok());
  EXPECT_EQ(charged_, kGasPerClientMessage + 3 * kGasPerSignature);
  // Out of gas for the signatures: refused, nothing verified or written.
  gas_left_ = kGasPerClientMessage + 2 * kGasPerSignature;
  const auto before = store_.map();
  absl::Status s = Update(id, Signed(Header(3), {0, 1, 2}));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_EQ(store_.map(), before);
  // More signatures than a header may carry: refused before any charge.
  gas_left_ = ~uint64_t{0};
  SignedHeader many = Signed(Header(4), {0, 1, 2});
  while (many.signatures_size() <= static_cast<int>(kMaxHeaderSignatures)) {
    *many.add_signatures() = many.signatures(0);
  }
  charged_ = 0;
  EXPECT_THAT(std::string(Update(id, many).message()),
              HasSubstr("at most 32 signatures"));
  EXPECT_EQ(charged_, kGasPerClientMessage);
}

}  // namespace
}  // namespace ballast::bridge
