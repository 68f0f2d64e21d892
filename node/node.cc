#include "node/node.h"

#include <chrono>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "spdlog/spdlog.h"
#include "wasm/compiled/compiled_engine.h"

namespace ballast::node {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Node>> Node::Open(const NodeOptions& options) {
  if (options.block_time_ms < 0) {
    return absl::InvalidArgumentError("block time must be >= 0");
  }
  if (options.max_block_txs == 0) {
    return absl::InvalidArgumentError("max block txs must be > 0");
  }
  if (options.manual_mining && !options.dev) {
    return absl::InvalidArgumentError(
        "manual mining (--block-time manual) needs --dev: blocks are then "
        "produced only by POST /v1/dev/mine");
  }
  // Before the data dir: a bad engine name opens nothing (and an engine
  // touches the disk only when it first compiles).
  wasm::CompiledEngineOptions engine_options;
  engine_options.compile_after_calls = options.compile_after_calls;
  engine_options.cache_dir = options.data_dir + "/compiled";
  engine_options.warn = [](std::string_view line) {
    spdlog::warn("compiled engine: {}", line);
  };
  ASSIGN_OR_RETURN(std::unique_ptr<wasm::Engine> engine,
                   wasm::NewEngine(options.engine, engine_options));
  ASSIGN_OR_RETURN(
      std::unique_ptr<DataDir> data_dir,
      DataDir::Open(options.data_dir, options.chain_id, options.signing_keys));
  ledger::StoreOptions store_options;
  store_options.sync = options.sync;
  store_options.env = options.env;
  store_options.state_retain_heights = options.state_retain_heights;
  store_options.state_retain_ms = options.state_retain_ms;
  store_options.state_tree_cache_bytes = options.state_cache_bytes;
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Store> store,
                   data_dir->OpenStore(store_options));
  // Block times never go backwards (the store refuses a block older than
  // its parent), whatever the clock did while the node was down.
  int64_t head_time_ms = 0;
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head, store->GetHead());
  if (head.has_value()) {
    ASSIGN_OR_RETURN(std::optional<ledger::Block> block,
                     store->GetBlockByHeight(head->height));
    if (block.has_value()) head_time_ms = block->header().time_ms();
  }
  int64_t dev_offset_ms = 0;
  if (options.dev) {
    ASSIGN_OR_RETURN(dev_offset_ms, data_dir->ReadDevClockOffset());
  }
  NodeOptions opts = options;
  opts.chain_id = data_dir->chain_id();
  std::unique_ptr<Node> node(new Node(std::move(opts), std::move(data_dir),
                                      std::move(store), std::move(engine)));
  absl::MutexLock lock(&node->produce_mu_);
  node->last_time_ms_ = head_time_ms;
  node->dev_offset_ms_ = dev_offset_ms;
  return node;
}

Node::Node(NodeOptions options, std::unique_ptr<DataDir> data_dir,
           std::unique_ptr<ledger::Store> store,
           std::unique_ptr<wasm::Engine> engine)
    : options_(std::move(options)),
      data_dir_(std::move(data_dir)),
      producer_(data_dir_->producer()),
      store_(std::move(store)),
      runtime_(std::make_unique<wasm::Runtime>(std::move(engine))),
      executor_(std::make_unique<Executor>(store_.get(), runtime_.get(),
                                           options_.chain_id,
                                           options_.block_gas_limit)),
      mempool_(std::make_unique<Mempool>(store_.get(), [this] {
        MempoolOptions m = options_.mempool;
        m.block_gas_limit = options_.block_gas_limit;  // bounds pool gas
        return m;
      }())) {
  // Contracts' bl_log lines go to the node's log at debug level (queries
  // and blocks alike; they never affect state).
  runtime_->set_log_sink([](std::string_view contract, std::string_view msg) {
    spdlog::debug("contract {}: {}", ToHex(contract), msg);
  });
}

Node::~Node() {
  Stop();
  // Members close in reverse order: mempool, executor, runtime, store, and
  // last the data dir, releasing its lock.
}

void Node::Start() {
  producer_thread_ = std::thread([this] { ProducerLoop(); });
}

void Node::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    work_cv_.SignalAll();
    commit_cv_.SignalAll();
  }
  if (producer_thread_.joinable()) producer_thread_.join();
}

absl::StatusOr<std::string> Node::Submit(const ledger::SignedTransaction& stx) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the node is shutting down");
  }
  if (!healthy_) {
    return absl::UnavailableError(
        "the node's store failed a write; restart the node");
  }
  // The signature check runs here, on the caller's thread, outside any lock.
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<CheckedTx> checked = executor_->CheckTransaction(stx);
  absl::Status status = checked.status();
  std::string hash;
  if (checked.ok()) {
    hash = checked->hash;
    status = mempool_->Add(stx, *std::move(checked));
  }
  double ms = MsSince(start);
  absl::MutexLock lock(&mu_);
  stats_.admit_ms += ms;
  if (!status.ok()) {
    ++stats_.refused;
    return status;
  }
  ++stats_.admitted;
  ++arrivals_;
  work_cv_.Signal();
  return hash;
}

bool Node::WaitCommitted(const std::string& hash, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    uint64_t seen;
    {
      absl::MutexLock lock(&mu_);
      seen = commits_;
    }
    auto record = store_->GetTransaction(hash);
    if (record.ok() && record->has_value()) return true;
    if (!record.ok()) return false;
    if (!mempool_->Find(hash).has_value()) {
      // A block commits before its transactions leave the mempool, so one
      // committed between the two lookups above is in the store now.
      record = store_->GetTransaction(hash);
      return record.ok() && record->has_value();
    }
    absl::MutexLock lock(&mu_);
    while (commits_ == seen && !stopping_) {
      if (commit_cv_.WaitWithDeadline(&mu_, deadline)) return false;
    }
    if (stopping_) return false;
  }
}

NodeStats Node::stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void Node::ProducerLoop() {
  if (options_.manual_mining) {  // blocks come from DevMine only
    absl::MutexLock lock(&mu_);
    while (!stopping_) work_cv_.Wait(&mu_);
    return;
  }
  const bool automine = options_.block_time_ms == 0;
  uint64_t seen_arrivals = 0;
  absl::Time next_tick =
      absl::Now() + absl::Milliseconds(options_.block_time_ms);
  auto produce = [this](bool allow_empty) -> size_t {
    absl::MutexLock lock(&produce_mu_);
    absl::StatusOr<Produced> produced = ProduceBlock(allow_empty);
    return produced.ok() ? produced->taken : 0;
  };
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (automine) {
        while (!stopping_ && arrivals_ == seen_arrivals) work_cv_.Wait(&mu_);
        seen_arrivals = arrivals_;
      } else {
        while (!stopping_ && absl::Now() < next_tick) {
          work_cv_.WaitWithDeadline(&mu_, next_tick);
        }
      }
      if (stopping_) return;
    }
    if (!healthy_) {  // the store failed: nothing more until stopped
      absl::MutexLock lock(&mu_);
      while (!stopping_) work_cv_.Wait(&mu_);
      return;
    }
    if (automine) {
      // Keep building while transactions are ready: a block may have been
      // cut short by its count or gas limit.
      while (produce(false) > 0) {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
      }
    } else {
      produce(true);
      next_tick += absl::Milliseconds(options_.block_time_ms);
      if (next_tick < absl::Now()) {  // fell behind: do not burst
        next_tick = absl::Now() + absl::Milliseconds(options_.block_time_ms);
      }
    }
  }
}

absl::StatusOr<std::vector<MinedBlock>> Node::DevMine(
    const DevMineOptions& options) {
  if (!options_.dev) {
    return absl::FailedPreconditionError(
        "dev routes need ballastd --dev (a development chain whose clock "
        "and mining can be driven)");
  }
  if (options.blocks < 1 || options.blocks > kMaxDevMineBlocks) {
    return absl::InvalidArgumentError(StrCat("field 'blocks': ", options.blocks,
                                             " is not in 1..",
                                             kMaxDevMineBlocks));
  }
  if (options.advance_ms < 0) {
    return absl::InvalidArgumentError(
        StrCat("field 'advance_ms': ", options.advance_ms,
               " is negative; the dev clock only moves forward"));
  }
  if (options.advance_ms > 0 && options.time_ms.has_value()) {
    return absl::InvalidArgumentError(
        "give either 'advance_ms' or 'time_ms', not both");
  }
  absl::MutexLock produce_lock(&produce_mu_);
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head, store_->GetHead());
  int64_t head_time_ms = 0;
  if (head.has_value()) {
    ASSIGN_OR_RETURN(std::optional<ledger::Block> block,
                     store_->GetBlockByHeight(head->height));
    if (!block.has_value()) {
      return absl::DataLossError(
          StrCat("head block ", head->height, " is missing"));
    }
    head_time_ms = block->header().time_ms();
  }
  const int64_t wall_ms = WallMs();
  int64_t offset = dev_offset_ms_;
  if (options.time_ms.has_value()) {
    const int64_t t = *options.time_ms;
    if (t < head_time_ms) {
      return absl::InvalidArgumentError(
          StrCat("field 'time_ms': ", t, " is before the head block's time ",
                 head_time_ms, " (block ", head.has_value() ? head->height : 0,
                 "); block times never go back"));
    }
    if (t > wall_ms + kMaxDevClockOffsetMs) {
      return absl::InvalidArgumentError(
          StrCat("field 'time_ms': ", t,
                 " is more than 100 years ahead of the wall clock"));
    }
    offset = t - wall_ms;
  } else if (options.advance_ms > kMaxDevClockOffsetMs - offset) {
    return absl::InvalidArgumentError(
        StrCat("field 'advance_ms': ", options.advance_ms,
               " would put the dev clock more than 100 years ahead of the wall "
               "clock (it is ",
               offset, " ms ahead now)"));
  } else {
    offset += options.advance_ms;
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the node is shutting down");
  }
  if (!healthy_) {
    return absl::UnavailableError(
        "the node's store failed a write; restart the node");
  }
  if (offset != dev_offset_ms_) {
    // Kept before any block is stamped with it: a crash after the blocks
    // must not lose the clock they were stamped with.
    RETURN_IF_ERROR(data_dir_->WriteDevClockOffset(offset));
    dev_offset_ms_ = offset;
  }
  std::vector<MinedBlock> mined;
  for (int64_t i = 0; i < options.blocks; ++i) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return absl::UnavailableError("the node is shutting down");
    }
    std::optional<int64_t> at;
    if (i == 0 && options.time_ms.has_value()) at = options.time_ms;
    absl::StatusOr<Produced> produced = ProduceBlock(true, at);
    if (!produced.ok()) {
      return Annotate(produced.status(),
                      StrCat("mining block ", i + 1, " of ", options.blocks));
    }
    if (!produced->block.has_value()) {
      return absl::InternalError(
          StrCat("mining block ", i + 1, " of ", options.blocks,
                 ": no block was produced (see the node's log)"));
    }
    mined.push_back(*produced->block);
  }
  return mined;
}

int64_t Node::dev_clock_offset_ms() {
  absl::MutexLock lock(&produce_mu_);
  return dev_offset_ms_;
}

absl::StatusOr<Node::Produced> Node::ProduceBlock(
    bool allow_empty, std::optional<int64_t> time_ms) {
  auto start = std::chrono::steady_clock::now();
  auto selected =
      mempool_->Select(options_.max_block_txs, options_.block_gas_limit);
  if (!selected.ok()) {
    spdlog::error("select transactions: {}", selected.status().ToString());
    return selected.status();
  }
  if (selected->empty() && !allow_empty) return Produced{};
  const double select_ms = MsSince(start);

  std::vector<ledger::SignedTransaction> txs;
  std::vector<CheckedTx> checked;
  std::vector<std::string> hashes;
  txs.reserve(selected->size());
  checked.reserve(selected->size());
  for (PendingTx& p : *selected) {
    txs.push_back(std::move(p.stx));
    hashes.push_back(p.checked.hash);
    checked.push_back(std::move(p.checked));
  }
  last_time_ms_ = time_ms.has_value()
                      ? *time_ms
                      : std::max(last_time_ms_, WallMs() + dev_offset_ms_);
  BuildStats build;
  std::vector<RejectedTx> rejected;
  auto commit = executor_->BuildBlock(txs, last_time_ms_, producer_, &build,
                                      &checked, &rejected);
  if (!rejected.empty()) {
    // The mempool let through transactions the executor refuses: drop just
    // those, so they are not retried forever; the rest make the block.
    std::vector<std::string> dropped;
    for (const RejectedTx& r : rejected) {
      spdlog::error("block: dropping transaction {}: {}", ToHex(r.hash),
                    r.status.ToString());
      dropped.push_back(r.hash);
    }
    mempool_->Remove(dropped);
  }
  if (!commit.ok()) {
    spdlog::error("build block: {}", commit.status().ToString());
    return commit.status();
  }
  if (commit->block.txs_size() == 0 && !allow_empty) {
    return Produced{.taken = rejected.size(), .block = std::nullopt};
  }
  // The co-signers sign the same header after the producer.
  const std::string block_hash = ledger::BlockHash(commit->block.header());
  for (const KeyPair& key : data_dir_->co_signers()) {
    ledger::BlockSignature* sig = commit->block.add_signatures();
    sig->set_pubkey(key.public_key);
    sig->set_signature(Sign(key, block_hash));
  }
  auto commit_start = std::chrono::steady_clock::now();
  absl::Status status = store_->CommitBlock(*commit);
  const double commit_ms = MsSince(commit_start);
  if (!status.ok()) {
    healthy_ = false;
    spdlog::critical("commit block {}: {}; no further blocks until restarted",
                     commit->block.header().height(), status.ToString());
    return status;
  }
  hashes.clear();
  for (const ledger::SignedTransaction& stx : commit->block.txs()) {
    hashes.push_back(ledger::TxHash(stx));
  }
  mempool_->Remove(hashes);
  uint64_t gas = 0;
  for (const ledger::Receipt& r : commit->receipts) gas += r.gas_used();
  spdlog::info(
      "block {}: {} txs, gas {}, {:.1f} ms (select {:.1f}, check {:.1f}, "
      "run {:.1f}, roots+sign {:.1f}, commit {:.1f})",
      commit->block.header().height(), commit->block.txs_size(), gas,
      MsSince(start), select_ms, build.check_ms, build.run_ms, build.finish_ms,
      commit_ms);
  absl::MutexLock lock(&mu_);
  ++stats_.blocks;
  stats_.txs += commit->block.txs_size();
  stats_.gas_used += gas;
  stats_.select_ms += select_ms;
  stats_.check_ms += build.check_ms;
  stats_.run_ms += build.run_ms;
  stats_.finish_ms += build.finish_ms;
  stats_.commit_ms += commit_ms;
  ++commits_;
  commit_cv_.SignalAll();
  // The count includes any dropped: the producer looks again.
  return Produced{
      .taken = txs.size(),
      .block = MinedBlock{commit->block.header().height(),
                          commit->block.header().time_ms(),
                          static_cast<size_t>(commit->block.txs_size())}};
}

}  // namespace ballast::node
