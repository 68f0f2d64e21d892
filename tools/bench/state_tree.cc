// bench: the state tree (ledger/state_tree.h) on LevelDB.
//
//   StateTree/Update/keys:N/sync:S/cache_mb:C
//                                    one version of 1,000 random keys (half
//                                    new values of existing keys, half new
//                                    keys, so the tree grows slowly) on a
//                                    tree of N keys, pruned to the last 10
//                                    versions, committed in one batch; nodes
//                                    read through a cache of C MiB
//   StateTree/Prove/keys:N           Get() with its proof, a random key
//   StateTree/Verify/keys:N          VerifyStateProof() on a serialized
//                                    proof (parse and verify), no I/O
//
// Each tree is built once per process (in versions of at most 100,000 keys)
// in a temporary directory, removed at exit.

#include "ledger/state_tree.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/state_proof.h"

namespace ballast {
namespace {

std::string RandomKey(std::mt19937_64& rng) {
  std::string k(32, '\0');
  for (char& c : k) c = static_cast<char>(rng());
  return k;
}

struct Tree {
  std::string dir;
  std::unique_ptr<ledger::StateTreeDatabase> db;
  std::vector<std::string> keys;  // every key in the tree
  uint64_t version = 0;
  std::mt19937_64 rng{42};

  ~Tree() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
};

// A database of `n` random keys with 40-byte values, written in versions of
// at most 100,000 keys, in a temporary directory removed at exit; built once
// per set of arguments. With `records`, the keys are written as state records
// (StateTreeDatabase::WriteState, with the tree if `tree`), then the tree is
// pruned to its last version and everything compacted, so that timed blocks
// pay for no set-up; without, the tree alone (Update). Null on failure.
Tree* Populated(int64_t n, bool sync, int64_t cache_mb,
                size_t block_cache_bytes, bool records, bool tree) {
  using Args = std::tuple<int64_t, bool, int64_t, size_t, bool, bool>;
  static auto* trees = new std::map<Args, std::unique_ptr<Tree>>();
  static const bool cleanup = [] {
    std::atexit([] { trees->clear(); });
    return true;
  }();
  (void)cleanup;
  auto& slot =
      (*trees)[Args{n, sync, cache_mb, block_cache_bytes, records, tree}];
  if (slot) return slot.get();
  auto t = std::make_unique<Tree>();
  t->dir = std::filesystem::temp_directory_path() /
           absl::StrCat("ballast-bench-tree-", ::getpid(), "-", n, "-", sync,
                        "-", cache_mb, "-", records, "-", tree);
  std::filesystem::remove_all(t->dir);
  auto db = ledger::StateTreeDatabase::Open(
      t->dir, sync, size_t(cache_mb) << 20, block_cache_bytes);
  if (!db.ok()) return nullptr;
  t->db = *std::move(db);
  for (int64_t done = 0; done < n;) {
    ledger::StateTreeChanges changes;
    for (; done < n && changes.size() < 100'000; ++done) {
      std::string k = RandomKey(t->rng);
      changes[k] = std::string(40, 'v');
      t->keys.push_back(std::move(k));
    }
    ++t->version;
    const bool ok = records ? t->db->WriteState(t->version, changes, tree).ok()
                            : t->db->Update(t->version, changes).ok();
    if (!ok) return nullptr;
  }
  if (records) {
    if (tree && !t->db->Prune(t->version).ok()) return nullptr;
    t->db->CompactAll();
  }
  slot = std::move(t);
  return slot.get();
}

// The tree alone, for Update, Prove and Verify.
Tree* GetTree(int64_t n, bool sync, int64_t cache_mb) {
  return Populated(n, sync, cache_mb, 8 << 20, /*records=*/false,
                   /*tree=*/true);
}

void BM_StateTreeUpdate(benchmark::State& state) {
  constexpr int kBatch = 1000;
  Tree* t = GetTree(state.range(0), state.range(1) != 0, state.range(2));
  if (t == nullptr) {
    state.SkipWithError("build tree");
    return;
  }
  size_t written = 0, updates = 0;
  for (auto _ : state) {
    state.PauseTiming();
    ledger::StateTreeChanges changes;
    for (int i = 0; i < kBatch / 2; ++i) {
      changes[t->keys[t->rng() % t->keys.size()]] =
          absl::StrCat("value ", t->version, " ", i);
    }
    while (changes.size() < kBatch) {
      std::string k = RandomKey(t->rng);
      changes[k] = std::string(40, 'n');
      t->keys.push_back(std::move(k));
    }
    state.ResumeTiming();
    ++t->version;
    auto u =
        t->db->Update(t->version, changes,
                      t->version > 10 ? std::optional<uint64_t>(t->version - 10)
                                      : std::nullopt);
    if (!u.ok()) {
      state.SkipWithError(std::string(u.status().message()).c_str());
      break;
    }
    written += u->nodes_written;
    ++updates;
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  if (updates > 0) {
    state.counters["nodes_per_batch"] =
        static_cast<double>(written) / static_cast<double>(updates);
  }
}
BENCHMARK(BM_StateTreeUpdate)
    ->Name("StateTree/Update")
    ->ArgNames({"keys", "sync", "cache_mb"})
    ->Args({100'000, 1, 0})
    ->Args({100'000, 0, 0})
    ->Args({100'000, 1, 64})
    ->Unit(benchmark::kMillisecond);

// StateWrites/keys:N/tree:T/cache_mb:C: blocks of 1,000 random updates of
// existing keys, written as plain state records in one synced batch, with
// the tree maintained (T = 1: its update and pruning to the last 10
// versions in the same batch) or not (T = 0), on a database pre-populated
// with N keys the same way, then pruned to its last version and compacted
// (so the timed blocks pay for no set-up). LevelDB is set up as the store's
// (Bloom filter, 32 MiB block cache); the tree reads through a node cache
// of C MiB (the store's default is 32). The ratio of T = 1 to T = 0 is the
// tree's cost (issue 8's target: < 3).
void BM_StateWrites(benchmark::State& state) {
  constexpr int kBatch = 1000;
  const int64_t n = state.range(0);
  const bool with_tree = state.range(1) != 0;
  const int64_t cache_mb = state.range(2);
  Tree* t = Populated(n, /*sync=*/true, cache_mb, 32 << 20, /*records=*/true,
                      with_tree);
  if (t == nullptr) {
    state.SkipWithError("populate");
    return;
  }
  for (auto _ : state) {
    state.PauseTiming();
    ledger::StateTreeChanges changes;
    while (changes.size() < kBatch) {
      changes[t->keys[t->rng() % t->keys.size()]] =
          absl::StrCat("value ", t->version, " ", changes.size());
    }
    state.ResumeTiming();
    ++t->version;
    auto u = t->db->WriteState(t->version, changes, with_tree,
                               t->version > 10
                                   ? std::optional<uint64_t>(t->version - 10)
                                   : std::nullopt);
    if (!u.ok()) {
      state.SkipWithError(std::string(u.status().message()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_StateWrites)
    ->Name("StateWrites")
    ->ArgNames({"keys", "tree", "cache_mb"})
    ->Args({1'000'000, 0, 0})
    ->Args({1'000'000, 1, 32})
    ->Args({1'000'000, 1, 1024})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(4);

void BM_StateTreeProve(benchmark::State& state) {
  Tree* t = GetTree(state.range(0), false, 0);
  if (t == nullptr) {
    state.SkipWithError("build tree");
    return;
  }
  size_t bytes = 0, depth = 0;
  for (auto _ : state) {
    const std::string& key = t->keys[t->rng() % t->keys.size()];
    auto r = t->db->tree().Get(t->version, key);
    if (!r.ok() || !r->value.has_value()) {
      state.SkipWithError("get");
      break;
    }
    bytes += ledger::SerializeStateProof(r->proof).size();
    depth += r->proof.siblings.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["proof_bytes"] = benchmark::Counter(
      static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
  state.counters["depth"] = benchmark::Counter(
      static_cast<double>(depth), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_StateTreeProve)
    ->Name("StateTree/Prove")
    ->ArgName("keys")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

void BM_StateTreeVerify(benchmark::State& state) {
  Tree* t = GetTree(state.range(0), false, 0);
  if (t == nullptr) {
    state.SkipWithError("build tree");
    return;
  }
  struct Case {
    std::string key, value, proof;
  };
  std::vector<Case> cases;
  for (int i = 0; i < 256; ++i) {
    const std::string& key = t->keys[t->rng() % t->keys.size()];
    auto r = t->db->tree().Get(t->version, key);
    if (!r.ok() || !r->value.has_value()) {
      state.SkipWithError("get");
      return;
    }
    cases.push_back({key, *r->value, ledger::SerializeStateProof(r->proof)});
  }
  const std::string root = *t->db->tree().RootHash(t->version);
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const Case& c = cases[i++ % cases.size()];
    if (!ledger::VerifyStateProof(root, c.key, c.value, c.proof).ok()) {
      state.SkipWithError("verify");
      break;
    }
    bytes += c.proof.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["proof_bytes"] = benchmark::Counter(
      static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_StateTreeVerify)
    ->Name("StateTree/Verify")
    ->ArgName("keys")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ballast
