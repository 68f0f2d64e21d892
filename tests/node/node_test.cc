// Node in process: the producer commits what Submit accepted and wakes
// waiters; a store that fails a write stops block production, and the node
// says so (unhealthy, submissions Unavailable) instead of pretending.

#include "node/node.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "leveldb/env.h"
#include "tests/ledger/test_util.h"
#include "tests/node/chain_fixture.h"
#include "tests/testing/temp_dir.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;

ledger::SignedTransaction Call(const KeyPair& key, uint64_t nonce) {
  ledger::Transaction tx;
  tx.set_chain_id("node-test");
  tx.set_nonce(nonce);
  tx.set_gas_limit(1'000'000);
  tx.mutable_call()->set_contract(std::string(20, 'c'));  // no contract there
  tx.mutable_call()->set_method("noop");
  return SignTx(key, tx);
}

class NodeTest : public ::testing::Test {
 protected:
  std::unique_ptr<Node> Open(leveldb::Env* env = nullptr) {
    NodeOptions options;
    options.data_dir = dir_;
    options.chain_id = "node-test";
    options.env = env;
    auto node = Node::Open(options);
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
  }

  test::TempDir tmp_;
  std::string dir_ = tmp_.path();
  KeyPair alice_ = DevKey('a');
};

TEST_F(NodeTest, SubmittedTransactionsAreCommittedAndWaitersWake) {
  auto node = Open();
  node->Start();
  auto h0 = node->Submit(Call(alice_, 0));
  auto h1 = node->Submit(Call(alice_, 1));
  ASSERT_TRUE(h0.ok() && h1.ok());
  EXPECT_TRUE(node->WaitCommitted(*h1, absl::Seconds(30)));
  EXPECT_TRUE(node->WaitCommitted(*h0, absl::Seconds(30)));
  auto account = node->store().GetAccount(AddressOf(alice_));
  EXPECT_EQ(account->nonce(), 2u);
  NodeStats stats = node->stats();
  EXPECT_EQ(stats.admitted, 2u);
  EXPECT_EQ(stats.txs, 2u);
  EXPECT_GE(stats.blocks, 1u);
  // Unknown hashes do not wait.
  EXPECT_FALSE(node->WaitCommitted(std::string(32, 'x'), absl::Seconds(30)));
  node->Stop();
  EXPECT_EQ(node->Submit(Call(alice_, 2)).status().code(),
            absl::StatusCode::kUnavailable);
}

// Block times never go backwards, even when the clock does: a node whose
// head block is later than its clock (as after a clock set back while it
// was down; here the head was stamped an hour ahead) stamps its next block
// no earlier, and the store would refuse an earlier one.
TEST_F(NodeTest, BlockTimesNeverGoBackwardsAcrossARestart) {
  const int64_t ahead = absl::ToUnixMillis(absl::Now()) + 3'600'000;
  {
    auto node = Open();
    ASSERT_NE(node, nullptr);
    auto commit =
        node->executor().BuildBlock({Call(alice_, 0)}, ahead, node->producer());
    ASSERT_TRUE(commit.ok()) << commit.status();
    absl::Status s = node->store().CommitBlock(*commit);
    ASSERT_TRUE(s.ok()) << s;
  }
  auto node = Open();
  ASSERT_NE(node, nullptr);
  node->Start();
  auto h = node->Submit(Call(alice_, 1));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE(node->WaitCommitted(*h, absl::Seconds(30)));
  EXPECT_TRUE(node->healthy());
  auto block = node->store().GetBlockByHeight(2);
  ASSERT_TRUE(block.ok() && block->has_value());
  EXPECT_GE((*block)->header().time_ms(), ahead);
}

// Dev nodes (ballastd --dev): mining on demand and a block clock that
// moves forward and never back.
class DevNodeTest : public NodeTest {
 protected:
  std::unique_ptr<Node> OpenDev(bool manual = true) {
    NodeOptions options;
    options.data_dir = dir_;
    options.chain_id = "node-test";
    options.sync = false;
    options.dev = true;
    options.manual_mining = manual;
    auto node = Node::Open(options);
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
  }

  static int64_t WallMs() { return absl::ToUnixMillis(absl::Now()); }

  // DevMine that must succeed; its blocks.
  static std::vector<MinedBlock> Mine(Node& node, DevMineOptions options) {
    auto mined = node.DevMine(options);
    EXPECT_TRUE(mined.ok()) << mined.status();
    return mined.ok() ? *mined : std::vector<MinedBlock>{};
  }
};

TEST_F(DevNodeTest, AdvancingTheClockStampsTheNextBlocksLater) {
  auto node = OpenDev();
  ASSERT_NE(node, nullptr);
  node->Start();
  std::vector<MinedBlock> first = Mine(*node, {});
  ASSERT_EQ(first.size(), 1u);
  const int64_t before = WallMs();
  std::vector<MinedBlock> mined =
      Mine(*node, {.blocks = 3, .advance_ms = 3'600'000});
  ASSERT_EQ(mined.size(), 3u);
  EXPECT_GE(mined[0].time_ms, first[0].time_ms + 3'600'000);
  EXPECT_GE(mined[0].time_ms, before + 3'600'000);
  for (size_t i = 0; i < mined.size(); ++i) {
    EXPECT_EQ(mined[i].height, 2 + i);
    if (i > 0) {
      EXPECT_GE(mined[i].time_ms, mined[i - 1].time_ms);
    }
    auto block = node->store().GetBlockByHeight(mined[i].height);
    ASSERT_TRUE(block.ok() && block->has_value());
    EXPECT_EQ((*block)->header().time_ms(), mined[i].time_ms);
  }
  EXPECT_EQ(node->dev_clock_offset_ms(), 3'600'000);
}

TEST_F(DevNodeTest, AnExactTimeIsHonouredAndAnEarlierOneRefused) {
  auto node = OpenDev();
  ASSERT_NE(node, nullptr);
  node->Start();
  const int64_t t = WallMs() + 86'400'000;  // a day ahead
  std::vector<MinedBlock> mined = Mine(*node, {.blocks = 2, .time_ms = t});
  ASSERT_EQ(mined.size(), 2u);
  EXPECT_EQ(mined[0].time_ms, t);
  EXPECT_GE(mined[1].time_ms, t);  // later blocks continue from it
  EXPECT_LT(mined[1].time_ms, t + 60'000);
  // The head's own time again is allowed (not earlier); one ms before is
  // not, and nothing is mined.
  const int64_t head = mined[1].time_ms;
  mined = Mine(*node, {.time_ms = head});
  ASSERT_EQ(mined.size(), 1u);
  EXPECT_EQ(mined[0].time_ms, head);
  auto refused = node->DevMine({.time_ms = head - 1});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              HasSubstr(StrCat("field 'time_ms': ", head - 1,
                               " is before the head block's time ", head)));
  EXPECT_EQ((*node->store().GetHead())->height, 3u);
}

// The offset is kept in the data dir: after a restart the clock neither
// rewinds nor stalls at the head's time (without it, the next block would
// be stamped with the head's time until the wall clock caught up an hour
// later).
TEST_F(DevNodeTest, TheClockNeitherRewindsNorStallsAcrossARestart) {
  int64_t last = 0;
  {
    auto node = OpenDev();
    ASSERT_NE(node, nullptr);
    node->Start();
    std::vector<MinedBlock> mined = Mine(*node, {.advance_ms = 3'600'000});
    ASSERT_EQ(mined.size(), 1u);
    last = mined[0].time_ms;
  }
  auto node = OpenDev();
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->dev_clock_offset_ms(), 3'600'000);
  node->Start();
  absl::SleepFor(absl::Milliseconds(20));
  std::vector<MinedBlock> mined = Mine(*node, {});
  ASSERT_EQ(mined.size(), 1u);
  EXPECT_GT(mined[0].time_ms, last);
  EXPECT_GE(mined[0].time_ms, WallMs() - 1000 + 3'600'000);
}

// Manual mining: transactions wait in the mempool until a mine, then all
// go into the block it makes.
TEST_F(DevNodeTest, ManualMiningMakesNoBlockUntilAsked) {
  auto node = OpenDev(/*manual=*/true);
  ASSERT_NE(node, nullptr);
  node->Start();
  auto h0 = node->Submit(Call(alice_, 0));
  auto h1 = node->Submit(Call(alice_, 1));
  ASSERT_TRUE(h0.ok() && h1.ok());
  EXPECT_FALSE(node->WaitCommitted(*h1, absl::Milliseconds(300)));
  EXPECT_FALSE((*node->store().GetHead()).has_value());
  EXPECT_EQ(node->mempool().size(), 2u);
  std::vector<MinedBlock> mined = Mine(*node, {});
  ASSERT_EQ(mined.size(), 1u);
  EXPECT_EQ(mined[0].height, 1u);
  EXPECT_EQ(mined[0].txs, 2u);
  EXPECT_TRUE(node->WaitCommitted(*h1, absl::Seconds(1)));
  EXPECT_EQ(node->mempool().size(), 0u);
}

TEST_F(DevNodeTest, BadRequestsAndNonDevNodesAreRefused) {
  {
    NodeOptions options;
    options.data_dir = dir_;
    options.chain_id = "node-test";
    options.manual_mining = true;  // without dev
    auto refused = Node::Open(options);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(refused.status().message(), HasSubstr("needs --dev"));
  }
  {
    auto plain = Open();
    ASSERT_NE(plain, nullptr);
    auto refused = plain->DevMine({});
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(refused.status().message(),
                HasSubstr("dev routes need ballastd --dev"));
  }
  auto node = OpenDev();
  ASSERT_NE(node, nullptr);
  node->Start();
  struct Case {
    DevMineOptions options;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{.blocks = 0}, "field 'blocks': 0 is not in 1..1000"},
           {{.blocks = 1001}, "field 'blocks': 1001 is not in 1..1000"},
           {{.blocks = -1}, "field 'blocks': -1 is not in 1..1000"},
           {{.advance_ms = -1}, "field 'advance_ms': -1 is negative"},
           {{.advance_ms = kMaxDevClockOffsetMs + 1},
            "more than 100 years ahead"},
           {{.advance_ms = 1, .time_ms = 1}, "not both"},
           {{.time_ms = WallMs() + kMaxDevClockOffsetMs + 60'000},
            "more than 100 years ahead"},
       }) {
    auto refused = node->DevMine(c.options);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
        << c.message;
    EXPECT_THAT(refused.status().message(), HasSubstr(c.message));
  }
  EXPECT_FALSE((*node->store().GetHead()).has_value());  // nothing mined
  EXPECT_EQ(node->dev_clock_offset_ms(), 0);             // nor moved
  // Advances add up, within the bound.
  Mine(*node, {.advance_ms = kMaxDevClockOffsetMs - 1000});
  auto refused = node->DevMine({.advance_ms = 1001});
  EXPECT_THAT(refused.status().message(), HasSubstr("more than 100 years"));
}

TEST_F(NodeTest, TheProducerKeyAndChainIdStayWithTheDataDir) {
  std::string key;
  {
    auto node = Open();
    key = node->producer().public_key;
  }
  auto mode = std::filesystem::status(dir_ + "/producer.key").permissions();
  EXPECT_EQ(mode, std::filesystem::perms::owner_read |
                      std::filesystem::perms::owner_write);
  EXPECT_EQ(Open()->producer().public_key, key);
  NodeOptions other;
  other.data_dir = dir_;
  other.chain_id = "another";
  EXPECT_THAT(Node::Open(other).status().message(),
              HasSubstr("holds chain 'node-test', not 'another'"));
  other.chain_id = "";
  auto same = Node::Open(other);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)->chain_id(), "node-test");
}

// The data dir is locked (flock) for the node's lifetime: a second node on
// it is refused, whatever LevelDB would say, and the lock goes with the node.
TEST_F(NodeTest, ADataDirInUseIsRefusedUntilTheNodeCloses) {
  auto first = Open();
  ASSERT_NE(first, nullptr);
  NodeOptions options;
  options.data_dir = dir_;
  absl::Status second = Node::Open(options).status();
  EXPECT_EQ(second.code(), absl::StatusCode::kFailedPrecondition) << second;
  EXPECT_EQ(second.message(),
            "data dir " + dir_ +
                " is in use by another process (is a ballastd running on it?)");
  first.reset();
  EXPECT_NE(Open(), nullptr);
}

// As ssh refuses a private key others can read, the node refuses its
// producer key then, saying how to fix it.
TEST_F(NodeTest, AProducerKeyOthersCanAccessIsRefused) {
  ASSERT_NE(Open(), nullptr);
  const std::string key_file = dir_ + "/producer.key";
  using std::filesystem::perms;
  const std::pair<perms, const char*> modes[] = {{perms::group_read, "0640"},
                                                 {perms::others_read, "0604"},
                                                 {perms::group_write, "0620"}};
  for (const auto& [extra, text] : modes) {
    std::filesystem::permissions(
        key_file, perms::owner_read | perms::owner_write | extra);
    NodeOptions options;
    options.data_dir = dir_;
    absl::Status s = Node::Open(options).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_THAT(
        s.message(),
        HasSubstr(key_file + " is accessible by group or others (mode " + text +
                  ")"));
    EXPECT_THAT(s.message(), HasSubstr("run: chmod 600 " + key_file));
  }
  std::filesystem::permissions(
      key_file,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_NE(Open(), nullptr);
}

TEST_F(NodeTest, AFailedStoreWriteStopsBlocksAndIsReported) {
  ledger::testing::FaultyEnv env(leveldb::Env::Default());
  auto node = Open(&env);
  node->Start();
  auto h0 = node->Submit(Call(alice_, 0));
  ASSERT_TRUE(h0.ok());
  ASSERT_TRUE(node->WaitCommitted(*h0, absl::Seconds(30)));

  env.SetBudget(0);  // the disk dies
  auto h1 = node->Submit(Call(alice_, 1));
  ASSERT_TRUE(h1.ok());
  EXPECT_FALSE(node->WaitCommitted(*h1, absl::Milliseconds(300)));
  for (int i = 0; i < 3000 && node->healthy(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_FALSE(node->healthy());
  auto refused = node->Submit(Call(alice_, 2));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("restart the node"));
  node->Stop();
  node.reset();

  // After a restart on a healthy disk, the chain continues from its last
  // block (the failed one is there entirely or not at all).
  auto again = Open();
  auto head = again->store().GetHead();
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_LE((*head)->height, 2u);
  uint64_t nonce = again->store().GetAccount(AddressOf(alice_))->nonce();
  EXPECT_EQ(nonce, (*head)->height);
  again->Start();
  auto h = again->Submit(Call(alice_, nonce));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE(again->WaitCommitted(*h, absl::Seconds(30)));
}

}  // namespace
}  // namespace ballast::node
