#include "node/mempool.h"

#include <algorithm>
#include <iterator>
#include <queue>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"

namespace ballast::node {
namespace {

// What a pending transaction counts against max_bytes.
size_t TxBytes(const ledger::SignedTransaction& stx) {
  return stx.tx().size() + stx.signature().size();
}

}  // namespace

Mempool::Mempool(ledger::Store* store, MempoolOptions options)
    : store_(store), options_(options) {}

uint64_t Mempool::NextNonceLocked(const Sender& s, uint64_t committed) const {
  uint64_t next = committed;
  for (auto it = s.by_nonce.find(next);
       it != s.by_nonce.end() && it->first == next; ++it) {
    ++next;
  }
  return next;
}

absl::Status Mempool::Add(const ledger::SignedTransaction& stx,
                          CheckedTx checked) {
  const std::string& sender = checked.sender;
  const uint64_t nonce = checked.tx.nonce();
  absl::MutexLock lock(&mu_);
  if (by_hash_.contains(checked.hash)) {
    return absl::AlreadyExistsError(
        StrCat("transaction 0x", ToHex(checked.hash), " is already pending"));
  }
  ASSIGN_OR_RETURN(ledger::Account account, store_->GetAccount(sender));
  const uint64_t committed = account.nonce();
  auto sit = senders_.find(sender);
  const uint64_t next = sit == senders_.end()
                            ? committed
                            : NextNonceLocked(sit->second, committed);
  if (nonce < committed) {
    ASSIGN_OR_RETURN(std::optional<ledger::TxRecord> record,
                     store_->GetTransaction(checked.hash));
    if (record.has_value()) {
      return absl::AlreadyExistsError(
          StrCat("transaction 0x", ToHex(checked.hash),
                 " is already committed in block ", record->block_height()));
    }
    return absl::InvalidArgumentError(
        StrCat("nonce ", nonce, " already used (next is ", next, ")"));
  }
  if (sit != senders_.end() && sit->second.by_nonce.contains(nonce)) {
    return absl::InvalidArgumentError(
        StrCat("nonce ", nonce, " already used (next is ", next,
               "): a different pending transaction has it"));
  }
  if (nonce - next > options_.max_nonce_gap) {
    return absl::InvalidArgumentError(
        StrCat("nonce ", nonce, " is too far ahead (next is ", next,
               ", at most ", options_.max_nonce_gap, " ahead may wait)"));
  }
  if (nonce > next) {
    // Pending nonces above `next` are the ones waiting for it.
    size_t waiting = 0;
    if (sit != senders_.end()) {
      const auto& by_nonce = sit->second.by_nonce;
      waiting = std::distance(by_nonce.upper_bound(next), by_nonce.end());
    }
    if (waiting >= options_.max_waiting_per_sender) {
      return absl::InvalidArgumentError(StrCat(
          "sender 0x", ToHex(sender), " already has ", waiting,
          " transactions waiting for nonce ", next, " (at most ",
          options_.max_waiting_per_sender, "); send nonce ", next, " first"));
    }
  }
  if (by_hash_.size() >= options_.capacity) {
    return absl::ResourceExhaustedError(StrCat(
        "mempool is full (", options_.capacity, " transactions); retry later"));
  }
  const size_t size = TxBytes(stx);
  if (size > options_.max_bytes - std::min(bytes_, options_.max_bytes)) {
    return absl::ResourceExhaustedError(
        StrCat("mempool is full (", bytes_, " of ", options_.max_bytes,
               " bytes of transactions used); retry later"));
  }
  if (sit != senders_.end() &&
      sit->second.by_nonce.size() >= options_.max_per_sender) {
    return absl::ResourceExhaustedError(
        StrCat("sender 0x", ToHex(sender), " has ", options_.max_per_sender,
               " pending transactions; retry later"));
  }
  Sender& s = senders_[sender];
  by_hash_[checked.hash] = {sender, nonce};
  PendingTx& p = s.by_nonce[nonce];
  p.stx = stx;
  p.checked = std::move(checked);
  p.seq = next_seq_++;
  bytes_ += size;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PendingTx>> Mempool::Select(size_t max_txs,
                                                       uint64_t max_gas) {
  absl::MutexLock lock(&mu_);
  // Each sender's ready run: consecutive nonces from the committed one.
  struct Run {
    std::vector<const PendingTx*> txs;
    size_t next = 0;
  };
  std::vector<Run> runs;
  std::vector<std::string> stale;
  for (auto& [sender, s] : senders_) {
    ASSIGN_OR_RETURN(ledger::Account account, store_->GetAccount(sender));
    Run run;
    for (auto& [nonce, p] : s.by_nonce) {
      if (nonce < account.nonce()) {
        stale.push_back(p.checked.hash);  // its nonce was used meanwhile
        continue;
      }
      if (nonce != account.nonce() + run.txs.size()) break;
      run.txs.push_back(&p);
    }
    if (!run.txs.empty()) runs.push_back(std::move(run));
  }
  // Merge the runs by arrival order of their next transaction.
  auto later = [&](size_t a, size_t b) {
    return runs[a].txs[runs[a].next]->seq > runs[b].txs[runs[b].next]->seq;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heads(
      later);
  for (size_t i = 0; i < runs.size(); ++i) heads.push(i);
  std::vector<PendingTx> out;
  uint64_t gas = 0;
  while (!heads.empty() && out.size() < max_txs) {
    size_t i = heads.top();
    heads.pop();
    const PendingTx* p = runs[i].txs[runs[i].next];
    uint64_t limit = p->checked.tx.gas_limit();
    if (limit > max_gas - gas) continue;  // the sender's later txs wait too
    gas += limit;
    out.push_back(*p);
    if (++runs[i].next < runs[i].txs.size()) heads.push(i);
  }
  for (const std::string& hash : stale) EraseLocked(hash);
  return out;
}

void Mempool::EraseLocked(const std::string& hash) {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return;
  auto sit = senders_.find(it->second.first);
  auto pit = sit->second.by_nonce.find(it->second.second);
  bytes_ -= TxBytes(pit->second.stx);
  sit->second.by_nonce.erase(pit);
  if (sit->second.by_nonce.empty()) senders_.erase(sit);
  by_hash_.erase(it);
}

void Mempool::Remove(const std::vector<std::string>& hashes) {
  absl::MutexLock lock(&mu_);
  for (const std::string& hash : hashes) EraseLocked(hash);
}

std::optional<ledger::SignedTransaction> Mempool::Find(
    const std::string& hash) {
  absl::MutexLock lock(&mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return senders_.at(it->second.first).by_nonce.at(it->second.second).stx;
}

uint64_t Mempool::NextNonce(const std::string& sender,
                            uint64_t committed_nonce) {
  absl::MutexLock lock(&mu_);
  auto it = senders_.find(sender);
  if (it == senders_.end()) return committed_nonce;
  return NextNonceLocked(it->second, committed_nonce);
}

size_t Mempool::size() {
  absl::MutexLock lock(&mu_);
  return by_hash_.size();
}

size_t Mempool::bytes() {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace ballast::node
