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

MempoolOptions Resolve(MempoolOptions o) {
  if (o.max_waiting_bytes == 0) o.max_waiting_bytes = o.max_bytes / 4;
  if (o.max_sender_bytes == 0) o.max_sender_bytes = o.max_bytes / 4;
  return o;
}

}  // namespace

Mempool::Mempool(ledger::Store* store, MempoolOptions options)
    : store_(store), options_(Resolve(std::move(options))) {}

absl::Time Mempool::Now() const {
  return options_.clock ? options_.clock() : absl::Now();
}

uint64_t Mempool::NextNonceLocked(const Sender& s, uint64_t committed) {
  uint64_t next = committed;
  for (auto it = s.by_nonce.find(next);
       it != s.by_nonce.end() && it->first == next; ++it) {
    ++next;
    ++walked_;
  }
  return next;
}

void Mempool::RecountLocked(const std::string& sender, Sender& s) {
  waiting_ -= s.waiting;
  waiting_bytes_ -= s.waiting_bytes;
  s.waiting = 0;
  s.waiting_bytes = 0;
  s.next = NextNonceLocked(s, s.committed);
  for (auto it = s.by_nonce.upper_bound(s.next); it != s.by_nonce.end(); ++it) {
    ++s.waiting;
    s.waiting_bytes += TxBytes(it->second.stx);
    ++walked_;
  }
  waiting_ += s.waiting;
  waiting_bytes_ += s.waiting_bytes;
  if (s.waiting > 0) {
    waiting_senders_.insert(sender);
  } else {
    waiting_senders_.erase(sender);
  }
}

void Mempool::CountAddedLocked(const std::string& sender, Sender& s,
                               uint64_t nonce, size_t size) {
  if (nonce < s.next) {  // not expected: Add refuses taken nonces
    RecountLocked(sender, s);
    return;
  }
  if (nonce > s.next) {
    ++s.waiting;
    s.waiting_bytes += size;
    ++waiting_;
    waiting_bytes_ += size;
    waiting_senders_.insert(sender);
    return;
  }
  // The run grows by this one, and by the waiting ones it reaches.
  for (auto it = s.by_nonce.find(++s.next);
       it != s.by_nonce.end() && it->first == s.next; ++it, ++s.next) {
    const size_t bytes = TxBytes(it->second.stx);
    --s.waiting;
    s.waiting_bytes -= bytes;
    --waiting_;
    waiting_bytes_ -= bytes;
    ++walked_;
  }
  if (s.waiting == 0) waiting_senders_.erase(sender);
}

void Mempool::ExpireLocked() {
  const absl::Time now = Now();
  if (now < next_expiry_) return;  // at most one sweep a second
  next_expiry_ = now + absl::Seconds(1);
  const absl::Time cutoff = now - options_.waiting_lifetime;
  std::vector<std::string> expired;
  for (const std::string& sender : waiting_senders_) {
    const Sender& s = senders_.at(sender);
    for (auto it = s.by_nonce.upper_bound(s.next); it != s.by_nonce.end();
         ++it) {
      if (it->second.arrived <= cutoff) {
        expired.push_back(it->second.checked.hash);
      }
    }
  }
  for (const std::string& hash : expired) EraseLocked(hash);
}

bool Mempool::EvictWaitingLocked(const std::string* sender) {
  const std::string* victim = nullptr;
  if (sender != nullptr) {
    if (waiting_senders_.contains(*sender)) victim = sender;
  } else {
    size_t most = 0;
    for (const std::string& candidate : waiting_senders_) {
      size_t b = senders_.at(candidate).waiting_bytes;
      // Ties go to the larger address, so eviction is deterministic.
      if (victim == nullptr || b > most || (b == most && candidate > *victim)) {
        victim = &candidate;
        most = b;
      }
    }
  }
  if (victim == nullptr) return false;
  const Sender& s = senders_.at(*victim);
  // Its highest nonce is waiting (it has waiting transactions).
  std::string hash = s.by_nonce.rbegin()->second.checked.hash;
  EraseLocked(hash);
  return true;
}

absl::Status Mempool::Add(const ledger::SignedTransaction& stx,
                          CheckedTx checked) {
  const std::string sender = checked.sender;  // `checked` moves below
  const uint64_t nonce = checked.tx.nonce();
  absl::MutexLock lock(&mu_);
  if (by_hash_.contains(checked.hash)) {
    return absl::AlreadyExistsError(
        StrCat("transaction 0x", ToHex(checked.hash), " is already pending"));
  }
  ASSIGN_OR_RETURN(ledger::Account account, store_->GetAccount(sender));
  const uint64_t committed = account.nonce();
  auto sit = senders_.find(sender);
  if (sit != senders_.end() && sit->second.committed != committed) {
    sit->second.committed = committed;
    RecountLocked(sender, sit->second);
  }
  const uint64_t next = sit == senders_.end() ? committed : sit->second.next;
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
  const bool waits = nonce > next;
  const size_t size = TxBytes(stx);
  const uint64_t gas = checked.tx.gas_limit();
  ExpireLocked();
  sit = senders_.find(sender);  // expiry may have removed the sender
  if (waits) {
    const size_t mine = sit == senders_.end() ? 0 : sit->second.waiting;
    if (mine >= options_.max_waiting_per_sender) {
      return absl::InvalidArgumentError(StrCat(
          "sender 0x", ToHex(sender), " already has ", mine,
          " transactions waiting for nonce ", next, " (at most ",
          options_.max_waiting_per_sender, "); send nonce ", next, " first"));
    }
    // Full: take room from the sender holding the most waiting bytes, if it
    // holds more than this sender would.
    const size_t mine_bytes =
        (sit == senders_.end() ? 0 : sit->second.waiting_bytes) + size;
    while (waiting_ >= options_.max_waiting ||
           size > options_.max_waiting_bytes -
                      std::min(waiting_bytes_, options_.max_waiting_bytes)) {
      const std::string* top = nullptr;
      for (const std::string& candidate : waiting_senders_) {
        if (top == nullptr || senders_.at(candidate).waiting_bytes >
                                  senders_.at(*top).waiting_bytes) {
          top = &candidate;
        }
      }
      if (size > options_.max_waiting_bytes || top == nullptr ||
          *top == sender || senders_.at(*top).waiting_bytes <= mine_bytes) {
        return absl::ResourceExhaustedError(StrCat(
            "mempool is full of transactions waiting for earlier nonces (",
            waiting_, " of at most ", options_.max_waiting, ", ",
            waiting_bytes_, " of at most ", options_.max_waiting_bytes,
            " bytes); send nonce ", next, " first"));
      }
      EvictWaitingLocked(top);
    }
    sit = senders_.find(sender);
  }
  // The sender's share; a ready transaction makes room from its own waiting
  // ones first.
  auto over_share = [&] {
    auto it = senders_.find(sender);
    if (it == senders_.end()) return size > options_.max_sender_bytes;
    return it->second.by_nonce.size() >= options_.max_per_sender ||
           size > options_.max_sender_bytes -
                      std::min(it->second.bytes, options_.max_sender_bytes);
  };
  while (over_share()) {
    if (waits || !EvictWaitingLocked(&sender)) {
      auto it = senders_.find(sender);
      return absl::ResourceExhaustedError(StrCat(
          "sender 0x", ToHex(sender), " has ",
          it == senders_.end() ? 0 : it->second.by_nonce.size(),
          " pending transactions of ",
          it == senders_.end() ? 0 : it->second.bytes, " bytes (at most ",
          options_.max_per_sender, " and ", options_.max_sender_bytes,
          " per sender); retry when some have committed"));
    }
  }
  // The pool's limits: waiting transactions make room for ready ones.
  const uint64_t max_gas =
      options_.max_gas_blocks * std::max<uint64_t>(options_.block_gas_limit, 1);
  while (true) {
    if (by_hash_.size() >= options_.capacity) {
      if (!waits && EvictWaitingLocked(nullptr)) continue;
      return absl::ResourceExhaustedError(
          StrCat("mempool is full (", options_.capacity,
                 " transactions); retry later"));
    }
    if (size > options_.max_bytes - std::min(bytes_, options_.max_bytes)) {
      if (!waits && EvictWaitingLocked(nullptr)) continue;
      return absl::ResourceExhaustedError(
          StrCat("mempool is full (", bytes_, " of ", options_.max_bytes,
                 " bytes of transactions used); retry later"));
    }
    if (gas > max_gas - std::min(gas_, max_gas)) {
      if (!waits && EvictWaitingLocked(nullptr)) continue;
      return absl::ResourceExhaustedError(
          StrCat("mempool is full (gas limits of ", gas_, " of at most ",
                 max_gas, " pending); retry later"));
    }
    break;
  }
  Sender& s = senders_[sender];
  // A sender already here was counted against `committed` (above); a new
  // one is counted whole.
  const bool counted = !s.by_nonce.empty();
  s.committed = committed;
  by_hash_[checked.hash] = {sender, nonce};
  PendingTx& p = s.by_nonce[nonce];
  p.stx = stx;
  p.checked = std::move(checked);
  p.seq = next_seq_++;
  p.arrived = Now();
  s.bytes += size;
  bytes_ += size;
  gas_ += gas;
  if (counted) {
    CountAddedLocked(sender, s, nonce, size);
  } else {
    RecountLocked(sender, s);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PendingTx>> Mempool::Select(size_t max_txs,
                                                       uint64_t max_gas) {
  absl::MutexLock lock(&mu_);
  ExpireLocked();
  // Each sender's ready run: consecutive nonces from the committed one.
  struct Run {
    std::vector<const PendingTx*> txs;
    size_t next = 0;
  };
  std::vector<Run> runs;
  std::vector<std::string> stale;
  for (auto& [sender, s] : senders_) {
    ASSIGN_OR_RETURN(ledger::Account account, store_->GetAccount(sender));
    if (s.committed != account.nonce()) {
      s.committed = account.nonce();
      RecountLocked(sender, s);
    }
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
  Sender& s = sit->second;
  const uint64_t nonce = it->second.second;
  auto pit = s.by_nonce.find(nonce);
  const size_t size = TxBytes(pit->second.stx);
  bytes_ -= size;
  s.bytes -= size;
  gas_ -= pit->second.checked.tx.gas_limit();
  s.by_nonce.erase(pit);
  by_hash_.erase(it);
  if (nonce > s.next) {  // a waiting one
    --s.waiting;
    s.waiting_bytes -= size;
    --waiting_;
    waiting_bytes_ -= size;
    if (s.waiting == 0) waiting_senders_.erase(sit->first);
  } else if (nonce >= s.committed) {  // a ready one: the rest may wait now
    RecountLocked(sit->first, s);
  }
  if (s.by_nonce.empty()) senders_.erase(sit);
}

void Mempool::Remove(const std::vector<std::string>& hashes) {
  absl::MutexLock lock(&mu_);
  // Committed transactions moved their senders' committed nonces: read them
  // first, so removing the committed ones breaks no run (Select re-reads
  // them too, should a read fail).
  absl::flat_hash_set<std::string> touched;
  for (const std::string& hash : hashes) {
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) continue;
    const std::string sender = it->second.first;
    if (touched.insert(sender).second) {
      auto account = store_->GetAccount(sender);
      if (account.ok()) senders_.at(sender).committed = account->nonce();
    }
    EraseLocked(hash);
  }
  // The committed ones were the bottom of each ready run: what is left of a
  // run still ends at `next`, and the same ones wait, unless the committed
  // nonce passed the run (transactions that came by another node).
  for (const std::string& sender : touched) {
    auto sit = senders_.find(sender);
    if (sit != senders_.end() && sit->second.next < sit->second.committed) {
      RecountLocked(sender, sit->second);
    }
  }
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
  if (it->second.committed == committed_nonce) return it->second.next;
  return NextNonceLocked(it->second, committed_nonce);
}

size_t Mempool::WalkedForTesting() {
  absl::MutexLock lock(&mu_);
  return walked_;
}

size_t Mempool::size() {
  absl::MutexLock lock(&mu_);
  return by_hash_.size();
}

size_t Mempool::bytes() {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

size_t Mempool::waiting() {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

}  // namespace ballast::node
