// contracts/vault/index.h run natively over an in-memory storage that keeps
// nodes as their encoded bytes and counts every read and write: random and
// adversarial insert/erase sequences compared after every step with a
// std::set, the classic AVL cases one by one, the height bound, the codec,
// corruption, and the storage operations per call (the engine's gas).

#include "contracts/vault/index.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ballast::vault {
namespace {

using Big = boost::multiprecision::cpp_int;

struct CorruptError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Nodes as bytes, so every call also goes through the codec; counts reads
// and writes as the contract's adapter would pay for them.
struct MapStorage {
  std::map<uint64_t, std::string> nodes;
  uint64_t root = 0;
  uint64_t loads = 0, stores = 0, removes = 0, root_loads = 0, root_stores = 0;

  bool LoadNode(uint64_t id, IndexNode* node) {
    ++loads;
    auto it = nodes.find(id);
    if (it == nodes.end()) return false;
    if (!DecodeIndexNode(it->second, node)) Corrupt("undecodable node");
    return true;
  }
  void StoreNode(uint64_t id, const IndexNode& node) {
    ++stores;
    // The derived fields the codec drops must already be right.
    IndexNode back;
    std::string bytes = EncodeIndexNode(node);
    if (!DecodeIndexNode(bytes, &back) || back.height != node.height ||
        back.size != node.size) {
      throw std::logic_error("stored node with inconsistent height/size");
    }
    nodes[id] = bytes;
  }
  void RemoveNode(uint64_t id) {
    ++removes;
    nodes.erase(id);
  }
  uint64_t LoadRoot() {
    ++root_loads;
    return root;
  }
  void StoreRoot(uint64_t id) {
    ++root_stores;
    root = id;
  }
  [[noreturn]] void Corrupt(const char* what) { throw CorruptError(what); }

  void ResetCounts() {
    loads = stores = removes = root_loads = root_stores = 0;
  }
  uint64_t Height() {
    if (root == 0) return 0;
    IndexNode n;
    LoadNode(root, &n);
    return n.height;
  }
};

struct Less {
  bool operator()(const IndexKey& a, const IndexKey& b) const {
    return KeyLess(a, b);
  }
};
using Reference = std::set<IndexKey, Less>;

std::string Show(const std::optional<IndexKey>& k) {
  if (!k) return "none";
  return "{" + std::to_string(k->coll) + "/" + ToDecimal(k->art) + " #" +
         std::to_string(k->id) + "}";
}

std::optional<IndexKey> Opt(Reference::const_iterator it, const Reference& r) {
  if (it == r.end()) return std::nullopt;
  return *it;
}

// Compares everything the index answers with the reference; "" if equal.
std::string Compare(OrderedIndex<MapStorage>& index, const Reference& ref,
                    const IndexKey& probe) {
  std::string check = index.Check();
  if (!check.empty()) return "Check: " + check;
  if (index.Size() != ref.size()) {
    return "Size " + std::to_string(index.Size()) + " want " +
           std::to_string(ref.size());
  }
  uint64_t i = 0;
  for (const IndexKey& k : ref) {
    std::optional<IndexKey> got = index.At(i);
    if (got != k) {
      return "At(" + std::to_string(i) + ") " + Show(got) + " want " + Show(k);
    }
    ++i;
  }
  if (index.At(ref.size())) return "At(size) is not empty";
  // Thresholds by key (ties by id) and by ratio alone (all ids).
  auto below = [&](const IndexKey& k) { return KeyLess(k, probe); };
  uint64_t want = std::distance(ref.begin(), ref.lower_bound(probe));
  if (index.CountPrefix(below) != want) return "CountPrefix by key";
  if (index.FirstNotIn(below) != Opt(ref.lower_bound(probe), ref)) {
    return "FirstNotIn by key";
  }
  if (index.Next(probe) != Opt(ref.upper_bound(probe), ref)) {
    return "Next " + Show(index.Next(probe)) + " want " +
           Show(Opt(ref.upper_bound(probe), ref));
  }
  auto ratio_below = [&](const IndexKey& k) {
    return Mul(static_cast<u128>(k.coll), probe.art) <
           Mul(static_cast<u128>(probe.coll), k.art);
  };
  want = std::count_if(ref.begin(), ref.end(), ratio_below);
  if (index.CountPrefix(ratio_below) != want) return "CountPrefix by ratio";
  auto first = std::find_if_not(ref.begin(), ref.end(), ratio_below);
  if (index.FirstNotIn(ratio_below) != Opt(first, ref)) {
    return "FirstNotIn by ratio";
  }
  // Walk from a rank derived from the probe, some keys or past the end.
  uint64_t from = probe.id % (ref.size() + 2);
  uint64_t limit = probe.coll % 5 == 0 ? ~uint64_t{0} : probe.coll % 7;
  std::vector<IndexKey> walked;
  uint64_t given = index.Walk(from, limit, [&](const IndexKey& k) {
    walked.push_back(k);
    return true;
  });
  std::vector<IndexKey> expect;
  for (auto it = ref.begin(); it != ref.end(); ++it) {
    uint64_t rank = std::distance(ref.begin(), it);
    if (rank >= from && rank - from < limit) expect.push_back(*it);
  }
  if (walked != expect || given != expect.size()) return "Walk";
  if (expect.size() >= 2) {
    walked.clear();
    given = index.Walk(from, limit, [&](const IndexKey& k) {
      walked.push_back(k);
      return walked.size() < 2;  // stop after the second
    });
    if (given != 2 || walked[1] != expect[1]) return "Walk stopping early";
  }
  // Next from every present key walks the whole order.
  for (auto it = ref.begin(); it != ref.end(); ++it) {
    if (index.Next(*it) != Opt(std::next(it), ref)) {
      return "Next of present " + Show(*it);
    }
  }
  return "";
}

// ---- Generators -------------------------------------------------------------

rc::Gen<uint64_t> GenColl() {
  return rc::gen::weightedOneOf<uint64_t>(
      {{3, rc::gen::inRange<uint64_t>(0, 7)},  // many equal ratios
       {2, rc::gen::arbitrary<uint64_t>()},
       {1, rc::gen::element<uint64_t>(~uint64_t{0}, ~uint64_t{0} - 1,
                                      uint64_t{1} << 63, 1, 0)}});
}

rc::Gen<u128> GenArt() {
  return rc::gen::weightedOneOf<u128>(
      {{3, rc::gen::map(rc::gen::inRange<uint64_t>(1, 7),
                        [](uint64_t v) { return u128{v}; })},
       {2, rc::gen::map(rc::gen::pair(rc::gen::arbitrary<uint64_t>(),
                                      rc::gen::arbitrary<uint64_t>()),
                        [](std::pair<uint64_t, uint64_t> p) {
                          u128 v = (u128{p.first} << 64) | p.second;
                          return v == 0 ? u128{1} : v;
                        })},
       {1, rc::gen::element<u128>(u128{1}, kU128Max, kU128Max - 1,
                                  u128{1} << 127, u128{1} << 64)}});
}

// A probe key: any ratio, an id that may or may not be present.
IndexKey DrawProbe(uint64_t max_id) {
  return IndexKey{*GenColl(), *GenArt(),
                  *rc::gen::inRange<uint64_t>(0, max_id + 2)};
}

// ---- Properties -------------------------------------------------------------

RC_GTEST_PROP(IndexTest, KeyLessIsExactCrossMultiplicationThenId, ()) {
  IndexKey a{*GenColl(), *GenArt(), *rc::gen::inRange<uint64_t>(1, 4)};
  IndexKey b{*GenColl(), *GenArt(), *rc::gen::inRange<uint64_t>(1, 4)};
  auto big = [](u128 v) {
    return (Big(static_cast<uint64_t>(v >> 64)) << 64) +
           static_cast<uint64_t>(v);
  };
  Big lhs = Big(a.coll) * big(b.art), rhs = Big(b.coll) * big(a.art);
  bool want = lhs < rhs || (lhs == rhs && a.id < b.id);
  RC_ASSERT(KeyLess(a, b) == want);
}

// Random inserts and erases of random keys (small values with many equal
// ratios, full-width values, the type limits), checked after every step.
RC_GTEST_PROP(IndexTest, RandomInsertEraseMatchesASet, ()) {
  MapStorage storage;
  OrderedIndex<MapStorage> index(&storage);
  Reference ref;
  int steps = *rc::gen::inRange(1, 120);
  uint64_t next_id = 1;
  for (int s = 0; s < steps; ++s) {
    bool insert = ref.empty() || *rc::gen::inRange(0, 3) != 0;
    if (insert) {
      IndexKey k{*GenColl(), *GenArt(), next_id++};
      index.Insert(k);
      ref.insert(k);
    } else {
      auto it = ref.begin();
      std::advance(it, *rc::gen::inRange<size_t>(0, ref.size()));
      index.Erase(*it);
      ref.erase(it);
    }
    std::string diff = Compare(index, ref, DrawProbe(next_id));
    RC_ASSERT(diff == "");
  }
  RC_ASSERT(storage.nodes.size() == ref.size());
}

// Keys inserted in order, in reverse order, with one ratio and shuffled
// ids, or alternating from both ends; then erased in a random order.
RC_GTEST_PROP(IndexTest, AdversarialPatternsMatchASet, ()) {
  MapStorage storage;
  OrderedIndex<MapStorage> index(&storage);
  Reference ref;
  int pattern = *rc::gen::inRange(0, 4);
  uint64_t n = *rc::gen::inRange<uint64_t>(1, 100);
  std::vector<IndexKey> keys;
  for (uint64_t i = 0; i < n; ++i) {
    switch (pattern) {
      case 0:  // ascending ratio, near the limits
        keys.push_back({~uint64_t{0} - n + i, kU128Max, i + 1});
        break;
      case 1:  // descending ratio
        keys.push_back({n - i, 1, i + 1});
        break;
      case 2:  // one ratio (coll/art = 1/2 at different scales), ids shuffled
        keys.push_back({i + 1, u128{2 * (i + 1)}, 0});
        break;
      default:  // zigzag: smallest, largest, next smallest, ...
        keys.push_back({i % 2 == 0 ? i : 1000 - i, 1, i + 1});
        break;
    }
  }
  if (pattern == 2) {
    std::vector<uint64_t> ids = *rc::gen::unique<std::vector<uint64_t>>(
        n, rc::gen::inRange<uint64_t>(1, 1'000'000));
    for (uint64_t i = 0; i < n; ++i) keys[i].id = ids[i];
  }
  for (const IndexKey& k : keys) {
    index.Insert(k);
    ref.insert(k);
    RC_ASSERT(Compare(index, ref, DrawProbe(n)) == "");
  }
  while (!ref.empty()) {
    auto it = ref.begin();
    std::advance(it, *rc::gen::inRange<size_t>(0, ref.size()));
    index.Erase(*it);
    ref.erase(it);
    RC_ASSERT(Compare(index, ref, DrawProbe(n)) == "");
  }
  RC_ASSERT(storage.root == 0);
  RC_ASSERT(storage.nodes.empty());
}

// ---- The classic AVL cases, one by one --------------------------------------

// Builds an index of keys coll/1 with id = coll, inserted in this order.
struct Fixture {
  MapStorage storage;
  OrderedIndex<MapStorage> index{&storage};

  explicit Fixture(std::initializer_list<uint64_t> colls) {
    for (uint64_t c : colls) index.Insert(K(c));
  }
  static IndexKey K(uint64_t c) { return IndexKey{c, 1, c}; }
  // The tree's shape as text: (left root right), by id.
  std::string Shape() { return ShapeOf(storage.root); }
  std::string ShapeOf(uint64_t id) {
    if (id == 0) return ".";
    IndexNode n;
    storage.LoadNode(id, &n);
    if (n.left == 0 && n.right == 0) return std::to_string(id);
    return "(" + ShapeOf(n.left) + " " + std::to_string(id) + " " +
           ShapeOf(n.right) + ")";
  }
  std::string Order() {
    std::string out;
    for (uint64_t i = 0;; ++i) {
      std::optional<IndexKey> k = index.At(i);
      if (!k) return out;
      out += (out.empty() ? "" : " ") + std::to_string(k->id);
    }
  }
};

TEST(IndexTest, SingleRotationsKeepOrderSizesAndHeights) {
  Fixture ll({3, 2, 1});  // left-left: rotate right at 3
  EXPECT_EQ(ll.Shape(), "(1 2 3)");
  EXPECT_EQ(ll.index.Check(), "");
  EXPECT_EQ(ll.index.Size(), 3u);
  EXPECT_EQ(ll.Order(), "1 2 3");

  Fixture rr({1, 2, 3});  // right-right: rotate left at 1
  EXPECT_EQ(rr.Shape(), "(1 2 3)");
  EXPECT_EQ(rr.index.Check(), "");
  EXPECT_EQ(rr.Order(), "1 2 3");

  // A rotation below the root, with subtrees that move across: the sizes
  // of the moved nodes and of every ancestor must follow.
  Fixture deep({50, 30, 70, 20, 40, 10});  // rotate right at 50, 40 moves
  EXPECT_EQ(deep.Shape(), "((10 20 .) 30 (40 50 70))");
  EXPECT_EQ(deep.index.Check(), "");
  EXPECT_EQ(deep.Order(), "10 20 30 40 50 70");
  EXPECT_EQ(
      deep.index.CountPrefix([](const IndexKey& k) { return k.coll < 45; }),
      4u);
}

TEST(IndexTest, DoubleRotationsKeepOrderSizesAndHeights) {
  Fixture lr({3, 1, 2});  // left-right
  EXPECT_EQ(lr.Shape(), "(1 2 3)");
  EXPECT_EQ(lr.index.Check(), "");
  Fixture rl({1, 3, 2});  // right-left
  EXPECT_EQ(rl.Shape(), "(1 2 3)");
  EXPECT_EQ(rl.index.Check(), "");

  // Left-right and right-left below subtrees: the grandchild's subtrees
  // change parents (25 moves from 30 to 20; 35 from 30 to 40).
  Fixture deep_lr({50, 20, 70, 10, 30, 25});
  EXPECT_EQ(deep_lr.Shape(), "((10 20 25) 30 (. 50 70))");
  EXPECT_EQ(deep_lr.index.Check(), "");
  EXPECT_EQ(deep_lr.Order(), "10 20 25 30 50 70");
  EXPECT_EQ(deep_lr.index.At(3)->id, 30u);
  Fixture deep_rl({10, 40, 5, 30, 50, 35});
  EXPECT_EQ(deep_rl.Shape(), "((5 10 .) 30 (35 40 50))");
  EXPECT_EQ(deep_rl.index.Check(), "");
  EXPECT_EQ(deep_rl.Order(), "5 10 30 35 40 50");
  EXPECT_EQ(deep_rl.index.At(1)->id, 10u);
}

TEST(IndexTest, EraseOfANodeWithTwoChildrenMovesItsSuccessor) {
  Fixture f({4, 2, 6, 1, 3, 5, 7});
  EXPECT_EQ(f.Shape(), "((1 2 3) 4 (5 6 7))");
  f.index.Erase(Fixture::K(4));  // the root; successor 5 is a leaf
  EXPECT_EQ(f.Shape(), "((1 2 3) 5 (. 6 7))");
  EXPECT_EQ(f.index.Check(), "");
  EXPECT_EQ(f.Order(), "1 2 3 5 6 7");
  f.index.Erase(Fixture::K(5));  // successor 6 is the right child itself
  EXPECT_EQ(f.Shape(), "((1 2 3) 6 7)");
  EXPECT_EQ(f.index.Check(), "");
  f.index.Erase(Fixture::K(2));  // inner node with two children
  EXPECT_EQ(f.Shape(), "((1 3 .) 6 7)");
  EXPECT_EQ(f.index.Check(), "");
  EXPECT_EQ(f.Order(), "1 3 6 7");
  EXPECT_FALSE(f.storage.nodes.count(2));
  EXPECT_EQ(f.storage.nodes.size(), 4u);
}

TEST(IndexTest, EraseRebalancesOnTheWayUp) {
  // Erasing 1 leaves 2 two lower than 4, whose children are equally high:
  // a single rotation that does not reduce the height.
  Fixture single({2, 1, 4, 3, 5});
  single.index.Erase(Fixture::K(1));
  EXPECT_EQ(single.Shape(), "((. 2 3) 4 5)");
  EXPECT_EQ(single.index.Check(), "");
  // Erasing 5 leaves 2 heavy on its right: a double rotation.
  Fixture dbl({4, 2, 5, 3});
  dbl.index.Erase(Fixture::K(5));
  EXPECT_EQ(dbl.Shape(), "(2 3 4)");
  EXPECT_EQ(dbl.index.Check(), "");
  // Erasing a leaf of a Fibonacci tree rotates at two levels.
  Fixture fib({8, 5, 11, 3, 7, 10, 12, 2, 4, 6, 9, 1});
  EXPECT_EQ(fib.index.Check(), "");
  fib.index.Erase(Fixture::K(12));
  EXPECT_EQ(fib.index.Check(), "");
  EXPECT_EQ(fib.Order(), "1 2 3 4 5 6 7 8 9 10 11");
  EXPECT_EQ(fib.storage.Height(), 4u);
}

// Gas: an update reads each node once and writes each changed node once,
// also when a rotation changes nodes the level below already changed.
TEST(IndexTest, AnUpdateReadsAndWritesEachNodeOnce) {
  Fixture ins({50, 20, 70, 10, 30});
  ins.storage.ResetCounts();
  ins.index.Insert(Fixture::K(25));  // left-right rotation at the root
  // Reads: the id probe, the root id, the path 50 20 30.
  EXPECT_EQ(ins.storage.loads, 4u);
  EXPECT_EQ(ins.storage.root_loads, 1u);
  // Writes: 25 (new), 30, 20, 50; the root id changes.
  EXPECT_EQ(ins.storage.stores, 4u);
  EXPECT_EQ(ins.storage.root_stores, 1u);
  EXPECT_EQ(ins.Shape(), "((10 20 25) 30 (. 50 70))");

  Fixture fib({8, 5, 11, 3, 7, 10, 12, 2, 4, 6, 9, 1});
  fib.storage.ResetCounts();
  fib.index.Erase(Fixture::K(12));  // rotations at 11 and at the root 8
  // Reads: the root id, the path 8 11 12, the siblings 10 and 5 that the
  // rotations move.
  EXPECT_EQ(fib.storage.loads, 5u);
  EXPECT_EQ(fib.storage.root_loads, 1u);
  // Writes: 11, 10, 8, 5; 12 removed; the root id changes.
  EXPECT_EQ(fib.storage.stores, 4u);
  EXPECT_EQ(fib.storage.removes, 1u);
  EXPECT_EQ(fib.storage.root_stores, 1u);
  EXPECT_EQ(fib.Shape(), "(((1 2 .) 3 4) 5 ((6 7 .) 8 (9 10 11)))");
}

TEST(IndexTest, CheckReportsWhatIsWrong) {
  Fixture f({2, 1, 3});
  IndexNode n;
  f.storage.LoadNode(2, &n);
  n.left_size = 2;  // a size that a rotation forgot to update
  f.storage.nodes[2] = EncodeIndexNode(n);
  EXPECT_EQ(f.index.Check(), "node 2: cached child size wrong");
  n.left_size = 1;
  n.key.coll = 0;  // out of order
  f.storage.nodes[2] = EncodeIndexNode(n);
  EXPECT_EQ(f.index.Check(), "node 2: out of order");
}

TEST(IndexTest, HeightBoundHoldsFor100000AscendingInserts) {
  MapStorage storage;
  OrderedIndex<MapStorage> index(&storage);
  const uint64_t n = 100'000;
  for (uint64_t i = 1; i <= n; ++i) index.Insert({i, 1, i});
  double bound = 1.4405 * std::log2(n + 2.0) - 0.3277;
  EXPECT_LE(storage.Height(), bound);
  // Ascending inserts into an AVL tree give a nearly perfect tree.
  EXPECT_LE(storage.Height(), 18u);
  EXPECT_EQ(index.Size(), n);
  EXPECT_EQ(index.At(n / 2)->id, n / 2 + 1);
  EXPECT_EQ(index.Check(), "");
  for (uint64_t i = n; i > n / 2; --i) index.Erase({i, 1, i});
  EXPECT_LE(storage.Height(), 1.4405 * std::log2(n / 2 + 2.0) - 0.3277);
  EXPECT_EQ(index.Check(), "");
}

// ---- Codec ------------------------------------------------------------------

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out += kDigits[static_cast<uint8_t>(c) >> 4];
    out += kDigits[static_cast<uint8_t>(c) & 15];
  }
  return out;
}

TEST(IndexTest, NodeBytesAreFixedWidthBigEndian) {
  IndexNode n;
  n.key = {0x0102030405060708,
           (u128{0x1112131415161718} << 64) | 0x191a1b1c1d1e1f20,
           0x2122232425262728};
  n.left = 3;
  n.right = 0x0400000000000005;
  n.left_height = 2;
  n.right_height = 7;
  n.left_size = 0x10;
  n.right_size = 0x0100000000000001;
  std::string bytes = EncodeIndexNode(n);
  // Written from the layout in index.h, field by field.
  EXPECT_EQ(Hex(bytes),
            "0102030405060708"                  // coll
            "1112131415161718191a1b1c1d1e1f20"  // art
            "2122232425262728"                  // id
            "0000000000000003"                  // left
            "0400000000000005"                  // right
            "02"                                // left height
            "07"                                // right height
            "0000000000000010"                  // left size
            "0100000000000001");                // right size
  EXPECT_EQ(bytes.size(), kIndexNodeBytes);
  IndexNode back;
  ASSERT_TRUE(DecodeIndexNode(bytes, &back));
  EXPECT_EQ(back.key, n.key);
  EXPECT_EQ(back.left, 3u);
  EXPECT_EQ(back.right, 0x0400000000000005u);
  EXPECT_EQ(back.height, 8u);
  EXPECT_EQ(back.size, 0x0100000000000012u);
  EXPECT_EQ(back.left_size, 0x10u);
  EXPECT_EQ(back.right_height, 7u);
}

TEST(IndexTest, DecodeRefusesMalformedNodes) {
  IndexNode n;
  n.key = {1, 1, 1};
  n.left = 2;
  n.left_height = 1;
  n.left_size = 1;
  std::string good = EncodeIndexNode(n);
  IndexNode out;
  ASSERT_TRUE(DecodeIndexNode(good, &out));
  EXPECT_FALSE(DecodeIndexNode(good.substr(0, 65), &out));
  EXPECT_FALSE(DecodeIndexNode(good + '\0', &out));
  EXPECT_FALSE(DecodeIndexNode("", &out));
  auto with = [&](size_t offset, uint8_t byte) {
    std::string b = good;
    b[offset] = static_cast<char>(byte);
    return b;
  };
  EXPECT_FALSE(DecodeIndexNode(with(48, 97), &out));  // left height > 96
  EXPECT_FALSE(DecodeIndexNode(with(48, 0), &out));   // left, no height
  EXPECT_FALSE(DecodeIndexNode(with(49, 1), &out));   // no right, a height
  EXPECT_FALSE(DecodeIndexNode(with(57, 0), &out));   // left, size 0
  // Sizes whose sum overflows.
  IndexNode big = n;
  big.right = 3;
  big.right_height = 1;
  big.left_size = ~uint64_t{0} - 1;
  big.right_size = 1;
  EXPECT_FALSE(DecodeIndexNode(EncodeIndexNode(big), &out));
  big.left_size = ~uint64_t{0} - 2;
  EXPECT_TRUE(DecodeIndexNode(EncodeIndexNode(big), &out));
  EXPECT_EQ(out.size, ~uint64_t{0});
}

// ---- Corruption and broken preconditions ------------------------------------

TEST(IndexTest, BrokenPreconditionsAndCorruptStorageCallCorrupt) {
  Fixture f({2, 1, 3});
  EXPECT_THROW(f.index.Insert({9, 1, 2}), CorruptError);  // id present
  EXPECT_THROW(f.index.Insert({9, 0, 9}), CorruptError);  // art 0
  EXPECT_THROW(f.index.Insert({9, 1, 0}), CorruptError);  // id 0
  EXPECT_THROW(f.index.Erase({4, 1, 4}), CorruptError);   // absent
  EXPECT_THROW(f.index.Erase({4, 2, 2}), CorruptError);   // other key
  EXPECT_EQ(f.index.Check(), "");
  EXPECT_EQ(f.Order(), "1 2 3");

  f.storage.nodes.erase(3);  // a node the tree points to is gone
  EXPECT_THROW(f.index.At(2), CorruptError);
  EXPECT_EQ(f.index.Check(), "node 3 missing");

  Fixture g({2, 1, 3});
  g.storage.nodes[3] = g.storage.nodes[1];  // node 1's bytes under id 3
  EXPECT_THROW(g.index.At(2), CorruptError);
  EXPECT_EQ(g.index.Check(), "node 3 holds id 1");

  // A cycle: the walk stops at the height bound instead of looping.
  Fixture h({1});
  IndexNode n;
  h.storage.LoadNode(1, &n);
  n.left = 1;
  n.left_height = 1;
  n.left_size = 5;
  h.storage.nodes[1] = EncodeIndexNode(n);
  EXPECT_THROW(h.index.At(0), CorruptError);
  EXPECT_THROW(h.index.CountPrefix([](const IndexKey&) { return false; }),
               CorruptError);
  EXPECT_THROW(h.index.Insert({0, 1, 7}), CorruptError);
  EXPECT_FALSE(h.index.Check().empty());
}

// ---- Storage operations per call
// ----------------------------------------------

// Reads and writes per call at n = 1000 and 100000 (random keys inserted in
// a random order), averaged over 1000 calls of each kind, with the gas
// they cost at docs/gas.md's prices for the engine's planned keys:
// node "i"+type u32+id u64 (13 bytes) with a 66-byte value, root "r"+type
// (5 bytes) with an 8-byte value. Also bounds them: one root read and one
// path of reads (plus the nodes a rotation moves), never a sibling per
// level.
TEST(IndexTest, StorageOperationsPerCall) {
  const double kRead = 1040 + 1 + 2;
  const double kWrite = 1040 + 3 * (13 + kIndexNodeBytes);
  const double kRootWrite = 1040 + 3 * (5 + 8);
  const double kRemove = 540 + 3 * 13;
  std::mt19937_64 rng(9);
  auto random_key = [&](uint64_t id) {
    return IndexKey{rng() % 1'000'000'000, 1 + rng() % 1'000'000'000, id};
  };
  std::printf("index storage operations per call (mean over 1000 calls)\n");
  std::printf("%8s %-12s %7s %7s %7s %7s %9s\n", "n", "call", "reads", "writes",
              "removes", "height", "gas");
  for (uint64_t n : {uint64_t{1000}, uint64_t{100'000}}) {
    MapStorage storage;
    OrderedIndex<MapStorage> index(&storage);
    std::vector<IndexKey> keys;
    for (uint64_t id = 1; id <= n; ++id) keys.push_back(random_key(id));
    for (const IndexKey& k : keys) index.Insert(k);
    uint64_t height = storage.Height();
    const int calls = 1000;
    auto report = [&](const char* what, uint64_t max_reads,
                      uint64_t max_writes) {
      double reads = double(storage.loads + storage.root_loads) / calls;
      double writes = double(storage.stores + storage.root_stores) / calls;
      double removes = double(storage.removes) / calls;
      double gas = (storage.loads + storage.root_loads) * kRead +
                   storage.stores * kWrite + storage.root_stores * kRootWrite +
                   storage.removes * kRemove;
      std::printf("%8llu %-12s %7.2f %7.2f %7.2f %7llu %9.0f\n",
                  static_cast<unsigned long long>(n), what, reads, writes,
                  removes, static_cast<unsigned long long>(height),
                  gas / calls);
      EXPECT_LE(reads, max_reads) << what << " at n = " << n;
      EXPECT_LE(writes, max_writes) << what << " at n = " << n;
      storage.ResetCounts();
    };
    // Insert: id probe + root + one path; writes: the path + the new node.
    storage.ResetCounts();
    for (int i = 0; i < calls; ++i) index.Insert(random_key(n + 1 + i));
    report("Insert", height + 3, height + 2);
    // Erase of random present keys: root + the path to the successor,
    // plus two per rotation (rare).
    std::shuffle(keys.begin(), keys.end(), rng);
    for (int i = 0; i < calls; ++i) index.Erase(keys[i]);
    report("Erase", height + 3, height + 2);
    for (int i = 0; i < calls; ++i) {
      IndexKey t = random_key(0);
      index.CountPrefix([&](const IndexKey& k) { return KeyLess(k, t); });
    }
    report("CountPrefix", height + 1, 0);
    for (int i = 0; i < calls; ++i) index.At(rng() % index.Size());
    report("At", height + 3, 0);  // includes Size()'s two reads
    for (int i = 0; i < calls; ++i) {
      index.Walk(rng() % index.Size(), 100,
                 [](const IndexKey&) { return true; });
    }
    report("Walk 100", height + 1 + 100, 0);
    EXPECT_EQ(index.Check(), "");
  }
}

}  // namespace
}  // namespace ballast::vault
