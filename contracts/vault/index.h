// The vault engine's ordered index: per collateral type, the positions with
// debt in order of collateralization, least collateralized first, kept in
// contract storage as an AVL tree with subtree sizes (an order-statistics
// tree). Contracts cannot iterate storage, so this is how the engine finds
// "the first k unsafe positions" or "the first safe one" in O(log n).
//
// Within one type every position shares price and rate, so the order is
// that of coll/art, compared exactly (coll_a * art_b vs coll_b * art_a in
// 256 bits), ties broken by id. Only a position's own change moves it:
// the engine erases the old key and inserts the new one. Positions with
// art = 0 are not indexed.
//
// Storage goes through an adapter (see OrderedIndex), so this header calls
// no host function and compiles natively for tests and with em++ for the
// contract: no exceptions, no RTTI, no floating point, no recursion. Every
// walk is iterative with a fixed path stack of kMaxIndexHeight entries;
// an AVL tree of n < 2^64 nodes is at most 1.44 * log2(n + 2) < 93 high, so
// a deeper walk means corrupt storage and calls Storage::Corrupt.
//
// Cost: each node caches the heights and sizes of its two children, so a
// call reads the root id and one root-to-leaf path (an erase also the path
// to the successor and the siblings a rotation moves; an insert first
// reads the new id to refuse a present one) and never a sibling per level.
// An update writes each changed node once: every node on its path, since
// their sizes change, plus the new node. Measured (IndexTest.
// StorageOperationsPerCall, random keys), reads / writes per call:
//   n = 1000:   Insert 12.8 / 11.8, Erase 12.1 / 10.1 + 1 remove,
//               CountPrefix 11.1 / 0   (height 12)
//   n = 100000: Insert 19.0 / 18.0, Erase 18.2 / 16.2 + 1 remove,
//               CountPrefix 18.0 / 0   (height 20)
// Walk of k keys reads about one path plus k nodes (k = 100: 106 at
// n = 1000, 118 at n = 100000).
// Insert and Erase keep the path on the stack: kMaxIndexHeight nodes of
// 112 bytes in wasm32, about 11 KiB of the contract's 64 KiB stack.
//
// Not thread-safe. An OrderedIndex holds the storage pointer (not owned)
// and, during an update only, the few changed nodes not yet written.

#ifndef BALLAST_CONTRACTS_VAULT_INDEX_H_
#define BALLAST_CONTRACTS_VAULT_INDEX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/uint.h"

namespace ballast::vault {

// A position's place in the order: collateral (base units), normalized
// debt art (> 0 in the index) and the position id (>= 1, unique).
struct IndexKey {
  uint64_t coll = 0;
  u128 art = 0;
  uint64_t id = 0;

  friend bool operator==(const IndexKey&, const IndexKey&) = default;
};

// coll/art ascending, exactly (a * b products in 256 bits), then id.
inline bool KeyLess(const IndexKey& a, const IndexKey& b) {
  U256 lhs = Mul(static_cast<u128>(a.coll), b.art);
  U256 rhs = Mul(static_cast<u128>(b.coll), a.art);
  if (lhs != rhs) return lhs < rhs;
  return a.id < b.id;
}

// One tree node, stored under its key's id. left/right are child ids (0 =
// none). height and size are this subtree's; left_/right_ height and size
// cache the children's (0 for none), so that a walk never loads a sibling.
// Always height = 1 + max(left_height, right_height) and
// size = 1 + left_size + right_size.
struct IndexNode {
  IndexKey key;
  uint64_t left = 0, right = 0;
  uint32_t height = 1;
  uint64_t size = 1;
  uint32_t left_height = 0, right_height = 0;
  uint64_t left_size = 0, right_size = 0;
};

// Deeper than this cannot happen for n < 2^64 (AVL: h < 1.4405 *
// log2(n + 2) - 0.3277 < 93).
inline constexpr int kMaxIndexHeight = 96;

// Node bytes: 66, big-endian fixed width, in order: coll u64, art u128,
// id u64, left u64, right u64, left_height u8, right_height u8, left_size
// u64, right_size u64. height and size are derived on decode.
inline constexpr size_t kIndexNodeBytes = 66;
std::string EncodeIndexNode(const IndexNode& node);
// False unless `bytes` has the layout above: the right length, child
// heights <= kMaxIndexHeight, a child's height and size zero exactly when it
// is absent, and a size that fits 64 bits.
bool DecodeIndexNode(std::string_view bytes, IndexNode* node);

// The tree over a storage adapter. Storage is any type with:
//   bool LoadNode(uint64_t id, IndexNode* node);   // false if absent
//   void StoreNode(uint64_t id, const IndexNode& node);
//   void RemoveNode(uint64_t id);
//   uint64_t LoadRoot();  void StoreRoot(uint64_t id);   // 0 = empty
//   [[noreturn]] void Corrupt(const char* what);
// Corrupt is called for a node missing or inconsistent where the tree says
// it exists, a walk deeper than kMaxIndexHeight, and a caller breaking a
// precondition below (the engine's bug, which must stop the call just the
// same). In a contract it aborts; in tests it throws.
template <class Storage>
class OrderedIndex {
 public:
  explicit OrderedIndex(Storage* s) : s_(s) {}

  // REQUIRES: key.art > 0 and no key with key.id is present.
  void Insert(const IndexKey& key);
  // REQUIRES: `key` is present exactly as inserted (coll, art and id).
  void Erase(const IndexKey& key);
  uint64_t Size();

  // Pred is monotone over the order: true for a (possibly empty) prefix,
  // false after; e.g. "coll/art below a threshold".
  // How many keys satisfy pred.
  template <class Pred>
  uint64_t CountPrefix(Pred pred);
  // The first key for which pred is false.
  template <class Pred>
  std::optional<IndexKey> FirstNotIn(Pred pred);
  // The first key after `key` in the order; `key` need not be present.
  std::optional<IndexKey> Next(const IndexKey& key);
  // The key of 0-based rank `rank`; nullopt if rank >= Size().
  std::optional<IndexKey> At(uint64_t rank);
  // Calls fn(key) for the keys of rank first, first + 1, ... in order,
  // at most `limit` of them, stopping early when fn returns false; returns
  // how many keys fn was given. Reads one path and then each listed node
  // once (for queries: "the first k unsafe positions").
  template <class Fn>
  uint64_t Walk(uint64_t first, uint64_t limit, Fn fn);

  // For tests: walks the whole tree and checks order, ids, art > 0, AVL
  // balance, heights, sizes and the cached child fields. "" if all hold,
  // else what is wrong. Never calls Corrupt.
  std::string Check();

 private:
  // Nodes changed by the update in progress but not yet written: the
  // current subtree root and its children, which a rotation one level up
  // may change again (so each node is written once per update).
  static constexpr int kPending = 8;
  struct Pending {
    uint64_t id;
    IndexNode node;
  };

  [[noreturn]] void Fail(const char* what) {
    s_->Corrupt(what);
    __builtin_trap();
  }
  IndexNode Load(uint64_t id);
  IndexNode Get(uint64_t id);    // pending first, else storage
  void Put(const IndexNode& n);  // into pending
  void FlushExcept(const IndexNode& root);
  void FlushAll();
  static void Recompute(IndexNode* n);
  static void SetChild(IndexNode* parent, bool right, uint64_t id,
                       uint32_t height, uint64_t size);
  IndexNode RotateLeft(IndexNode x, IndexNode y);
  IndexNode RotateRight(IndexNode x, IndexNode y);
  IndexNode Rebalance(IndexNode x);
  // Walks up path[0..depth) (path[i] went to side dir[i]) with `child` the
  // new subtree (id 0 = empty) below path[depth - 1], rebalancing, and
  // writes every changed node and the root.
  void Retrace(IndexNode* path, const bool* dir, int depth, uint64_t child_id,
               uint32_t child_height, uint64_t child_size, uint64_t old_root);

  Storage* s_;
  Pending pending_[kPending];
  int npending_ = 0;
};

// ---- Definitions --------------------------------------------------------

namespace index_internal {
inline void PutBE(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<char>(static_cast<uint8_t>(v >> (8 * i))));
  }
}
inline uint64_t GetBE(std::string_view in, size_t* pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = (v << 8) | static_cast<uint8_t>(in[(*pos)++]);
  }
  return v;
}
}  // namespace index_internal

inline std::string EncodeIndexNode(const IndexNode& node) {
  using index_internal::PutBE;
  std::string out;
  out.reserve(kIndexNodeBytes);
  PutBE(&out, node.key.coll, 8);
  PutBE(&out, static_cast<uint64_t>(node.key.art >> 64), 8);
  PutBE(&out, static_cast<uint64_t>(node.key.art), 8);
  PutBE(&out, node.key.id, 8);
  PutBE(&out, node.left, 8);
  PutBE(&out, node.right, 8);
  PutBE(&out, node.left_height, 1);
  PutBE(&out, node.right_height, 1);
  PutBE(&out, node.left_size, 8);
  PutBE(&out, node.right_size, 8);
  return out;
}

inline bool DecodeIndexNode(std::string_view bytes, IndexNode* node) {
  using index_internal::GetBE;
  if (bytes.size() != kIndexNodeBytes) return false;
  IndexNode n;
  size_t pos = 0;
  n.key.coll = GetBE(bytes, &pos, 8);
  u128 art_hi = GetBE(bytes, &pos, 8);
  n.key.art = (art_hi << 64) | GetBE(bytes, &pos, 8);
  n.key.id = GetBE(bytes, &pos, 8);
  n.left = GetBE(bytes, &pos, 8);
  n.right = GetBE(bytes, &pos, 8);
  n.left_height = static_cast<uint32_t>(GetBE(bytes, &pos, 1));
  n.right_height = static_cast<uint32_t>(GetBE(bytes, &pos, 1));
  n.left_size = GetBE(bytes, &pos, 8);
  n.right_size = GetBE(bytes, &pos, 8);
  if (n.left_height > kMaxIndexHeight || n.right_height > kMaxIndexHeight) {
    return false;
  }
  if ((n.left == 0) != (n.left_height == 0) ||
      (n.left == 0) != (n.left_size == 0) ||
      (n.right == 0) != (n.right_height == 0) ||
      (n.right == 0) != (n.right_size == 0)) {
    return false;
  }
  if (n.left_size >= ~uint64_t{0} - n.right_size) return false;
  n.height =
      1 + (n.left_height > n.right_height ? n.left_height : n.right_height);
  n.size = 1 + n.left_size + n.right_size;
  *node = n;
  return true;
}

template <class Storage>
IndexNode OrderedIndex<Storage>::Load(uint64_t id) {
  IndexNode n;
  if (!s_->LoadNode(id, &n)) Fail("index: node missing");
  if (n.key.id != id) Fail("index: node stored under another id");
  return n;
}

template <class Storage>
IndexNode OrderedIndex<Storage>::Get(uint64_t id) {
  for (int i = 0; i < npending_; ++i) {
    if (pending_[i].id == id) return pending_[i].node;
  }
  return Load(id);
}

template <class Storage>
void OrderedIndex<Storage>::Put(const IndexNode& n) {
  for (int i = 0; i < npending_; ++i) {
    if (pending_[i].id == n.key.id) {
      pending_[i].node = n;
      return;
    }
  }
  if (npending_ == kPending) Fail("index: too many pending nodes");
  pending_[npending_++] = Pending{n.key.id, n};
}

template <class Storage>
void OrderedIndex<Storage>::FlushExcept(const IndexNode& root) {
  int kept = 0;
  for (int i = 0; i < npending_; ++i) {
    uint64_t id = pending_[i].id;
    if (id == root.key.id || id == root.left || id == root.right) {
      pending_[kept++] = pending_[i];
    } else {
      s_->StoreNode(id, pending_[i].node);
    }
  }
  npending_ = kept;
}

template <class Storage>
void OrderedIndex<Storage>::FlushAll() {
  for (int i = 0; i < npending_; ++i) {
    s_->StoreNode(pending_[i].id, pending_[i].node);
  }
  npending_ = 0;
}

template <class Storage>
void OrderedIndex<Storage>::Recompute(IndexNode* n) {
  n->height =
      1 + (n->left_height > n->right_height ? n->left_height : n->right_height);
  n->size = 1 + n->left_size + n->right_size;
}

template <class Storage>
void OrderedIndex<Storage>::SetChild(IndexNode* parent, bool right, uint64_t id,
                                     uint32_t height, uint64_t size) {
  if (right) {
    parent->right = id;
    parent->right_height = height;
    parent->right_size = size;
  } else {
    parent->left = id;
    parent->left_height = height;
    parent->left_size = size;
  }
  Recompute(parent);
}

// x's right child y becomes the subtree root; y's left subtree moves under
// x. Returns y; both are put into pending.
template <class Storage>
IndexNode OrderedIndex<Storage>::RotateLeft(IndexNode x, IndexNode y) {
  SetChild(&x, true, y.left, y.left_height, y.left_size);
  SetChild(&y, false, x.key.id, x.height, x.size);
  Put(x);
  Put(y);
  return y;
}

template <class Storage>
IndexNode OrderedIndex<Storage>::RotateRight(IndexNode x, IndexNode y) {
  SetChild(&x, false, y.right, y.right_height, y.right_size);
  SetChild(&y, true, x.key.id, x.height, x.size);
  Put(x);
  Put(y);
  return y;
}

// x's children are AVL trees whose heights differ by at most 2. Returns
// the balanced subtree's root (x itself if no rotation was needed), put
// into pending like every node it changed.
template <class Storage>
IndexNode OrderedIndex<Storage>::Rebalance(IndexNode x) {
  int64_t balance = static_cast<int64_t>(x.left_height) - x.right_height;
  if (balance > 1) {
    IndexNode y = Get(x.left);
    if (y.left_height < y.right_height) {  // left-right
      y = RotateLeft(y, Get(y.right));
      SetChild(&x, false, y.key.id, y.height, y.size);
    }
    return RotateRight(x, y);
  }
  if (balance < -1) {
    IndexNode y = Get(x.right);
    if (y.right_height < y.left_height) {  // right-left
      y = RotateRight(y, Get(y.left));
      SetChild(&x, true, y.key.id, y.height, y.size);
    }
    return RotateLeft(x, y);
  }
  Put(x);
  return x;
}

template <class Storage>
void OrderedIndex<Storage>::Retrace(IndexNode* path, const bool* dir, int depth,
                                    uint64_t child_id, uint32_t child_height,
                                    uint64_t child_size, uint64_t old_root) {
  for (int i = depth - 1; i >= 0; --i) {
    IndexNode x = path[i];
    SetChild(&x, dir[i], child_id, child_height, child_size);
    IndexNode root = Rebalance(x);
    FlushExcept(root);
    child_id = root.key.id;
    child_height = root.height;
    child_size = root.size;
  }
  FlushAll();
  if (child_id != old_root) s_->StoreRoot(child_id);
}

template <class Storage>
void OrderedIndex<Storage>::Insert(const IndexKey& key) {
  if (key.art == 0) Fail("index: insert of a position without debt");
  if (key.id == 0) Fail("index: insert of id 0");
  IndexNode probe;
  if (s_->LoadNode(key.id, &probe)) Fail("index: insert of a present id");
  IndexNode path[kMaxIndexHeight];
  bool dir[kMaxIndexHeight];
  int depth = 0;
  uint64_t root = s_->LoadRoot();
  for (uint64_t id = root; id != 0;) {
    if (depth == kMaxIndexHeight) Fail("index: tree too deep");
    path[depth] = Load(id);
    dir[depth] = KeyLess(path[depth].key, key);
    id = dir[depth] ? path[depth].right : path[depth].left;
    ++depth;
  }
  IndexNode leaf;
  leaf.key = key;
  npending_ = 0;
  Put(leaf);
  Retrace(path, dir, depth, leaf.key.id, leaf.height, leaf.size, root);
}

template <class Storage>
void OrderedIndex<Storage>::Erase(const IndexKey& key) {
  IndexNode path[kMaxIndexHeight];
  bool dir[kMaxIndexHeight];
  int depth = 0;
  uint64_t root = s_->LoadRoot();
  uint64_t id = root;
  IndexNode target;
  while (true) {
    if (id == 0) Fail("index: erase of an absent key");
    if (depth == kMaxIndexHeight) Fail("index: tree too deep");
    IndexNode n = Load(id);
    if (n.key.id == key.id) {
      if (!(n.key == key)) Fail("index: erase of a key other than stored");
      target = n;
      break;
    }
    path[depth] = n;
    dir[depth] = KeyLess(n.key, key);
    id = dir[depth] ? n.right : n.left;
    ++depth;
  }
  // The subtree that replaces the removed node at the bottom of the path.
  uint64_t child_id;
  uint32_t child_height;
  uint64_t child_size;
  if (target.left == 0 || target.right == 0) {
    bool right = target.right != 0;
    child_id = right ? target.right : target.left;
    child_height = right ? target.right_height : target.left_height;
    child_size = right ? target.right_size : target.left_size;
  } else {
    // Two children: the successor (leftmost of the right subtree) takes
    // the target's place and shape; its own right subtree replaces it.
    if (depth == kMaxIndexHeight) Fail("index: tree too deep");
    int at = depth;
    path[at] = target;
    dir[at] = true;
    ++depth;
    IndexNode succ = Load(target.right);
    while (succ.left != 0) {
      if (depth == kMaxIndexHeight) Fail("index: tree too deep");
      path[depth] = succ;
      dir[depth] = false;
      ++depth;
      succ = Load(succ.left);
    }
    child_id = succ.right;
    child_height = succ.right_height;
    child_size = succ.right_size;
    IndexKey succ_key = succ.key;
    succ = target;
    succ.key = succ_key;
    path[at] = succ;
  }
  npending_ = 0;
  s_->RemoveNode(target.key.id);
  Retrace(path, dir, depth, child_id, child_height, child_size, root);
}

template <class Storage>
uint64_t OrderedIndex<Storage>::Size() {
  uint64_t root = s_->LoadRoot();
  return root == 0 ? 0 : Load(root).size;
}

template <class Storage>
template <class Pred>
uint64_t OrderedIndex<Storage>::CountPrefix(Pred pred) {
  uint64_t count = 0;
  int steps = 0;
  for (uint64_t id = s_->LoadRoot(); id != 0;) {
    if (++steps > kMaxIndexHeight) Fail("index: tree too deep");
    IndexNode n = Load(id);
    if (pred(static_cast<const IndexKey&>(n.key))) {
      count += n.left_size + 1;
      id = n.right;
    } else {
      id = n.left;
    }
  }
  return count;
}

template <class Storage>
template <class Pred>
std::optional<IndexKey> OrderedIndex<Storage>::FirstNotIn(Pred pred) {
  std::optional<IndexKey> best;
  int steps = 0;
  for (uint64_t id = s_->LoadRoot(); id != 0;) {
    if (++steps > kMaxIndexHeight) Fail("index: tree too deep");
    IndexNode n = Load(id);
    if (pred(static_cast<const IndexKey&>(n.key))) {
      id = n.right;
    } else {
      best = n.key;
      id = n.left;
    }
  }
  return best;
}

template <class Storage>
std::optional<IndexKey> OrderedIndex<Storage>::Next(const IndexKey& key) {
  return FirstNotIn([&key](const IndexKey& k) { return !KeyLess(key, k); });
}

template <class Storage>
std::optional<IndexKey> OrderedIndex<Storage>::At(uint64_t rank) {
  int steps = 0;
  for (uint64_t id = s_->LoadRoot(); id != 0;) {
    if (++steps > kMaxIndexHeight) Fail("index: tree too deep");
    IndexNode n = Load(id);
    if (rank < n.left_size) {
      id = n.left;
    } else if (rank == n.left_size) {
      return n.key;
    } else {
      rank -= n.left_size + 1;
      id = n.right;
    }
  }
  return std::nullopt;
}

template <class Storage>
template <class Fn>
uint64_t OrderedIndex<Storage>::Walk(uint64_t first, uint64_t limit, Fn fn) {
  // The nodes still to visit on the way back up, the next one on top: an
  // in-order iterator. It holds at most one root-to-leaf path.
  IndexNode stack[kMaxIndexHeight];
  int depth = 0;
  auto push = [&](const IndexNode& n) {
    if (depth == kMaxIndexHeight) Fail("index: tree too deep");
    stack[depth++] = n;
  };
  if (limit == 0) return 0;
  uint64_t rank = first;
  int steps = 0;
  for (uint64_t id = s_->LoadRoot(); id != 0;) {
    if (++steps > kMaxIndexHeight) Fail("index: tree too deep");
    IndexNode n = Load(id);
    if (rank < n.left_size) {
      push(n);
      id = n.left;
    } else if (rank == n.left_size) {
      push(n);
      break;
    } else {
      rank -= n.left_size + 1;
      id = n.right;
    }
  }
  uint64_t given = 0;
  while (depth > 0) {
    IndexNode n = stack[--depth];
    ++given;
    if (!fn(static_cast<const IndexKey&>(n.key)) || given == limit) break;
    for (uint64_t id = n.right; id != 0;) {
      IndexNode c = Load(id);
      push(c);
      id = c.left;
    }
  }
  return given;
}

template <class Storage>
std::string OrderedIndex<Storage>::Check() {
  // Iterative post-order walk; each frame is a node, its bounds and which
  // children are done.
  struct Frame {
    IndexNode node;
    int stage;  // 0: visit left, 1: visit right, 2: finish
  };
  std::vector<Frame> stack;
  std::optional<IndexKey> prev;
  std::string error;
  auto id_text = [](uint64_t id) { return std::to_string(id); };
  auto load = [&](uint64_t id, IndexNode* n) -> bool {
    if (!s_->LoadNode(id, n)) {
      error = "node " + id_text(id) + " missing";
      return false;
    }
    if (n->key.id != id) {
      error = "node " + id_text(id) + " holds id " + id_text(n->key.id);
      return false;
    }
    if (n->key.art == 0) {
      error = "node " + id_text(id) + " has art 0";
      return false;
    }
    return true;
  };
  uint64_t root = s_->LoadRoot();
  if (root == 0) return "";
  IndexNode r;
  if (!load(root, &r)) return error;
  stack.push_back({r, 0});
  while (!stack.empty()) {
    if (stack.size() > static_cast<size_t>(kMaxIndexHeight)) {
      return "deeper than " + std::to_string(kMaxIndexHeight);
    }
    Frame& f = stack.back();
    const IndexNode n = f.node;
    std::string at = "node " + id_text(n.key.id) + ": ";
    if (f.stage == 0 || f.stage == 1) {
      bool right = f.stage == 1;
      if (right) {
        if (prev && !KeyLess(*prev, n.key)) return at + "out of order";
        prev = n.key;
      }
      ++f.stage;
      uint64_t c = right ? n.right : n.left;
      if (c != 0) {
        IndexNode child;
        if (!load(c, &child)) return error;
        uint32_t h = right ? n.right_height : n.left_height;
        uint64_t s = right ? n.right_size : n.left_size;
        if (child.height != h) return at + "cached child height wrong";
        if (child.size != s) return at + "cached child size wrong";
        stack.push_back({child, 0});  // invalidates f
      } else if ((right ? n.right_height : n.left_height) != 0 ||
                 (right ? n.right_size : n.left_size) != 0) {
        return at + "absent child has height or size";
      }
      continue;
    }
    uint32_t hmax =
        n.left_height > n.right_height ? n.left_height : n.right_height;
    if (n.height != 1 + hmax) return at + "height wrong";
    if (n.size != 1 + n.left_size + n.right_size) return at + "size wrong";
    int64_t balance = static_cast<int64_t>(n.left_height) - n.right_height;
    if (balance > 1 || balance < -1) return at + "out of balance";
    stack.pop_back();
  }
  return "";
}

}  // namespace ballast::vault

#endif  // BALLAST_CONTRACTS_VAULT_INDEX_H_
