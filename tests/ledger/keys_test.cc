// Specification of the LevelDB key layout (ledger/keys.cc).

#include "ledger/keys.h"

#include <algorithm>
#include <tuple>

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "rapidcheck/gtest.h"
#include "tests/ledger/test_util.h"

namespace ballast::ledger::keys {
namespace {

using ::ballast::ledger::testing::Addr;
using ::ballast::ledger::testing::Hash;

// Renders a key as "<prefix char>|<hex of the rest>".
std::string Show(const std::string& key) {
  return key.substr(0, 1) + "|" + ToHex(key.substr(1));
}

TEST(KeysTest, Layout) {
  EXPECT_EQ(Show(HeadKey()), "m|68656164");        // "head"
  EXPECT_EQ(Show(FormatKey()), "m|666f726d6174");  // "format"
  EXPECT_EQ(Show(AccountKey(Addr('\x01'))),
            "a|0101010101010101010101010101010101010101");
  EXPECT_EQ(Show(ContractKey(Addr('\x02'))),
            "c|0202020202020202020202020202020202020202");
  EXPECT_EQ(
      Show(CodeKey(Hash('\x03'))),
      "w|0303030303030303030303030303030303030303030303030303030303030303");
  EXPECT_EQ(Show(StorageKey(Addr('\x04'), "k")),
            "s|0404040404040404040404040404040404040404"
            "6b");
  EXPECT_EQ(Show(BlockKey(258)), "b|0000000000000102");
  EXPECT_EQ(
      Show(BlockHashKey(Hash('\x05'))),
      "h|0505050505050505050505050505050505050505050505050505050505050505");
  EXPECT_EQ(
      Show(TxKey(Hash('\x06'))),
      "t|0606060606060606060606060606060606060606060606060606060606060606");
  EXPECT_EQ(Show(EventByBlockKey(1, 2, 3)),
            "e|0000000000000001"
            "00000002"
            "00000003");
  EXPECT_EQ(Show(EventByContractKey(Addr('\x07'), 1, 2, 3)),
            "x|0707070707070707070707070707070707070707"
            "0000000000000001"
            "00000002"
            "00000003");
  EXPECT_EQ(Show(EventByNameKey("Mint", 1, 2, 3)),
            "n|04"
            "4d696e74"
            "0000000000000001"
            "00000002"
            "00000003");
  EXPECT_EQ(Show(EventByContractNameKey(Addr('\x07'), "Mint", 1, 2, 3)),
            "y|0707070707070707070707070707070707070707"
            "04"
            "4d696e74"
            "0000000000000001"
            "00000002"
            "00000003");
}

// The length byte keeps a name's keys apart from a longer name's.
TEST(KeysTest, ANamePrefixDoesNotMatchALongerName) {
  EXPECT_NE(
      EventByNameKey("MintX", 1, 0, 0).rfind(EventByNamePrefix("Mint"), 0), 0u);
  EXPECT_NE(EventByContractNameKey(Addr('c'), "MintX", 1, 0, 0)
                .rfind(EventByContractNamePrefix(Addr('c'), "Mint"), 0),
            0u);
  const std::string longest(kMaxEventNameBytes, 'e');
  EXPECT_EQ(EventByNameKey(longest, 0, 0, 0).size(),
            1 + 1 + kMaxEventNameBytes + kEventPositionSize);
}

TEST(KeysTest, PrefixesAreDistinctAndClassified) {
  const std::vector<Table> all = {
      Table::kMeta,         Table::kAccount,
      Table::kContract,     Table::kStorage,
      Table::kCode,         Table::kBlock,
      Table::kBlockHash,    Table::kTx,
      Table::kEventByBlock, Table::kEventByContract,
      Table::kEventByName,  Table::kEventByContractName,
      Table::kTreeNode,     Table::kTreeStale};
  std::string prefixes, state;
  for (Table t : all) {
    prefixes += TablePrefix(t);
    if (IsStateTable(t)) state += TablePrefix(t);
  }
  std::string sorted = prefixes;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_EQ(state, "acsw");
  EXPECT_STREQ(KeyKind(StorageKey(Addr('a'), "x")), "storage");
  EXPECT_STREQ(KeyKind(TxKey(Hash('a'))), "tx record");
  EXPECT_STREQ(KeyKind(TreeNodeKey(1, Hash('a'), 3)), "state tree node");
  EXPECT_STREQ(KeyKind("?"), "unknown");
  EXPECT_STREQ(KeyKind(""), "unknown");
}

TEST(KeysTest, StartKeysBoundTheirRanges) {
  EXPECT_LT(EventByBlockStart(5), EventByBlockKey(5, 0, 0));
  EXPECT_LT(EventByBlockKey(4, 9, 9), EventByBlockStart(5));
  EXPECT_EQ(EventByContractStart(Addr('c'), 5)
                .rfind(EventByContractPrefix(Addr('c')), 0),
            0u);
  EXPECT_LT(EventByContractKey(Addr('c'), 4, 7, 7),
            EventByContractStart(Addr('c'), 5));
  EXPECT_EQ(EventByNameStart("E", 5).rfind(EventByNamePrefix("E"), 0), 0u);
  EXPECT_LT(EventByNameKey("E", 4, 7, 7), EventByNameStart("E", 5));
  EXPECT_LT(EventByNameStart("E", 5), EventByNameKey("E", 5, 0, 0));
  EXPECT_EQ(EventByContractNameStart(Addr('c'), "E", 5)
                .rfind(EventByContractNamePrefix(Addr('c'), "E"), 0),
            0u);
  EXPECT_LT(EventByContractNameKey(Addr('c'), "E", 4, 7, 7),
            EventByContractNameStart(Addr('c'), "E", 5));
  EXPECT_EQ(StorageKey(Addr('c'), "").size(), StoragePrefix(Addr('c')).size());
}

// Numbers are big-endian, so key order is numeric order.
RC_GTEST_PROP(KeysProperty, BlockKeysSortByHeight, (uint64_t a, uint64_t b)) {
  RC_ASSERT((BlockKey(a) < BlockKey(b)) == (a < b));
}

RC_GTEST_PROP(KeysProperty, EventKeysSortByPosition,
              (uint64_t h1, uint32_t t1, uint32_t e1, uint64_t h2, uint32_t t2,
               uint32_t e2)) {
  const bool tuple_less = std::tie(h1, t1, e1) < std::tie(h2, t2, e2);
  RC_ASSERT((EventByBlockKey(h1, t1, e1) < EventByBlockKey(h2, t2, e2)) ==
            tuple_less);
  const std::string c = Addr('c');
  RC_ASSERT((EventByContractKey(c, h1, t1, e1) <
             EventByContractKey(c, h2, t2, e2)) == tuple_less);
}

// Fixed-width addresses: storage keys sort by (contract, raw key), and a
// contract's prefix never covers another contract's keys.
RC_GTEST_PROP(KeysProperty, StorageKeysSortByContractThenKey,
              (char c1, char c2, std::string k1, std::string k2)) {
  const std::string a1 = Addr(c1), a2 = Addr(c2);
  const std::string s1 = StorageKey(a1, k1), s2 = StorageKey(a2, k2);
  // std::string compares bytes as unsigned, as LevelDB does.
  RC_ASSERT((s1 < s2) == (std::tie(a1, k1) < std::tie(a2, k2)));
  RC_ASSERT((s2.rfind(StoragePrefix(a1), 0) == 0) == (a1 == a2));
}

}  // namespace
}  // namespace ballast::ledger::keys
