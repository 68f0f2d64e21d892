// Specification of the state tree (ledger/state_tree.h) on a real LevelDB in
// a temporary directory: its roots against known answers and against a root
// computed from scratch, proofs of every key at every retained version,
// pruning, and reopening.

#include "ledger/state_tree.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "ledger/state_at.h"
#include "ledger/state_changes.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "rapidcheck/gtest.h"
#include "tests/fuzz/small_stack.h"
#include "tests/testing/temp_dir.h"

namespace ballast::ledger {
namespace {

using ::testing::HasSubstr;

using Model = std::map<std::string, std::string>;

// The root of `m` computed from scratch by the definition in
// state_proof.h: split by bits until one key is left.
std::string RefRoot(const std::vector<std::pair<std::string, std::string>>& e,
                    size_t b, size_t end, size_t depth) {
  if (b == end) return std::string(32, '\0');
  if (end - b == 1) return StateLeafHash(e[b].first, Sha256(e[b].second));
  size_t m = b;
  while (m < end && KeyBit(e[m].first, depth) == 0) ++m;
  return StateInternalHash(RefRoot(e, b, m, depth + 1),
                           RefRoot(e, m, end, depth + 1));
}
std::string RefRoot(const Model& m) {
  std::vector<std::pair<std::string, std::string>> e(m.begin(), m.end());
  return RefRoot(e, 0, e.size(), 0);
}
// The number of nodes (leaves and internal nodes) of the tree of `m`.
size_t RefNodes(const std::vector<std::string>& keys, size_t b, size_t end,
                size_t depth) {
  if (end - b <= 1) return end - b;
  size_t m = b;
  while (m < end && KeyBit(keys[m], depth) == 0) ++m;
  return 1 + RefNodes(keys, b, m, depth + 1) +
         RefNodes(keys, m, end, depth + 1);
}
size_t RefNodes(const Model& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  return RefNodes(keys, 0, keys.size(), 0);
}

std::string RandomKey(std::mt19937_64& rng) {
  std::string k(32, '\0');
  for (char& c : k) c = static_cast<char>(rng());
  return k;
}

// The key with its last bit flipped: it shares 255 bits with `key`.
std::string Neighbour(std::string key) {
  key[31] = static_cast<char>(key[31] ^ 1);
  return key;
}

// A tree on a LevelDB database in a temporary directory.
class TreeDb {
 public:
  // With cache_bytes > 0 the tree reads through a node cache.
  explicit TreeDb(const std::string& dir, size_t cache_bytes = 0)
      : dir_(dir), cache_bytes_(cache_bytes) {
    Open();
  }

  void Open() {
    leveldb::Options options;
    options.create_if_missing = true;
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, dir_, &db);
    if (!s.ok()) std::abort();
    db_.reset(db);
    source_ = NewLevelDbTreeNodeSource(db);
    if (cache_bytes_ > 0) {
      cache_ = NewTreeNodeCache(source_.get(), cache_bytes_);
    }
    tree_ = std::make_unique<StateTree>(cache_ ? cache_.get() : source_.get());
  }
  void Close() {
    tree_.reset();
    cache_.reset();
    source_.reset();
    db_.reset();
  }

  const StateTree& tree() const { return *tree_; }
  leveldb::DB* db() { return db_.get(); }

  absl::StatusOr<StateTreeUpdate> Commit(uint64_t version,
                                         const StateTreeChanges& changes) {
    leveldb::WriteBatch batch;
    absl::StatusOr<StateTreeUpdate> u = tree_->Update(version, changes, &batch);
    if (u.ok() && !db_->Write(leveldb::WriteOptions(), &batch).ok()) {
      return absl::UnavailableError("write");
    }
    if (u.ok() && cache_ != nullptr) cache_->Admit(u->nodes);
    return u;
  }

  absl::StatusOr<uint64_t> Prune(uint64_t oldest) {
    leveldb::WriteBatch batch;
    absl::StatusOr<uint64_t> n = tree_->Prune(oldest, &batch);
    if (n.ok() && !db_->Write(leveldb::WriteOptions(), &batch).ok()) {
      return absl::UnavailableError("write");
    }
    return n;
  }

  // The number of keys of one table.
  size_t Count(keys::Table t) {
    std::unique_ptr<leveldb::Iterator> it(
        db_->NewIterator(leveldb::ReadOptions()));
    size_t n = 0;
    const std::string prefix = keys::TablePrefix(t);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      ++n;
    }
    return n;
  }

 private:
  std::string dir_;
  size_t cache_bytes_;
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<TreeNodeSource> source_;
  std::unique_ptr<TreeNodeCache> cache_;
  std::unique_ptr<StateTree> tree_;
};

// Applies `changes` to `m` as the tree does.
void Apply(Model& m, const StateTreeChanges& changes) {
  for (const auto& [k, v] : changes) {
    if (v.has_value()) {
      m[k] = *v;
    } else {
      m.erase(k);
    }
  }
}

// Every key of `m` proves its value, and every key of `absent` (and each
// key's neighbour not in `m`, and the tree's edge keys) proves its absence,
// at `version`, through the serialized proof.
void ExpectProves(const StateTree& tree, uint64_t version, const Model& m,
                  std::vector<std::string> absent = {}) {
  absl::StatusOr<std::string> root = tree.RootHash(version);
  ASSERT_TRUE(root.ok()) << root.status();
  ASSERT_EQ(*root, RefRoot(m)) << "version " << version;
  for (const auto& [k, v] : m) {
    absl::StatusOr<StateTreeRead> r = tree.Get(version, k);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->value, v);
    absl::Status s =
        VerifyStateProof(*root, k, v, SerializeStateProof(r->proof));
    ASSERT_TRUE(s.ok()) << "version " << version << ": " << s;
    if (m.count(Neighbour(k)) == 0) absent.push_back(Neighbour(k));
  }
  absent.push_back(std::string(32, '\0'));
  absent.push_back(std::string(32, '\xff'));
  for (const std::string& k : absent) {
    if (m.count(k) != 0) continue;
    absl::StatusOr<StateTreeRead> r = tree.Get(version, k);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_FALSE(r->value.has_value());
    absl::Status s =
        VerifyStateProof(*root, k, std::nullopt, SerializeStateProof(r->proof));
    ASSERT_TRUE(s.ok()) << "version " << version << ": " << s;
    // Absence cannot be passed off as presence.
    ASSERT_FALSE(VerifyStateProof(*root, k, "", r->proof).ok());
  }
}

class StateTreeTest : public ::testing::Test {
 protected:
  test::TempDir dir_{"state-tree"};
  TreeDb db_{dir_.path()};
};

TEST_F(StateTreeTest, KnownAnswers) {
  // The empty tree.
  EXPECT_EQ(*db_.tree().RootHash(0), std::string(32, '\0'));
  // One leaf, at the root.
  const std::string k1 = std::string(1, '\x80') + std::string(31, '\0');
  ASSERT_TRUE(db_.Commit(1, {{k1, "v1"}}).ok());
  EXPECT_EQ(ToHex(*db_.tree().RootHash(1)),
            "300e3e98c79b9b91f1992d74ba5f9daa13fc1d9a06d5befce7a6d7d0b83c0853");
  // Two leaves sharing two bits (A = 00.., B = 0x20..): the proofs of
  // state_proof_test.cc, byte for byte.
  const std::string a(32, '\0');
  const std::string b = std::string(1, '\x20') + std::string(31, '\0');
  const std::string c = std::string(1, '\x40') + std::string(31, '\0');
  ASSERT_TRUE(db_.Commit(2, {{k1, std::nullopt}, {a, "a"}, {b, "b"}}).ok());
  EXPECT_EQ(ToHex(*db_.tree().RootHash(2)),
            "f0673b908a8dc1067b4cb7cd02a92b89c13c5d5f12b4d821259d9af50db657bd");
  EXPECT_EQ(ToHex(SerializeStateProof(db_.tree().Get(2, b)->proof)),
            "01"
            "2000000000000000000000000000000000000000000000000000000000000000"
            "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
            "0003"
            "20"
            "711f8dfc6c2b58dc4b3743e5aaae634dda71017ed8de3eee263b6acd8ff9d925");
  EXPECT_EQ(ToHex(SerializeStateProof(db_.tree().Get(2, c)->proof)),
            "00"
            "0002"
            "40"
            "1c20f25e177a904344c9ddf1b19dc4ca09a11735d198267f55236c2b5f11b9c2");
  // The tree key of account 0x11..11: SHA-256('a' || address).
  EXPECT_EQ(ToHex(StateTreeKey(keys::Table::kAccount, std::string(20, '\x11'))),
            "b58fb076a4a18df20af412eda108b8b88745dca49b6e10cab9e1b5a1613ab9a0");
}

TEST(StateTreeKeysTest, StoreWritesMapToTreeKeysOfTheirNamespace) {
  const std::string addr(20, '\x11'), contract(20, '\x22');
  StateChanges changes;
  Account account;
  account.set_nonce(3);
  changes.accounts[addr] = account;
  changes.storage[{contract, "balance"}] = "7";
  changes.storage[{contract, "gone"}] = std::nullopt;
  StateTreeChanges tree = StateTreeChangesOf(StateWrites(changes));
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree.at(StateTreeKey(keys::Table::kAccount, addr)),
            SerializeDeterministic(account));
  EXPECT_EQ(tree.at(StateTreeKey(keys::Table::kStorage, contract + "balance")),
            "7");
  EXPECT_EQ(tree.at(StateTreeKey(keys::Table::kStorage, contract + "gone")),
            std::nullopt);
}

TEST_F(StateTreeTest, NodesAreKeyedByVersionAndPath) {
  EXPECT_EQ(ToHex(keys::TreeNodeKey(7, std::string(32, '\xff'), 0)),
            "6a"
            "0000000000000007"
            "0000");
  EXPECT_EQ(ToHex(keys::TreeNodeKey(7, std::string(32, '\xff'), 3)),
            "6a"
            "0000000000000007"
            "0003"
            "e0");
  EXPECT_EQ(ToHex(keys::TreeNodeKey(1, std::string(32, '\xff'), 256)),
            "6a"
            "0000000000000001"
            "0100" +
                std::string(64, 'f'));
  const std::string node = keys::TreeNodeKey(7, std::string(32, '\xff'), 3);
  EXPECT_EQ(ToHex(keys::TreeStaleKey(9)),
            "6b"
            "0000000000000009");
  EXPECT_EQ(keys::TreeNodeVersion(node), 7u);
}

TEST_F(StateTreeTest, DeletesRestoreEarlierRoots) {
  std::mt19937_64 rng(1);
  StateTreeChanges first, second, undo;
  for (int i = 0; i < 50; ++i) first[RandomKey(rng)] = absl::StrCat("v", i);
  for (int i = 0; i < 50; ++i) {
    std::string k = RandomKey(rng);
    second[k] = "w";
    undo[k] = std::nullopt;
  }
  // Keys right next to existing ones force deep splits and, deleted, the
  // lifting of leaves back up.
  for (const auto& [k, v] : first) {
    if (k[0] & 1) {
      second[Neighbour(k)] = "n";
      undo[Neighbour(k)] = std::nullopt;
    }
  }
  ASSERT_TRUE(db_.Commit(1, first).ok());
  ASSERT_TRUE(db_.Commit(2, second).ok());
  ASSERT_TRUE(db_.Commit(3, undo).ok());
  EXPECT_EQ(*db_.tree().RootHash(3), *db_.tree().RootHash(1));
  EXPECT_NE(*db_.tree().RootHash(2), *db_.tree().RootHash(1));
  StateTreeChanges all;
  for (const auto& [k, v] : first) all[k] = std::nullopt;
  ASSERT_TRUE(db_.Commit(4, all).ok());
  EXPECT_EQ(*db_.tree().RootHash(4), std::string(32, '\0'));
  ExpectProves(db_.tree(), 4, {}, {first.begin()->first});
}

TEST_F(StateTreeTest, UpdateRewritesOnlyTheChangedPath) {
  std::mt19937_64 rng(2);
  StateTreeChanges init;
  for (int i = 0; i < 1000; ++i) init[RandomKey(rng)] = "x";
  ASSERT_TRUE(db_.Commit(1, init).ok());
  const std::string key = std::next(init.begin(), 500)->first;
  const size_t depth = db_.tree().Get(1, key)->proof.siblings.size();
  EXPECT_GE(depth, 8u);
  absl::StatusOr<StateTreeUpdate> u = db_.Commit(2, {{key, "y"}});
  ASSERT_TRUE(u.ok()) << u.status();
  // The leaf and each internal node above it, nothing else.
  EXPECT_EQ(u->nodes_written, depth + 1);
  EXPECT_EQ(u->nodes_stale, depth + 1);
  // Changes that change nothing write only the new version's root.
  u = db_.Commit(3, {{key, "y"}, {RandomKey(rng), std::nullopt}});
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->nodes_written, 1u);
  EXPECT_EQ(u->nodes_stale, 1u);
  EXPECT_EQ(u->root, *db_.tree().RootHash(2));
}

// Thousands of inserts, updates and deletes in batches: after each batch the
// incremental root equals the root computed from scratch, and every key
// proves its value or absence at several versions.
TEST_F(StateTreeTest, RandomBatchesMatchFromScratchAndProve) {
  std::mt19937_64 rng(3);
  std::vector<std::string> universe;
  for (int i = 0; i < 600; ++i) {
    universe.push_back(RandomKey(rng));
    if (i % 5 == 0) universe.push_back(Neighbour(universe.back()));
  }
  std::vector<Model> models = {{}};
  for (uint64_t v = 1; v <= 25; ++v) {
    StateTreeChanges changes;
    for (int i = 0; i < 150; ++i) {
      const std::string& k = universe[rng() % universe.size()];
      if (rng() % 3 == 0) {
        changes[k] = std::nullopt;
      } else {
        changes[k] = absl::StrCat("v", v, ".", i);
      }
    }
    Model m = models.back();
    Apply(m, changes);
    absl::StatusOr<StateTreeUpdate> u = db_.Commit(v, changes);
    ASSERT_TRUE(u.ok()) << u.status();
    ASSERT_EQ(u->root, RefRoot(m)) << "version " << v;
    models.push_back(std::move(m));
  }
  for (uint64_t v : {1, 7, 13, 25}) {
    std::vector<std::string> absent;
    for (const std::string& k : universe) {
      if (models[v].count(k) == 0) absent.push_back(k);
    }
    ExpectProves(db_.tree(), v, models[v], absent);
  }
  // A tree built in one batch from the final keys has the same root.
  test::TempDir other("state-tree-scratch");
  TreeDb scratch(other.path());
  StateTreeChanges all(models.back().begin(), models.back().end());
  EXPECT_EQ(scratch.Commit(1, all)->root, *db_.tree().RootHash(25));
}

// Proofs from a real tree of 1,000 keys, of a present key, of a key whose
// neighbour is present (absent, the path ends at that leaf) and of a key in
// an empty subtree: every single-bit change to the proof bytes, the value or
// the root fails verification.
TEST_F(StateTreeTest, EveryBitFlipOfARealProofFails) {
  std::mt19937_64 rng(7);
  StateTreeChanges changes;
  for (int i = 0; i < 1000; ++i) changes[RandomKey(rng)] = absl::StrCat(i);
  ASSERT_TRUE(db_.Commit(1, changes).ok());
  const std::string root = *db_.tree().RootHash(1);
  const std::string present = std::next(changes.begin(), 123)->first;
  std::vector<std::pair<std::string, std::optional<std::string>>> claims = {
      {present, *changes.at(present)}, {Neighbour(present), std::nullopt}};
  for (int i = 0; i < 100; ++i) {  // a key whose path ends at empty
    std::string k = RandomKey(rng);
    if (!db_.tree().Get(1, k)->proof.leaf.has_value()) {
      claims.push_back({k, std::nullopt});
      break;
    }
  }
  ASSERT_EQ(claims.size(), 3u);
  for (const auto& [key, value] : claims) {
    const std::string proof =
        SerializeStateProof(db_.tree().Get(1, key)->proof);
    ASSERT_TRUE(VerifyStateProof(root, key, value, proof).ok());
    auto flip = [](std::string s, size_t bit) {
      s[bit / 8] = static_cast<char>(s[bit / 8] ^ (0x80 >> (bit % 8)));
      return s;
    };
    for (size_t bit = 0; bit < proof.size() * 8; ++bit) {
      ASSERT_FALSE(VerifyStateProof(root, key, value, flip(proof, bit)).ok())
          << "proof bit " << bit;
    }
    for (size_t bit = 0; bit < 256; ++bit) {
      ASSERT_FALSE(VerifyStateProof(flip(root, bit), key, value, proof).ok())
          << "root bit " << bit;
    }
    if (value.has_value()) {
      for (size_t bit = 0; bit < value->size() * 8; ++bit) {
        ASSERT_FALSE(VerifyStateProof(root, key, flip(*value, bit), proof).ok())
            << "value bit " << bit;
      }
      for (size_t bit = 0; bit < 256; ++bit) {
        ASSERT_FALSE(VerifyStateProof(root, flip(key, bit), value, proof).ok())
            << "key bit " << bit;
      }
    }
  }
}

TEST_F(StateTreeTest, GetManyProvesEachKey) {
  const std::string a(32, 'a'), b(32, 'b'), c(32, 'c');
  ASSERT_TRUE(db_.Commit(1, {{a, "1"}, {b, "2"}}).ok());
  absl::StatusOr<std::vector<StateTreeRead>> r =
      db_.tree().GetMany(1, {b, c, a});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  const std::string root = *db_.tree().RootHash(1);
  EXPECT_TRUE(VerifyStateProof(root, b, "2", (*r)[0].proof).ok());
  EXPECT_TRUE(VerifyStateProof(root, c, std::nullopt, (*r)[1].proof).ok());
  EXPECT_TRUE(VerifyStateProof(root, a, "1", (*r)[2].proof).ok());
}

TEST_F(StateTreeTest, PruneDropsOnlyNodesOfOlderVersions) {
  std::mt19937_64 rng(4);
  std::vector<std::string> universe;
  for (int i = 0; i < 300; ++i) universe.push_back(RandomKey(rng));
  std::vector<Model> models = {{}};
  for (uint64_t v = 1; v <= 10; ++v) {
    StateTreeChanges changes;
    for (int i = 0; i < 60; ++i) {
      const std::string& k = universe[rng() % universe.size()];
      if (rng() % 4 == 0) {
        changes[k] = std::nullopt;
      } else {
        changes[k] = absl::StrCat(v, ".", i);
      }
    }
    Model m = models.back();
    Apply(m, changes);
    ASSERT_TRUE(db_.Commit(v, changes).ok());
    models.push_back(std::move(m));
  }
  const size_t nodes_before = db_.Count(keys::Table::kTreeNode);
  absl::StatusOr<uint64_t> deleted = db_.Prune(5);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_GT(*deleted, 0u);
  EXPECT_EQ(db_.Count(keys::Table::kTreeNode), nodes_before - *deleted);
  EXPECT_EQ(*db_.tree().OldestVersion(), 5u);
  for (uint64_t v : {0, 1, 4}) {
    absl::Status s = db_.tree().Get(v, universe[0]).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << v;
    EXPECT_THAT(s.message(),
                HasSubstr(absl::StrCat("state tree version ", v,
                                       " was pruned (the oldest retained "
                                       "version is 5)")));
  }
  for (uint64_t v = 5; v <= 10; ++v) ExpectProves(db_.tree(), v, models[v]);

  // Pruning to the latest version leaves exactly its tree's nodes and no
  // stale index.
  ASSERT_TRUE(db_.Prune(10).ok());
  EXPECT_EQ(db_.Count(keys::Table::kTreeNode), RefNodes(models[10]));
  EXPECT_EQ(db_.Count(keys::Table::kTreeStale), 0u);
  ExpectProves(db_.tree(), 10, models[10]);
  // Again, or lower: nothing to do. Beyond the latest: refused.
  EXPECT_EQ(*db_.Prune(10), 0u);
  EXPECT_EQ(*db_.Prune(3), 0u);
  EXPECT_THAT(db_.Prune(11).status().message(),
              HasSubstr("cannot prune up to version 11: no such version"));

  // The pruned state survives a reopen, and the tree goes on.
  db_.Close();
  db_.Open();
  EXPECT_EQ(db_.tree().RootHash(9).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ExpectProves(db_.tree(), 10, models[10]);
  ASSERT_TRUE(db_.Commit(11, {{universe[0], "after"}}).ok());
  Model m = models[10];
  m[universe[0]] = "after";
  ExpectProves(db_.tree(), 11, m);
}

TEST_F(StateTreeTest, ReopenKeepsEveryVersion) {
  std::mt19937_64 rng(5);
  std::vector<Model> models = {{}};
  for (uint64_t v = 1; v <= 4; ++v) {
    StateTreeChanges changes;
    for (int i = 0; i < 40; ++i) changes[RandomKey(rng)] = "x";
    if (v > 1) changes[models.back().begin()->first] = std::nullopt;
    Model m = models.back();
    Apply(m, changes);
    ASSERT_TRUE(db_.Commit(v, changes).ok());
    models.push_back(std::move(m));
  }
  db_.Close();
  db_.Open();
  for (uint64_t v = 0; v <= 4; ++v) ExpectProves(db_.tree(), v, models[v]);
  ASSERT_TRUE(db_.Commit(5, {{RandomKey(rng), "y"}}).ok());
}

TEST_F(StateTreeTest, RefusesBadUpdatesAndVersions) {
  ASSERT_TRUE(db_.Commit(1, {{std::string(32, 'a'), "1"}}).ok());
  leveldb::WriteBatch batch;
  absl::Status s = db_.tree().Update(1, {}, &batch).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("version 1 already exists"));
  s = db_.tree().Update(3, {}, &batch).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("update to version 3: state tree has no "
                                     "version 2"));
  s = db_.tree().Update(2, {{"short", "x"}}, &batch).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("key is 5 bytes"));
  EXPECT_EQ(db_.tree().Update(0, {}, &batch).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db_.tree().Get(1, "short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db_.tree().Get(2, std::string(32, 'a')).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(batch.ApproximateSize(), leveldb::WriteBatch().ApproximateSize())
      << "a refused update stages nothing";
}

TEST_F(StateTreeTest, CorruptNodesAreDataLoss) {
  const std::string a(32, 'a'), b(32, 'b');
  ASSERT_TRUE(db_.Commit(1, {{a, "1"}, {b, "2"}}).ok());
  // 'a' = 0x61 and 'b' = 0x62 first differ at bit 6, so a's leaf is at
  // depth 7. Overwrite it with garbage.
  const std::string leaf_key = keys::TreeNodeKey(1, a, 7);
  std::string bytes;
  ASSERT_TRUE(db_.db()->Get(leveldb::ReadOptions(), leaf_key, &bytes).ok());
  ASSERT_TRUE(db_.db()->Put(leveldb::WriteOptions(), leaf_key, "\x02").ok());
  absl::Status s = db_.tree().Get(1, a).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("truncated leaf"));
  ASSERT_TRUE(db_.db()
                  ->Put(leveldb::WriteOptions(), leaf_key,
                        "\x02" + b + std::string(32, '0'))
                  .ok());
  EXPECT_THAT(db_.tree().Get(1, a).status().message(),
              HasSubstr("leaf key off the node's path"));
  // Well formed, but not what the parent hashed: another value (with its
  // own hash), or a value that is not its recorded hash's.
  ASSERT_TRUE(db_.db()
                  ->Put(leveldb::WriteOptions(), leaf_key,
                        "\x02" + a + Sha256("9") + "9")
                  .ok());
  s = db_.tree().Get(1, a).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(),
              HasSubstr("its hash is not the one its parent records"));
  EXPECT_EQ(db_.Commit(2, {{a, "3"}}).status().code(),
            absl::StatusCode::kDataLoss);
  ASSERT_TRUE(db_.db()
                  ->Put(leveldb::WriteOptions(), leaf_key,
                        "\x02" + a + Sha256("1") + "9")
                  .ok());
  EXPECT_THAT(db_.tree().Get(1, a).status().message(),
              HasSubstr("the leaf's value does not match its value hash"));
  ASSERT_TRUE(db_.db()->Put(leveldb::WriteOptions(), leaf_key, bytes).ok());
  EXPECT_EQ(*db_.tree().Get(1, a)->value, "1");
  ASSERT_TRUE(db_.db()->Delete(leveldb::WriteOptions(), leaf_key).ok());
  EXPECT_THAT(db_.tree().Get(1, a).status().message(), HasSubstr("missing"));
  ASSERT_TRUE(
      db_.db()
          ->Put(leveldb::WriteOptions(), keys::TreeNodeKey(1, a, 0), "\x07")
          .ok());
  EXPECT_EQ(db_.tree().RootHash(1).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(StateTreeTest, AMalformedStaleIndexIsDataLossNotAPartialPrune) {
  const std::string a(32, 'a'), b(32, 'b');
  ASSERT_TRUE(db_.Commit(1, {{a, "1"}, {b, "2"}}).ok());
  ASSERT_TRUE(db_.Commit(2, {{a, "3"}}).ok());
  ASSERT_TRUE(db_.Commit(3, {{b, "4"}}).ok());
  std::string list;
  ASSERT_TRUE(
      db_.db()->Get(leveldb::ReadOptions(), keys::TreeStaleKey(2), &list).ok());
  ASSERT_TRUE(db_.db()
                  ->Put(leveldb::WriteOptions(), keys::TreeStaleKey(2),
                        list + "\x05jjjjj")
                  .ok());
  absl::StatusOr<uint64_t> n = db_.Prune(3);
  EXPECT_EQ(n.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(n.status().message(),
              HasSubstr("stale-index record 6b0000000000000002"));
  ExpectProves(db_.tree(), 1, {{a, "1"}, {b, "2"}});  // nothing was pruned
  ASSERT_TRUE(
      db_.db()->Put(leveldb::WriteOptions(), keys::TreeStaleKey(2), list).ok());
  EXPECT_GT(*db_.Prune(3), 0u);
}

// Paths are at most 256 levels: keys that differ only in their last bit put
// two leaves at depth 256. Building, proving and collapsing such paths runs
// on a small stack (256 KiB): no walk recurses per level.
TEST_F(StateTreeTest, DeepestPathsFitASmallStack) {
  const std::string a(32, '\x5a');
  const std::string b = Neighbour(a);
  const std::string c(32, '\x00');
  test::RunOnSmallStack([&] {
    ASSERT_TRUE(db_.Commit(1, {{a, "a"}, {b, "b"}, {c, "c"}}).ok());
    absl::StatusOr<StateTreeRead> r = db_.tree().Get(1, b);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->proof.siblings.size(), 256u);
    ExpectProves(db_.tree(), 1, {{a, "a"}, {b, "b"}, {c, "c"}});
    // Deleting one lifts the other from depth 256 to depth 2 (0x5a and 0x00
    // differ at bit 1).
    ASSERT_TRUE(db_.Commit(2, {{b, std::nullopt}}).ok());
    EXPECT_EQ(db_.tree().Get(2, a)->proof.siblings.size(), 2u);
    ExpectProves(db_.tree(), 2, {{a, "a"}, {c, "c"}});
    ASSERT_TRUE(db_.Prune(2).ok());
    // The root, the internal node at depth 1 and two leaves.
    EXPECT_EQ(db_.Count(keys::Table::kTreeNode), 4u);
  });
}

// Counts the node records read from a source (not the lookups that find
// none, as Update's check that its version is new).
class CountingSource : public TreeNodeSource {
 public:
  explicit CountingSource(const TreeNodeSource* base) : base_(base) {}
  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override {
    absl::StatusOr<std::optional<std::string>> v = base_->Get(key);
    if (!key.empty() && key[0] == static_cast<char>(keys::Table::kTreeNode) &&
        v.ok() && v->has_value()) {
      ++node_reads;
    }
    return v;
  }
  absl::Status Scan(
      std::string_view start, std::string_view limit,
      const std::function<bool(std::string_view, std::string_view)>& fn)
      const override {
    return base_->Scan(start, limit, fn);
  }
  mutable size_t node_reads = 0;

 private:
  const TreeNodeSource* base_;
};

// The nodes a committed batch wrote are admitted to the cache, so the next
// version, which reads mostly what the last one wrote, reads none of them
// from LevelDB.
TEST(StateTreeCacheTest, AdmittedNodesAreNotReadFromLevelDb) {
  test::TempDir dir("state-tree-admit");
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  ASSERT_TRUE(leveldb::DB::Open(options, dir.path(), &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::unique_ptr<TreeNodeSource> base = NewLevelDbTreeNodeSource(db.get());
  CountingSource counting(base.get());
  std::unique_ptr<TreeNodeCache> cache = NewTreeNodeCache(&counting, 1 << 20);
  StateTree tree(cache.get());

  std::mt19937_64 rng(11);
  Model m;
  StateTreeChanges changes;
  for (int i = 0; i < 200; ++i) changes[RandomKey(rng)] = "1";
  Apply(m, changes);
  leveldb::WriteBatch batch;
  absl::StatusOr<StateTreeUpdate> u = tree.Update(1, changes, &batch);
  ASSERT_TRUE(u.ok()) << u.status();
  ASSERT_TRUE(db->Write(leveldb::WriteOptions(), &batch).ok());
  EXPECT_EQ(u->nodes.size(), u->nodes_written);
  cache->Admit(u->nodes);

  counting.node_reads = 0;
  ExpectProves(tree, 1, m);
  for (auto& [k, v] : changes) v = "2";
  leveldb::WriteBatch batch2;
  ASSERT_TRUE(tree.Update(2, changes, &batch2).ok());
  EXPECT_EQ(counting.node_reads, 0u);
}

// Nodes are cached once read; a pruned version must still be refused, not
// served from the cache.
TEST(StateTreeCacheTest, PrunedVersionsAreRefusedNotServedFromTheCache) {
  test::TempDir dir("state-tree-cache");
  TreeDb db(dir.path(), 1 << 20);
  std::mt19937_64 rng(6);
  Model m;
  StateTreeChanges changes;
  for (int i = 0; i < 100; ++i) changes[RandomKey(rng)] = "1";
  Apply(m, changes);
  ASSERT_TRUE(db.Commit(1, changes).ok());
  ExpectProves(db.tree(), 1, m);  // every node of version 1 is cached now
  for (auto& [k, v] : changes) v = "2";
  ASSERT_TRUE(db.Commit(2, changes).ok());
  ASSERT_TRUE(db.Prune(2).ok());
  absl::Status s = db.tree().Get(1, m.begin()->first).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(db.tree().RootHash(1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Apply(m, changes);
  ExpectProves(db.tree(), 2, m);
}

TEST(StateTreeDatabaseTest, CommitsUpdatesAndPrunes) {
  test::TempDir dir("state-tree-db");
  auto db = StateTreeDatabase::Open(dir.path(), /*sync=*/false, 1 << 20);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Update(1, {{std::string(32, 'a'), "1"}}).ok());
  ASSERT_TRUE((*db)->Update(2, {{std::string(32, 'b'), "2"}}).ok());
  EXPECT_EQ(*(*db)->Prune(2), 1u);  // version 1's root: the leaf of 'a'
  EXPECT_EQ((*db)->tree().Get(2, std::string(32, 'a'))->value, "1");
}

// The benchmark's baseline (BENCHMARKS.md): the same state records, with the
// tree or without it.
TEST(StateTreeDatabaseTest, WriteStateWithOrWithoutTheTree) {
  const StateTreeChanges changes = {{std::string(32, 'a'), "1"},
                                    {std::string(32, 'b'), "2"}};
  test::TempDir plain_dir("state-writes-plain"), tree_dir("state-writes-tree"),
      ref_dir("state-writes-ref");
  auto plain = StateTreeDatabase::Open(plain_dir.path(), false);
  auto tree = StateTreeDatabase::Open(tree_dir.path(), false);
  auto ref = StateTreeDatabase::Open(ref_dir.path(), false);
  ASSERT_TRUE(plain.ok() && tree.ok() && ref.ok());
  ASSERT_TRUE((*plain)->WriteState(1, changes, /*with_tree=*/false).ok());
  EXPECT_EQ((*plain)->tree().RootHash(1).status().code(),
            absl::StatusCode::kNotFound);
  auto written = (*tree)->WriteState(1, changes, /*with_tree=*/true);
  ASSERT_TRUE(written.ok()) << written.status();
  auto expected = (*ref)->Update(1, changes);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(written->root, expected->root);
  EXPECT_EQ(*(*tree)->tree().RootHash(1), expected->root);
  EXPECT_EQ((*plain)->WriteState(2, {{"short", "x"}}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Any sequence of batches over keys that share long prefixes (so paths run
// deep, up to 256 bits) gives the from-scratch root after every batch, and
// every key proves its value or absence, with or without a node cache.
RC_GTEST_PROP(StateTreeProperty, IncrementalRootEqualsFromScratch, ()) {
  const auto byte = rc::gen::element<char>('\x00', '\x01', '\x80');
  std::vector<std::string> universe;
  const int n = *rc::gen::inRange(1, 12);
  for (int i = 0; i < n; ++i) {
    std::string k = *rc::gen::container<std::string>(32, byte);
    universe.push_back(k);
  }
  test::TempDir dir("state-tree-prop");
  // Half the runs read through a node cache small enough to evict.
  TreeDb db(dir.path(), *rc::gen::arbitrary<bool>() ? 2048 : 0);
  Model m;
  const int batches = *rc::gen::inRange(1, 6);
  for (int v = 1; v <= batches; ++v) {
    StateTreeChanges changes;
    const int ops = *rc::gen::inRange(0, 10);
    for (int i = 0; i < ops; ++i) {
      const std::string& k = universe[*rc::gen::inRange<size_t>(0, n)];
      if (*rc::gen::arbitrary<bool>()) {
        changes[k] = std::nullopt;
      } else {
        changes[k] = *rc::gen::element<std::string>("", "x", "yy");
      }
    }
    Apply(m, changes);
    absl::StatusOr<StateTreeUpdate> u = db.Commit(v, changes);
    RC_ASSERT(u.ok());
    RC_ASSERT(u->root == RefRoot(m));
    for (const std::string& k : universe) {
      absl::StatusOr<StateTreeRead> r = db.tree().Get(v, k);
      RC_ASSERT(r.ok());
      std::optional<std::string> want;
      if (m.count(k) != 0) want = m[k];
      RC_ASSERT(r->value == want);
      RC_ASSERT(VerifyStateProof(u->root, k, want, r->proof).ok());
    }
  }
  // Pruned to the last version, the database holds exactly its tree.
  RC_ASSERT(db.Prune(batches).ok());
  RC_ASSERT(db.Count(keys::Table::kTreeNode) ==
            std::max<size_t>(RefNodes(m), 1));
}

// StateAt (ledger/state_at.h): records as they were at a version, through
// the tree; a version pruned while a read walks it (a node it needs is
// deleted under it) is reported as pruned, not as a corrupt tree.
class PruneOnNthGet : public TreeNodeSource {
 public:
  PruneOnNthGet(const TreeNodeSource* base, int n, std::function<void()> prune)
      : base_(base), n_(n), prune_(std::move(prune)) {}
  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override {
    if (++gets_ == n_) prune_();
    return base_->Get(key);
  }
  absl::Status Scan(
      std::string_view start, std::string_view limit,
      const std::function<bool(std::string_view, std::string_view)>& fn)
      const override {
    return base_->Scan(start, limit, fn);
  }

 private:
  const TreeNodeSource* base_;
  const int n_;
  std::function<void()> prune_;
  mutable int gets_ = 0;
};

TEST(StateAtTest, ReadsEachVersionAndAVersionPrunedMidReadIsPruned) {
  test::TempDir dir("state-at");
  TreeDb db(dir.path());
  const std::string c(kAddressSize, 'c');
  const std::string k = StateTreeKey(keys::Table::kStorage, c + "k");
  ContractInfo info;
  info.set_creator(std::string(kAddressSize, 'a'));
  StateTreeChanges v1 = {
      {k, "old"},
      {StateTreeKey(keys::Table::kContract, c), info.SerializeAsString()},
      {StateTreeKey(keys::Table::kContract, std::string(kAddressSize, 'x')),
       "not a ContractInfo \xff\xff"}};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 64; ++i) v1[RandomKey(rng)] = "filler";
  ASSERT_TRUE(db.Commit(1, v1).ok());
  ASSERT_TRUE(db.Commit(2, {{k, "new"}}).ok());

  StateAt at1(&db.tree(), 1), at2(&db.tree(), 2);
  EXPECT_EQ(*at1.GetStorage(c, "k"), "old");
  EXPECT_EQ(*at2.GetStorage(c, "k"), "new");
  EXPECT_EQ(*at2.GetStorage(c, "absent"), std::nullopt);
  auto got = at1.GetContract(c);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((*got)->creator(), info.creator());
  EXPECT_EQ(*at1.GetContract(std::string(kAddressSize, 'z')), std::nullopt);
  EXPECT_EQ(at1.GetAccount(c)->nonce(), 0u);  // never written
  EXPECT_EQ(at1.GetContract(std::string(kAddressSize, 'x')).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(at1.GetStorage("short", "k").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StateAt(&db.tree(), 3).GetStorage(c, "k").status().code(),
            absl::StatusCode::kNotFound);

  // Get 1 reads the oldest version, 2 the root; before 3 (the first node
  // below the root) version 1 is pruned: that node is gone.
  std::unique_ptr<TreeNodeSource> base = NewLevelDbTreeNodeSource(db.db());
  PruneOnNthGet source(base.get(), 3, [&] { ASSERT_TRUE(db.Prune(2).ok()); });
  StateTree tree(&source);
  absl::StatusOr<std::optional<std::string>> mid =
      StateAt(&tree, 1).GetStorage(c, "k");
  EXPECT_EQ(mid.status().code(), absl::StatusCode::kFailedPrecondition)
      << mid.status();
  EXPECT_THAT(mid.status().message(),
              HasSubstr("state tree version 1 was pruned (the oldest "
                        "retained version is 2)"));
  // Read again, the pruned version is refused before any node is read.
  EXPECT_EQ(at1.GetStorage(c, "k").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*at2.GetStorage(c, "k"), "new");
}

}  // namespace
}  // namespace ballast::ledger
