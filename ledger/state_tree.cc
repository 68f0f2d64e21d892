// Node encodings (keys: ledger/keys.cc, 'j' and 'k'). A node is stored under
// (the version that wrote it, its path) and never changes afterwards.
//
//   empty root   0x00                      only at depth 0: the version's
//                                          tree is empty
//   internal     0x01 || child(left) || child(right)
//                child = kind(1) || version(8 BE) || hash(32)
//                kind 0 = empty (version 0, hash 32 zero bytes),
//                     1 = leaf, 2 = internal; the child's node is stored at
//                     (version, path || bit)
//   leaf         0x02 || key(32) || value_hash(32) || value
//
// Every version writes its root node at depth 0, even when nothing changed
// (then it copies the previous root), so "version v exists" is "a root at
// (v, empty path) exists". A node replaced by version v is recorded in the
// stale index under v (one record per version, listing them): it belongs
// to versions < v only, so Prune(r) deletes the nodes whose stale_since <=
// r. Node hashes are not stored in the node itself but in its parent (the
// root's is recomputed from its content); every node read is hashed and
// checked against its parent's record, so a corrupt node is DataLoss, never
// a wrong root or a proof of a wrong value.
//
// Update walks the changed keys' paths depth first with an explicit stack of
// at most 257 tasks (one per level; keys are 256 bits), not by recursion.

#include "ledger/state_tree.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/filter_policy.h"
#include "leveldb/write_batch.h"

namespace ballast::ledger {
namespace {

enum class Kind : uint8_t { kEmpty = 0, kLeaf = 1, kInternal = 2 };

constexpr char kEmptyTag = 0x00;
constexpr char kInternalTag = 0x01;
constexpr char kLeafTag = 0x02;
constexpr size_t kChildSize = 1 + 8 + kHashSize;

const std::string& EmptyHash() {
  static const auto* empty = new std::string(kHashSize, '\0');
  return *empty;
}

// A subtree as its parent records it.
struct Child {
  Kind kind = Kind::kEmpty;
  uint64_t version = 0;
  std::string hash = EmptyHash();

  bool operator==(const Child& o) const {
    return kind == o.kind && version == o.version && hash == o.hash;
  }
};

struct Node {
  char tag = kEmptyTag;
  Child left, right;                   // internal
  std::string key, value_hash, value;  // leaf
};

std::string EncodeChild(const Child& c) {
  std::string out(1, static_cast<char>(c.kind));
  out += EncodeBigEndian64(c.version);
  out += c.hash;
  return out;
}

std::string EncodeInternal(const Child& left, const Child& right) {
  return std::string(1, kInternalTag) + EncodeChild(left) + EncodeChild(right);
}

std::string EncodeLeaf(std::string_view key, std::string_view value_hash,
                       std::string_view value) {
  std::string out;
  out.reserve(1 + 2 * kHashSize + value.size());
  out.push_back(kLeafTag);
  out.append(key);
  out.append(value_hash);
  out.append(value);
  return out;
}

absl::Status Corrupt(std::string_view node_key, std::string_view what) {
  return absl::DataLossError(absl::StrCat("state tree node ", ToHex(node_key),
                                          ": ", std::string(what)));
}

absl::StatusOr<Child> DecodeChild(std::string_view node_key,
                                  std::string_view b) {
  Child c;
  const uint8_t kind = static_cast<uint8_t>(b[0]);
  if (kind > 2) return Corrupt(node_key, "unknown child kind");
  c.kind = static_cast<Kind>(kind);
  c.version = DecodeBigEndian64(b.substr(1, 8));
  c.hash = std::string(b.substr(9, kHashSize));
  if (c.kind == Kind::kEmpty && (c.version != 0 || c.hash != EmptyHash())) {
    return Corrupt(node_key, "empty child with a version or hash");
  }
  return c;
}

// Parses the node stored at `node_key`, whose path is the first `depth` bits
// of `path`.
absl::StatusOr<Node> DecodeNode(std::string_view node_key,
                                std::string_view bytes, std::string_view path,
                                size_t depth) {
  if (bytes.empty()) return Corrupt(node_key, "empty record");
  Node n;
  n.tag = bytes[0];
  switch (n.tag) {
    case kEmptyTag:
      if (bytes.size() != 1 || depth != 0) {
        return Corrupt(node_key, "malformed empty root");
      }
      return n;
    case kInternalTag: {
      if (bytes.size() != 1 + 2 * kChildSize) {
        return Corrupt(node_key, "internal node of the wrong size");
      }
      ASSIGN_OR_RETURN(n.left, DecodeChild(node_key, bytes.substr(1)));
      ASSIGN_OR_RETURN(n.right,
                       DecodeChild(node_key, bytes.substr(1 + kChildSize)));
      if (n.left.kind == Kind::kEmpty && n.right.kind == Kind::kEmpty) {
        return Corrupt(node_key, "internal node without children");
      }
      return n;
    }
    case kLeafTag: {
      if (bytes.size() < 1 + 2 * kHashSize) {
        return Corrupt(node_key, "truncated leaf");
      }
      n.key = std::string(bytes.substr(1, kHashSize));
      n.value_hash = std::string(bytes.substr(1 + kHashSize, kHashSize));
      n.value = std::string(bytes.substr(1 + 2 * kHashSize));
      for (size_t i = 0; i < depth; ++i) {
        if (KeyBit(n.key, i) != KeyBit(path, i)) {
          return Corrupt(node_key, "leaf key off the node's path");
        }
      }
      return n;
    }
  }
  return Corrupt(node_key, "unknown node tag");
}

// `path` with bit `depth` set to `bit` (the bits after it are irrelevant).
std::string ChildPath(std::string path, size_t depth, int bit) {
  uint8_t byte = static_cast<uint8_t>(path[depth / 8]);
  const uint8_t mask = 0x80 >> (depth % 8);
  byte = bit ? (byte | mask) : (byte & ~mask);
  path[depth / 8] = static_cast<char>(byte);
  return path;
}

// A stale-index record: each node key as length(1) || key. Node keys are
// 11 to 43 bytes (TreeNodeKey).
constexpr size_t kMinNodeKey = 1 + 8 + 2, kMaxNodeKey = kMinNodeKey + 32;

std::string EncodeStaleList(const std::vector<std::string>& nodes) {
  std::string out;
  for (const std::string& node : nodes) {
    out.push_back(static_cast<char>(node.size()));
    out += node;
  }
  return out;
}

// Calls fn(node key) for each key of a stale list; DataLoss if malformed.
template <typename Fn>
absl::Status ForEachStale(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const size_t n = static_cast<uint8_t>(list[0]);
    if (n < kMinNodeKey || n > kMaxNodeKey || list.size() < 1 + n ||
        list[1] != static_cast<char>(keys::Table::kTreeNode)) {
      return absl::DataLossError("malformed stale list");
    }
    fn(list.substr(1, n));
    list.remove_prefix(1 + n);
  }
  return absl::OkStatus();
}

absl::Status CheckKey(std::string_view key) {
  if (key.size() != kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("state tree key is ", key.size(), " bytes, not 32"));
  }
  return absl::OkStatus();
}

// Reads nodes and roots of committed versions.
class Reader {
 public:
  explicit Reader(const TreeNodeSource& source) : source_(source) {}

  absl::StatusOr<uint64_t> Oldest() const {
    ASSIGN_OR_RETURN(std::optional<std::string> v,
                     source_.Get(keys::TreeOldestKey()));
    if (!v.has_value()) return 0;
    if (v->size() != 8) {
      return absl::DataLossError("state tree: malformed oldest-version record");
    }
    return DecodeBigEndian64(*v);
  }

  // The raw root record of `version` (>= 1), with the errors of a missing
  // version.
  absl::StatusOr<std::string> RootRecord(uint64_t version) const {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     source_.Get(keys::TreeNodeKey(version, EmptyHash(), 0)));
    if (bytes.has_value()) return *std::move(bytes);
    ASSIGN_OR_RETURN(uint64_t oldest, Oldest());
    if (version < oldest) return Pruned(version, oldest);
    return absl::NotFoundError(
        absl::StrCat("state tree has no version ", version));
  }

  // The root of `version` as a parent would record it, and the parsed node
  // (tag kEmptyTag for the empty tree).
  absl::StatusOr<std::pair<Child, Node>> Root(uint64_t version) const {
    if (version == 0) {
      ASSIGN_OR_RETURN(uint64_t oldest, Oldest());
      if (oldest > 0) return Pruned(0, oldest);
      return std::make_pair(Child{}, Node{});
    }
    // The oldest version first: a cached node of a pruned version must not
    // be read.
    ASSIGN_OR_RETURN(uint64_t oldest, Oldest());
    if (version < oldest) return Pruned(version, oldest);
    ASSIGN_OR_RETURN(std::string bytes, RootRecord(version));
    std::string key = keys::TreeNodeKey(version, EmptyHash(), 0);
    ASSIGN_OR_RETURN(Node node, DecodeNode(key, bytes, EmptyHash(), 0));
    Child c;
    c.version = version;
    if (node.tag == kLeafTag) {
      c.kind = Kind::kLeaf;
      c.hash = StateLeafHash(node.key, node.value_hash);
    } else if (node.tag == kInternalTag) {
      c.kind = Kind::kInternal;
      c.hash = StateInternalHash(node.left.hash, node.right.hash);
    } else {
      c = Child{};
    }
    return std::make_pair(std::move(c), std::move(node));
  }

  // The node a parent records as `child`, at the first `depth` bits of
  // `path`. REQUIRES: child.kind != kEmpty.
  absl::StatusOr<Node> Read(const Child& child, std::string_view path,
                            size_t depth) const {
    std::string key = keys::TreeNodeKey(child.version, path, depth);
    ASSIGN_OR_RETURN(std::optional<std::string> bytes, source_.Get(key));
    if (!bytes.has_value()) return Corrupt(key, "missing");
    ASSIGN_OR_RETURN(Node node, DecodeNode(key, *bytes, path, depth));
    std::string hash;
    if (child.kind == Kind::kLeaf) {
      if (node.tag != kLeafTag)
        return Corrupt(key, "not the leaf its parent says");
      if (Sha256(node.value) != node.value_hash) {
        return Corrupt(key, "the leaf's value does not match its value hash");
      }
      hash = StateLeafHash(node.key, node.value_hash);
    } else {
      if (node.tag != kInternalTag) {
        return Corrupt(key, "not the internal node its parent says");
      }
      hash = StateInternalHash(node.left.hash, node.right.hash);
    }
    if (hash != child.hash) {
      return Corrupt(key, "its hash is not the one its parent records");
    }
    return node;
  }

  static absl::Status Pruned(uint64_t version, uint64_t oldest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "state tree version ", version,
        " was pruned (the oldest retained version is ", oldest, ")"));
  }

 private:
  const TreeNodeSource& source_;
};

// One change, in key order. In a fresh subtree (see Task) every change is a
// put.
struct Change {
  const std::string* key;
  const std::optional<std::string>* value;
};

// A rebuilt subtree. A leaf whose position is still open (its parent may
// collapse and lift it) is "unplaced": not yet written, carrying its data.
struct Subtree {
  Child child;
  bool unplaced = false;
  std::string key, value_hash, value;
};

// `c` as it was: an unchanged subtree.
Subtree Keep(const Child& c) {
  Subtree s;
  s.child = c;
  return s;
}

// The first change in [b, e) whose bit `depth` is 1.
size_t Split(const std::vector<Change>& ch, size_t b, size_t e, size_t depth) {
  auto it = std::partition_point(
      ch.begin() + b, ch.begin() + e,
      [depth](const Change& c) { return KeyBit(*c.key, depth) == 0; });
  return it - ch.begin();
}

// One subtree being rebuilt: the subtree `cur` at the first `depth` bits of
// `path`, after the changes (*ch)[b, e), which all lie under that path. A
// fresh task builds its subtree from puts alone (it replaces nothing).
struct Task {
  enum class Stage { kEnter, kAfterLeft, kAfterRight };
  Child cur;
  std::string path;
  size_t depth = 0;
  const std::vector<Change>* ch = nullptr;
  size_t b = 0, e = 0, m = 0;  // left half [b, m), right half [m, e)
  bool fresh = false;
  Stage stage = Stage::kEnter;
  Node node;     // cur's node, when it is internal
  Subtree left;  // the rebuilt left half, after kAfterLeft
};

// Builds one version: collects the nodes it writes and those it replaces.
// Iterative: a stack of at most 257 tasks (one per level) replaces the
// recursion over the changed paths.
class Updater {
 public:
  Updater(const Reader& reader, uint64_t version)
      : reader_(reader), version_(version) {}

  std::vector<std::pair<std::string, std::string>> writes;
  std::vector<std::string> stale;  // node keys

  // The tree `root` (at the empty path) after the changes `ch`.
  absl::StatusOr<Subtree> Run(const Child& root,
                              const std::vector<Change>& ch) {
    std::vector<Task> stack;
    stack.reserve(kMaxStateTreeDepth + 2);  // never moves a task
    Task t;
    t.cur = root;
    t.path = EmptyHash();
    t.ch = &ch;
    t.e = ch.size();
    stack.push_back(std::move(t));
    Subtree result;  // of the task last popped
    while (!stack.empty()) {
      if (stack.size() > kMaxStateTreeDepth + 1) {
        return absl::InternalError("state tree: path deeper than 256 bits");
      }
      Task& top = stack.back();
      switch (top.stage) {
        case Task::Stage::kEnter: {
          ASSIGN_OR_RETURN(std::optional<Subtree> done, Enter(top));
          if (done.has_value()) {
            result = *std::move(done);
            stack.pop_back();
          } else {
            top.stage = Task::Stage::kAfterLeft;
            Task child = ChildTask(top, 0);
            stack.push_back(std::move(child));
          }
          break;
        }
        case Task::Stage::kAfterLeft: {
          top.left = std::move(result);
          top.stage = Task::Stage::kAfterRight;
          Task child = ChildTask(top, 1);
          stack.push_back(std::move(child));
          break;
        }
        case Task::Stage::kAfterRight: {
          Subtree right = std::move(result);
          if (!top.fresh && !top.left.unplaced && !right.unplaced &&
              top.left.child == top.node.left &&
              right.child == top.node.right) {
            result = Keep(top.cur);
          } else {
            if (!top.fresh) MarkStale(top.cur, top.path, top.depth);
            ASSIGN_OR_RETURN(result,
                             Join(top.path, top.depth, std::move(top.left),
                                  std::move(right)));
          }
          stack.pop_back();
          break;
        }
      }
    }
    return result;
  }

  // Writes the root of the version: `result` at depth 0.
  void PlaceRoot(Subtree& result) {
    if (result.child.kind == Kind::kEmpty) {
      writes.emplace_back(keys::TreeNodeKey(version_, EmptyHash(), 0),
                          std::string(1, kEmptyTag));
      return;
    }
    Place(result, EmptyHash(), 0);
  }

  void MarkStale(const Child& c, std::string_view path, size_t depth) {
    stale.push_back(keys::TreeNodeKey(c.version, path, depth));
  }

 private:
  // Starts task `t`: its result if it needs no halves, else nullopt with
  // t.m set (and t made fresh if what it replaces is empty or a leaf).
  absl::StatusOr<std::optional<Subtree>> Enter(Task& t) {
    if (t.b == t.e) return Keep(t.cur);
    if (!t.fresh) {
      switch (t.cur.kind) {
        case Kind::kEmpty:
          MakeFresh(t, nullptr);
          break;
        case Kind::kLeaf: {
          const Child old = t.cur;
          ASSIGN_OR_RETURN(Node leaf, reader_.Read(old, t.path, t.depth));
          if (!MakeFresh(t, &leaf)) return Keep(old);
          MarkStale(old, t.path, t.depth);
          break;
        }
        case Kind::kInternal: {
          ASSIGN_OR_RETURN(t.node, reader_.Read(t.cur, t.path, t.depth));
          t.m = Split(*t.ch, t.b, t.e, t.depth);
          return std::nullopt;
        }
      }
    }
    const std::vector<Change>& ch = *t.ch;
    if (t.e - t.b == 0) return Subtree{};
    if (t.e - t.b == 1) {
      const Change& c = ch[t.b];
      Subtree s;
      s.unplaced = true;
      s.key = *c.key;
      s.value = **c.value;
      s.value_hash = Sha256(s.value);
      s.child.kind = Kind::kLeaf;
      s.child.hash = StateLeafHash(s.key, s.value_hash);
      return s;
    }
    if (t.depth >= kMaxStateTreeDepth) {
      return absl::InternalError("state tree: two entries with one key");
    }
    t.m = Split(ch, t.b, t.e, t.depth);
    return std::nullopt;
  }

  // Makes `t` fresh: its changes become the puts among them, merged with
  // `leaf` (the leaf `t` replaces, if any) unless a change deletes or
  // rewrites it. Returns false if that changes nothing (the puts are the
  // leaf itself).
  bool MakeFresh(Task& t, Node* leaf) {
    std::vector<Change>& puts = lists_.emplace_back();
    bool changed = false, leaf_done = (leaf == nullptr);
    auto put_leaf = [&] {
      const std::string* key = &strings_.emplace_back(std::move(leaf->key));
      const std::optional<std::string>* value =
          &values_.emplace_back(std::move(leaf->value));
      puts.push_back({key, value});
      leaf_done = true;
    };
    for (size_t i = t.b; i < t.e; ++i) {
      const Change& c = (*t.ch)[i];
      if (!leaf_done && leaf->key < *c.key) put_leaf();
      if (!leaf_done && leaf->key == *c.key) {
        leaf_done = true;
        if (!c.value->has_value() || **c.value != leaf->value) changed = true;
      } else if (c.value->has_value()) {
        changed = true;
      }
      if (c.value->has_value()) puts.push_back(c);
    }
    if (!leaf_done) put_leaf();
    t.fresh = true;
    t.cur = Child{};
    t.ch = &puts;
    t.b = 0;
    t.e = puts.size();
    return changed || leaf == nullptr;
  }

  // The task of half `bit` of `t`.
  static Task ChildTask(const Task& t, int bit) {
    Task c;
    c.path = ChildPath(t.path, t.depth, bit);
    c.depth = t.depth + 1;
    c.ch = t.ch;
    c.b = bit ? t.m : t.b;
    c.e = bit ? t.e : t.m;
    c.fresh = t.fresh;
    if (!t.fresh) c.cur = bit ? t.node.right : t.node.left;
    return c;
  }

  // The subtree at `path`/`depth` whose halves are `left` and `right`:
  // nothing, a lifted leaf, or a new internal node.
  absl::StatusOr<Subtree> Join(const std::string& path, size_t depth,
                               Subtree left, Subtree right) {
    const Kind lk = left.child.kind, rk = right.child.kind;
    if (lk == Kind::kEmpty && rk == Kind::kEmpty) return Subtree{};
    if (lk == Kind::kEmpty && rk == Kind::kLeaf) {
      return Lift(std::move(right), ChildPath(path, depth, 1), depth + 1);
    }
    if (rk == Kind::kEmpty && lk == Kind::kLeaf) {
      return Lift(std::move(left), ChildPath(path, depth, 0), depth + 1);
    }
    Place(left, ChildPath(path, depth, 0), depth + 1);
    Place(right, ChildPath(path, depth, 1), depth + 1);
    writes.emplace_back(keys::TreeNodeKey(version_, path, depth),
                        EncodeInternal(left.child, right.child));
    Subtree s;
    s.child.kind = Kind::kInternal;
    s.child.version = version_;
    s.child.hash = StateInternalHash(left.child.hash, right.child.hash);
    return s;
  }

  // A leaf that moves up from `path`/`depth`: unplaced, with its data.
  absl::StatusOr<Subtree> Lift(Subtree leaf, std::string_view path,
                               size_t depth) {
    if (leaf.unplaced) return leaf;
    ASSIGN_OR_RETURN(Node node, reader_.Read(leaf.child, path, depth));
    MarkStale(leaf.child, path, depth);
    leaf.unplaced = true;
    leaf.key = std::move(node.key);
    leaf.value_hash = std::move(node.value_hash);
    leaf.value = std::move(node.value);
    return leaf;
  }

  // Writes an unplaced leaf at `path`/`depth`.
  void Place(Subtree& s, std::string_view path, size_t depth) {
    if (!s.unplaced) return;
    writes.emplace_back(keys::TreeNodeKey(version_, path, depth),
                        EncodeLeaf(s.key, s.value_hash, s.value));
    s.child.version = version_;
    s.unplaced = false;
  }

  const Reader& reader_;
  const uint64_t version_;
  // Change lists of fresh tasks, and the replaced leaves' data they point
  // to (deques: stable addresses).
  std::deque<std::vector<Change>> lists_;
  std::deque<std::string> strings_;
  std::deque<std::optional<std::string>> values_;
};

class LevelDbSource : public TreeNodeSource {
 public:
  explicit LevelDbSource(leveldb::DB* db) : db_(db) {}

  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override {
    std::string value;
    leveldb::Status s = db_->Get(
        leveldb::ReadOptions(), leveldb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) {
      if (s.IsCorruption()) {
        return absl::DataLossError("state tree: read: " + s.ToString());
      }
      return absl::UnavailableError("state tree: read: " + s.ToString());
    }
    return value;
  }

  absl::Status Scan(
      std::string_view start, std::string_view limit,
      const std::function<bool(std::string_view, std::string_view)>& fn)
      const override {
    std::unique_ptr<leveldb::Iterator> it(
        db_->NewIterator(leveldb::ReadOptions()));
    for (it->Seek(leveldb::Slice(start.data(), start.size())); it->Valid();
         it->Next()) {
      std::string_view k(it->key().data(), it->key().size());
      if (k >= limit) break;
      if (!fn(k, std::string_view(it->value().data(), it->value().size()))) {
        break;
      }
    }
    if (!it->status().ok()) {
      return absl::UnavailableError("state tree: scan: " +
                                    it->status().ToString());
    }
    return absl::OkStatus();
  }

 private:
  leveldb::DB* db_;
};

class LruTreeNodeCache : public TreeNodeCache {
 public:
  LruTreeNodeCache(const TreeNodeSource* base, size_t capacity)
      : base_(base), cache_(leveldb::NewLRUCache(capacity)) {}

  void Admit(
      const std::vector<std::pair<std::string, std::string>>& nodes) override {
    for (const auto& [key, value] : nodes) Insert(key, value);
  }

  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override {
    const bool node =
        !key.empty() && key[0] == static_cast<char>(keys::Table::kTreeNode);
    if (!node) return base_->Get(key);
    const leveldb::Slice k(key.data(), key.size());
    if (leveldb::Cache::Handle* h = cache_->Lookup(k)) {
      std::string value = *static_cast<const std::string*>(cache_->Value(h));
      cache_->Release(h);
      return value;
    }
    ASSIGN_OR_RETURN(std::optional<std::string> value, base_->Get(key));
    if (value.has_value()) Insert(key, *value);  // absent: may come later
    return value;
  }

  absl::Status Scan(
      std::string_view start, std::string_view limit,
      const std::function<bool(std::string_view, std::string_view)>& fn)
      const override {
    return base_->Scan(start, limit, fn);
  }

 private:
  void Insert(std::string_view key, const std::string& value) const {
    auto* copy = new std::string(value);
    cache_->Release(cache_->Insert(leveldb::Slice(key.data(), key.size()), copy,
                                   key.size() + copy->size(),
                                   [](const leveldb::Slice&, void* v) {
                                     delete static_cast<std::string*>(v);
                                   }));
  }

  const TreeNodeSource* base_;
  std::unique_ptr<leveldb::Cache> cache_;
};

}  // namespace

std::unique_ptr<TreeNodeCache> NewTreeNodeCache(const TreeNodeSource* base,
                                                size_t capacity_bytes) {
  return std::make_unique<LruTreeNodeCache>(base, capacity_bytes);
}

std::string StateTreeKey(keys::Table ns, std::string_view raw_key) {
  Sha256Hasher h;
  const char prefix = static_cast<char>(ns);
  h.Update(std::string_view(&prefix, 1));
  h.Update(raw_key);
  return h.Finish();
}

StateTreeChanges StateTreeChangesOf(
    const std::map<std::string, std::optional<std::string>>& store_writes) {
  StateTreeChanges out;
  for (const auto& [key, value] : store_writes) out.emplace(Sha256(key), value);
  return out;
}

std::unique_ptr<TreeNodeSource> NewLevelDbTreeNodeSource(leveldb::DB* db) {
  return std::make_unique<LevelDbSource>(db);
}

absl::StatusOr<StateTreeUpdate> StateTree::Update(
    uint64_t version, const StateTreeChanges& changes,
    leveldb::WriteBatch* batch) const {
  if (version == 0) {
    return absl::InvalidArgumentError(
        "state tree: version 0 is the empty tree; updates start at 1");
  }
  std::vector<Change> ch;
  ch.reserve(changes.size());
  for (const auto& [key, value] : changes) {
    RETURN_IF_ERROR(CheckKey(key));
    ch.push_back({&key, &value});
  }
  Reader reader(*source_);
  ASSIGN_OR_RETURN(std::optional<std::string> existing,
                   source_->Get(keys::TreeNodeKey(version, EmptyHash(), 0)));
  if (existing.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("state tree version ", version, " already exists"));
  }
  auto base = reader.Root(version - 1);
  if (!base.ok()) {
    return Annotate(base.status(),
                    absl::StrCat("state tree: update to version ", version));
  }
  const Child& root = base->first;

  Updater up(reader, version);
  ASSIGN_OR_RETURN(Subtree result, up.Run(root, ch));
  const bool unchanged = !result.unplaced && result.child == root;
  if (version > 1 && (unchanged || root.kind == Kind::kEmpty)) {
    // The previous root record is replaced by this version's (a leaf or
    // internal root that changed was marked by Run).
    up.MarkStale(Child{Kind::kEmpty, version - 1, EmptyHash()}, EmptyHash(), 0);
  }
  if (unchanged && root.kind != Kind::kEmpty) {
    ASSIGN_OR_RETURN(std::string bytes, reader.RootRecord(version - 1));
    up.writes.emplace_back(keys::TreeNodeKey(version, EmptyHash(), 0),
                           std::move(bytes));
  } else {
    up.PlaceRoot(result);
  }

  for (const auto& [key, value] : up.writes) batch->Put(key, value);
  if (!up.stale.empty()) {
    batch->Put(keys::TreeStaleKey(version), EncodeStaleList(up.stale));
  }
  StateTreeUpdate out;
  out.root = result.child.hash;
  out.nodes_written = up.writes.size();
  out.nodes_stale = up.stale.size();
  out.nodes = std::move(up.writes);
  return out;
}

absl::StatusOr<std::string> StateTree::RootHash(uint64_t version) const {
  Reader reader(*source_);
  ASSIGN_OR_RETURN(auto root, reader.Root(version));
  return root.first.hash;
}

absl::StatusOr<StateTreeRead> StateTree::Get(uint64_t version,
                                             std::string_view key) const {
  RETURN_IF_ERROR(CheckKey(key));
  Reader reader(*source_);
  ASSIGN_OR_RETURN(auto root, reader.Root(version));
  Node node = std::move(root.second);
  StateTreeRead out;
  for (size_t depth = 0;; ++depth) {
    if (node.tag == kEmptyTag) break;
    if (node.tag == kLeafTag) {
      if (node.key == key) out.value = std::move(node.value);
      out.proof.leaf =
          StateProof::Leaf{std::move(node.key), std::move(node.value_hash)};
      break;
    }
    if (depth >= kMaxStateTreeDepth) {
      return absl::DataLossError("state tree: path deeper than 256 bits");
    }
    const int bit = KeyBit(key, depth);
    const Child& next = bit ? node.right : node.left;
    out.proof.siblings.push_back(bit ? node.left.hash : node.right.hash);
    if (next.kind == Kind::kEmpty) break;
    ASSIGN_OR_RETURN(node, reader.Read(next, key, depth + 1));
  }
  return out;
}

absl::StatusOr<std::vector<StateTreeRead>> StateTree::GetMany(
    uint64_t version, const std::vector<std::string>& keys) const {
  std::vector<StateTreeRead> out;
  out.reserve(keys.size());
  for (const std::string& key : keys) {
    ASSIGN_OR_RETURN(StateTreeRead r, Get(version, key));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<uint64_t> StateTree::OldestVersion() const {
  return Reader(*source_).Oldest();
}

absl::StatusOr<uint64_t> StateTree::Prune(uint64_t oldest_retained,
                                          leveldb::WriteBatch* batch) const {
  Reader reader(*source_);
  ASSIGN_OR_RETURN(uint64_t oldest, reader.Oldest());
  if (oldest_retained <= oldest) return 0;
  ASSIGN_OR_RETURN(
      std::optional<std::string> root,
      source_->Get(keys::TreeNodeKey(oldest_retained, EmptyHash(), 0)));
  if (!root.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("state tree: cannot prune up to version ", oldest_retained,
                     ": no such version"));
  }
  // Stale since s <= oldest_retained: used by versions < oldest_retained
  // only. Those stale since <= oldest are gone already (the scan skips their
  // deletion markers). oldest_retained + 1 cannot overflow: that version has
  // a root.
  uint64_t deleted = 0;
  absl::Status bad;
  RETURN_IF_ERROR(source_->Scan(
      keys::TreeStaleKey(oldest + 1), keys::TreeStaleKey(oldest_retained + 1),
      [&](std::string_view key, std::string_view list) {
        bad = ForEachStale(list, [&](std::string_view node) {
          batch->Delete(leveldb::Slice(node.data(), node.size()));
          ++deleted;
        });
        if (!bad.ok()) {
          bad = Annotate(
              bad, absl::StrCat("state tree: stale-index record ", ToHex(key)));
          return false;
        }
        batch->Delete(leveldb::Slice(key.data(), key.size()));
        return true;
      }));
  RETURN_IF_ERROR(bad);
  batch->Put(keys::TreeOldestKey(), EncodeBigEndian64(oldest_retained));
  return deleted;
}

StateTreeDatabase::StateTreeDatabase(
    std::unique_ptr<const leveldb::FilterPolicy> filter,
    std::unique_ptr<leveldb::Cache> block_cache, leveldb::DB* db, bool sync,
    size_t cache_bytes)
    : filter_(std::move(filter)),
      block_cache_(std::move(block_cache)),
      db_(db),
      db_source_(NewLevelDbTreeNodeSource(db)),
      cache_(cache_bytes > 0 ? NewTreeNodeCache(db_source_.get(), cache_bytes)
                             : nullptr),
      tree_(cache_ ? static_cast<const TreeNodeSource*>(cache_.get())
                   : db_source_.get()),
      sync_(sync) {}

StateTreeDatabase::~StateTreeDatabase() = default;

absl::StatusOr<std::unique_ptr<StateTreeDatabase>> StateTreeDatabase::Open(
    const std::string& dir, bool sync, size_t cache_bytes,
    size_t block_cache_bytes) {
  std::unique_ptr<const leveldb::FilterPolicy> filter(
      leveldb::NewBloomFilterPolicy(10));
  std::unique_ptr<leveldb::Cache> block_cache(
      leveldb::NewLRUCache(block_cache_bytes));
  leveldb::Options options;
  options.create_if_missing = true;
  options.filter_policy = filter.get();
  options.block_cache = block_cache.get();
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &db);
  if (!s.ok()) {
    return absl::UnavailableError("state tree database: open " + dir + ": " +
                                  s.ToString());
  }
  return std::unique_ptr<StateTreeDatabase>(new StateTreeDatabase(
      std::move(filter), std::move(block_cache), db, sync, cache_bytes));
}

absl::StatusOr<StateTreeUpdate> StateTreeDatabase::StageUpdate(
    uint64_t version, const StateTreeChanges& changes,
    std::optional<uint64_t> oldest_retained, leveldb::WriteBatch* batch) {
  ASSIGN_OR_RETURN(StateTreeUpdate u, tree_.Update(version, changes, batch));
  if (oldest_retained.has_value()) {
    RETURN_IF_ERROR(tree_.Prune(*oldest_retained, batch).status());
  }
  return u;
}

absl::Status StateTreeDatabase::Write(
    leveldb::WriteBatch* batch,
    const std::vector<std::pair<std::string, std::string>>& nodes) {
  leveldb::WriteOptions options;
  options.sync = sync_;
  leveldb::Status s = db_->Write(options, batch);
  if (!s.ok()) {
    return absl::UnavailableError("state tree database: write: " +
                                  s.ToString());
  }
  if (cache_ != nullptr) cache_->Admit(nodes);
  return absl::OkStatus();
}

absl::StatusOr<StateTreeUpdate> StateTreeDatabase::Update(
    uint64_t version, const StateTreeChanges& changes,
    std::optional<uint64_t> oldest_retained) {
  leveldb::WriteBatch batch;
  ASSIGN_OR_RETURN(StateTreeUpdate u,
                   StageUpdate(version, changes, oldest_retained, &batch));
  RETURN_IF_ERROR(Write(&batch, u.nodes));
  return u;
}

absl::StatusOr<StateTreeUpdate> StateTreeDatabase::WriteState(
    uint64_t version, const StateTreeChanges& changes, bool with_tree,
    std::optional<uint64_t> oldest_retained) {
  leveldb::WriteBatch batch;
  for (const auto& [key, value] : changes) {
    if (key.size() != 32) {
      return absl::InvalidArgumentError(
          "state tree database: a key is not 32 bytes");
    }
    const std::string record =
        keys::StorageKey(key.substr(0, 20), key.substr(20));
    if (value.has_value()) {
      batch.Put(record, *value);
    } else {
      batch.Delete(record);
    }
  }
  StateTreeUpdate u;
  if (with_tree) {
    ASSIGN_OR_RETURN(u, StageUpdate(version, changes, oldest_retained, &batch));
  }
  RETURN_IF_ERROR(Write(&batch, u.nodes));
  return u;
}

absl::StatusOr<uint64_t> StateTreeDatabase::Prune(uint64_t oldest_retained) {
  leveldb::WriteBatch batch;
  ASSIGN_OR_RETURN(uint64_t deleted, tree_.Prune(oldest_retained, &batch));
  RETURN_IF_ERROR(Write(&batch));
  return deleted;
}

void StateTreeDatabase::CompactAll() { db_->CompactRange(nullptr, nullptr); }

}  // namespace ballast::ledger
