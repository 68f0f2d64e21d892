#include "tools/simulate/simulate.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/multiprecision/cpp_int.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/subprocess.h"
#include "node/api/client.h"
#include "tools/cli/commands.h"
#include "tools/cli/decimal.h"
#include "tools/cli/local_node.h"
#include "tools/cli/output.h"
#include "tools/cli/system_file.h"
#include "tools/cli/vault_commands.h"
#include "tools/keeper/keeper.h"

namespace ballast::simulate {
namespace {

namespace fs = std::filesystem;
using absl::StrCat;
using json = nlohmann::json;
using Int = boost::multiprecision::cpp_int;

constexpr char kChain[] = "sim";
constexpr char kType[] = "tETH";
constexpr char kReserve[] = "tUSD";
constexpr uint32_t kPage = 100;
constexpr uint32_t kMaxExtraBlocks = 50;
constexpr size_t kLateShown = 5;
constexpr uint64_t kMaxU64 = ~uint64_t{0};
// Gas limits: a block takes transactions by their limits, so the
// simulator's are close to what its calls use (open_and_mint, liquidate and
// take each use under 2 M; a redemption of 32 positions up to ~10 M).
constexpr uint64_t kTxGas = 3'000'000;
constexpr uint64_t kTransferGas = 300'000;
constexpr uint64_t kRedeemGas = 30'000'000;

Int Pow10(int n) {
  Int r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

// A decimal the scenario checked, scaled by 10^18.
Int Dec(const std::string& text) {
  return Int(*cli::ParseScaled(text, kDecimalScale, "decimal"));
}

// v / 10^scale as a decimal with at most `digits` fraction digits (down).
std::string Format(const Int& v, int scale, int digits) {
  Int cut = v / Pow10(scale - digits);
  std::string text = *cli::FormatScaled(cut.str(), digits);
  return text;
}

std::string Units(uint64_t base) {
  return *cli::FormatScaled(StrCat(base), kStableDecimals);
}

// Checked narrowing of set-up amounts into the tokens' uint64.
absl::StatusOr<uint64_t> Narrow(const Int& v, const std::string& what) {
  if (v < 0 || v > Int(kMaxU64 / 2)) {
    return absl::InvalidArgumentError(
        StrCat("scenario: ", what, " (", v.str(),
               ") does not fit the tokens' uint64 amounts; lower "
               "positions.debt or the count, or raise the price"));
  }
  return static_cast<uint64_t>(v);
}

uint64_t U(const json& doc, const std::string& field) {
  auto v = cli::AnswerU64(doc, field);
  return v.ok() ? *v : 0;
}

// Contiguous runs of blocks, "12-15, 20".
std::string Ranges(const std::vector<uint32_t>& blocks) {
  std::vector<std::string> out;
  for (size_t i = 0; i < blocks.size();) {
    size_t j = i;
    while (j + 1 < blocks.size() && blocks[j + 1] == blocks[j] + 1) ++j;
    out.push_back(i == j ? StrCat(blocks[i])
                         : StrCat(blocks[i], "-", blocks[j]));
    i = j + 1;
  }
  return absl::StrJoin(out, ", ");
}

// Per-block record, for the CSV and the reasons of a miss.
struct BlockRecord {
  uint32_t block = 0;
  uint64_t height = 0;
  uint64_t unsafe = 0;
  uint64_t newly_unsafe = 0;
  bool hole_full = false;
  bool keeper_online = false;
  uint64_t keeper_capital = 0;
  uint64_t auction_debt = 0;
  uint64_t bad_debt = 0;
};

class Simulation {
 public:
  Simulation(const Scenario& s, const Options& o) : s_(s), o_(o) {}
  // Stops the miner and the node, then removes the work directory.
  ~Simulation() {
    StopMiner();
    node_.reset();
    if (!work_.empty()) {
      std::error_code ec;
      fs::remove_all(work_, ec);
    }
  }

  absl::StatusOr<Summary> Run();

 private:
  // ---- set-up ----
  // Creates the output directory and the work directory (keys, the node's
  // data), which the destructor removes.
  absl::Status MakeDirs();
  absl::Status StartNode();
  absl::Status Deploy();
  absl::Status FundOwners();
  // Opens the positions, then stops the miner and mines the empty block
  // the scenario's times count from.
  absl::Status OpenPositions();
  // The collateral of position i: ceil(debt * ratio_i / start price), its
  // ratio_i = ratio_min + (ratio_max - ratio_min)(i+1)/N.
  Int Collateral(uint32_t i) const;
  void StartMiner();
  void StopMiner();
  absl::Status AwaitMined(const std::vector<std::string>& hashes,
                          const std::string& what);

  // ---- the blocks ----
  absl::Status Block(uint32_t k);
  absl::Status Observe(uint32_t k, uint64_t height);
  absl::Status Submit(const std::string& key, const std::string& contract,
                      const std::string& method, const json& args,
                      std::vector<std::string>* hashes = nullptr);
  // A query at `height` (nullopt: the head).
  absl::StatusOr<json> Ask(const std::string& contract,
                           const std::string& method, const json& args,
                           std::optional<uint64_t> height);
  // The market price of block k (scaled by 10^18), linear along the path.
  Int Market(uint32_t k) const;
  bool Online(const KeeperSpec& k, uint32_t block) const {
    return block > k.offline_until && block % k.every_blocks == 0;
  }
  std::string KeyAddress(const std::string& name) const {
    return cli::Hex0x(keys_.at(name).address);
  }
  void Explain(Summary& summary) const;

  // ---- the benchmark ----
 public:
  absl::StatusOr<std::vector<BenchPhase>> Bench();

 private:
  struct Call {
    std::string key;
    std::string contract;
    std::string method;
    json args;
  };
  // Signs `calls` ahead, then submits them in order and waits until the
  // last is committed (the miner mines meanwhile); each must succeed.
  absl::StatusOr<BenchPhase> Timed(const std::string& name,
                                   const std::vector<Call>& calls);
  uint64_t GasOf(const std::string& method) const;

  const Scenario& s_;
  const Options& o_;
  std::string work_;
  std::unique_ptr<cli::LocalNode> node_;
  std::string url_;
  std::unique_ptr<api::Client> client_;
  std::ostringstream sink_;  // what the CLI's functions emit
  std::unique_ptr<cli::Session> session_;
  std::map<std::string, cli::StoredKey> keys_;
  std::vector<std::string> owners_;
  std::vector<std::string> keeper_names_;
  cli::SystemFile system_;
  const cli::SystemType* type_ = nullptr;
  const cli::SystemType* reserve_ = nullptr;
  std::vector<keeper::Keeper> keepers_;
  std::ofstream keeper_log_;
  std::ofstream csv_;

  std::thread miner_;
  std::atomic<bool> mining_{false};

  uint64_t starting_debt_ = 0;
  int64_t start_ms_ = 0;
  uint32_t extra_blocks_ = 0;
  Int price_scale_;  // 10^(collateral - stable decimals)

  // Tracking of unsafe positions: first block seen unsafe.
  std::map<uint64_t, uint32_t> unsafe_since_;
  uint32_t liquidated_ = 0;
  uint32_t worst_delay_ = 0;
  // The latest liquidations past the target: (delay, what), the worst first
  // (at most kLateShown).
  std::vector<std::pair<uint32_t, std::string>> late_;
  uint32_t late_count_ = 0;
  std::vector<BlockRecord> records_;
};

absl::Status Simulation::MakeDirs() {
  std::error_code ec;
  fs::create_directories(o_.out_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        StrCat("cannot create ", o_.out_dir, ": ", ec.message()));
  }
  char tmpl[] = "/tmp/ballast-simulate-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    return absl::InternalError("cannot create a temporary directory");
  }
  work_ = tmpl;
  return absl::OkStatus();
}

absl::Status Simulation::StartNode() {
  ASSIGN_OR_RETURN(
      node_, cli::LocalNode::Start(
                 o_.ballastd.empty() ? cli::DefaultBallastd() : o_.ballastd,
                 work_ + "/data",
                 {"--chain-id", kChain, "--dev", "--block-time", "manual",
                  "--log-level", "warn"},
                 o_.out_dir + "/node.log"));
  url_ = node_->url();
  ASSIGN_OR_RETURN(client_, api::Client::Create(url_));
  return absl::OkStatus();
}

// During set-up a thread mines a block whenever transactions wait, so the
// CLI's deploy (which awaits each receipt) goes on.
void Simulation::StartMiner() {
  mining_ = true;
  miner_ = std::thread([this] {
    auto client = api::Client::Create(url_);
    if (!client.ok()) return;
    while (mining_) {
      auto info = (*client)->Info();
      if (info.ok() && info->mempool_size() > 0) {
        api::DevMineRequest mine;
        mine.set_blocks(1);
        (void)(*client)->DevMine(mine);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
      }
    }
  });
}

void Simulation::StopMiner() {
  mining_ = false;
  if (miner_.joinable()) miner_.join();
}

absl::Status Simulation::Submit(const std::string& key,
                                const std::string& contract,
                                const std::string& method, const json& args,
                                std::vector<std::string>* hashes) {
  cli::TxOptions tx;
  tx.from = key;
  tx.gas = GasOf(method);
  ASSIGN_OR_RETURN(std::string hash,
                   cli::TransactAsync(*session_, keys_.at(key), contract,
                                      method, args, tx, method));
  if (hashes != nullptr) hashes->push_back(std::move(hash));
  return absl::OkStatus();
}

absl::StatusOr<json> Simulation::Ask(const std::string& contract,
                                     const std::string& method,
                                     const json& args,
                                     std::optional<uint64_t> height) {
  ASSIGN_OR_RETURN(api::QueryResponse r,
                   cli::QueryMethod(*session_, contract, method, args, height));
  return cli::QueryResult(r);
}

// Waits until the miner has committed every transaction of `hashes`; each
// must have succeeded.
absl::Status Simulation::AwaitMined(const std::vector<std::string>& hashes,
                                    const std::string& what) {
  for (const std::string& hash : hashes) {
    ASSIGN_OR_RETURN(api::TransactionView tx,
                     client_->WaitCommitted(hash, absl::Seconds(120)));
    if (tx.receipt().status() != ledger::RECEIPT_STATUS_SUCCESS) {
      return absl::AbortedError(
          StrCat("set-up: ", what, ": ", tx.receipt().error()));
    }
  }
  return absl::OkStatus();
}

Int Simulation::Market(uint32_t k) const {
  Int from = Dec(s_.start_price);
  uint32_t base = 0;
  for (const PriceSegment& seg : s_.path) {
    const Int to = Dec(seg.to);
    if (k <= base + seg.blocks) {
      return from + (to - from) * Int(k - base) / Int(seg.blocks);
    }
    base += seg.blocks;
    from = to;
  }
  return from;
}

absl::Status Simulation::Deploy() {
  keeper_log_.open(o_.out_dir + "/keepers.log");
  const std::string keys_dir = work_ + "/keys";
  cli::Keystore store(keys_dir);
  std::vector<std::string> names = {"admin", "market"};
  for (uint32_t i = 1; i <= s_.owners; ++i) {
    owners_.push_back(StrCat("owner-", i));
  }
  for (size_t i = 1; i <= s_.keepers.size(); ++i) {
    keeper_names_.push_back(StrCat("keeper-", i));
  }
  names.insert(names.end(), owners_.begin(), owners_.end());
  names.insert(names.end(), keeper_names_.begin(), keeper_names_.end());
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(keys_[name], store.Create(name));
  }
  cli::GlobalOptions global;
  global.node_url = url_;
  global.json = true;
  global.keys_dir = keys_dir;
  session_ = std::make_unique<cli::Session>(global, sink_);

  // Amounts of the set-up, all checked to fit the tokens.
  starting_debt_ = 0;
  std::vector<Int> need(s_.owners);  // collateral per owner
  price_scale_ = Pow10(kCollateralDecimals - kStableDecimals);
  Int total_coll = 0;
  for (uint32_t i = 0; i < s_.positions; ++i) {
    need[i % s_.owners] += Collateral(i);
    total_coll += Collateral(i);
  }
  RETURN_IF_ERROR(Narrow(total_coll, "all the collateral").status());
  ASSIGN_OR_RETURN(starting_debt_,
                   Narrow(Int(s_.debt) * s_.positions, "the starting debt"));
  Int most = 0;
  for (const Int& n : need) most = std::max(most, n);
  ASSIGN_OR_RETURN(uint64_t faucet, Narrow(most, "one owner's collateral"));
  // The market maker's stable: the keepers' capital, twice the starting
  // debt to buy collateral back, and the redemptions; its reserve
  // collateral at twice that (tUSD has the collateral's 8 decimals).
  Int capital = 0;
  for (const KeeperSpec& k : s_.keepers) {
    capital += Int(starting_debt_) * Dec(k.capital) / Pow10(kDecimalScale);
  }
  Int redeem = 0;
  for (const Redemption& r : s_.redemptions) {
    redeem += Int(starting_debt_) * Dec(r.amount) / Pow10(kDecimalScale);
  }
  ASSIGN_OR_RETURN(uint64_t mm_stable,
                   Narrow(capital + 2 * Int(starting_debt_) + redeem,
                          "the market maker's stable"));
  ASSIGN_OR_RETURN(uint64_t reserve, Narrow(Int(mm_stable) * 2 * price_scale_,
                                            "the market maker's reserve"));
  ASSIGN_OR_RETURN(uint64_t hole,
                   Narrow(std::max<Int>(1, Int(starting_debt_) * Dec(s_.hole) /
                                               Pow10(kDecimalScale)),
                          "the auction cap"));
  ASSIGN_OR_RETURN(uint64_t line, Narrow(4 * (Int(starting_debt_) + mm_stable),
                                         "the debt ceiling"));

  auto type = [&](const std::string& name, const std::string& symbol,
                  const std::string& price, uint64_t faucet_amount,
                  uint64_t type_line) {
    return json{{"name", name},
                {"token",
                 {{"name", StrCat("Simulated ", symbol)},
                  {"symbol", symbol},
                  {"decimals", kCollateralDecimals}}},
                {"price", price},
                {"faucet_amount", StrCat(faucet_amount)},
                {"liquidation_ratio", s_.liquidation_ratio},
                {"liquidation_penalty", s_.liquidation_penalty},
                {"line", StrCat(type_line)},
                {"dust", StrCat(s_.dust)},
                {"fee", s_.fee},
                {"hole", StrCat(hole)},
                {"tip", StrCat(s_.tip)},
                {"chip", s_.chip},
                {"redemption_fee", s_.redemption_fee}};
  };
  json config = {{"stable",
                  {{"name", "Ballast Dollar"},
                   {"symbol", "BUSD"},
                   {"decimals", kStableDecimals}}},
                 {"line", StrCat(line)},
                 {"hole", StrCat(hole)},
                 {"oracle",
                  {{"quorum", 1},
                   {"max_age_s", s_.max_age_s},
                   {"delay_s", s_.delay_s},
                   {"max_step", s_.max_step},
                   {"reporters", json::array()}}},
                 {"faucet", {{"period_s", 1}}},
                 {"auction",
                  {{"buf", s_.buf},
                   {"tail_s", s_.tail_s},
                   {"cusp", s_.cusp},
                   {"step_s", s_.step_s},
                   {"cut", s_.cut}}},
                 {"types",
                  {type(kType, kType, s_.start_price, faucet,
                        static_cast<uint64_t>(2 * starting_debt_)),
                   type(kReserve, kReserve, "1", reserve, 2 * mm_stable)}}};
  const std::string config_path = work_ + "/system-config.json";
  RETURN_IF_ERROR(WriteFileDurably(config_path, config.dump(2)));

  cli::SystemDeployArgs deploy;
  deploy.config_file = config_path;
  deploy.contracts_dir = o_.contracts_dir;
  deploy.system_file = work_ + "/system.json";
  deploy.tx.from = "admin";
  deploy.tx.timeout_seconds = 120;
  StartMiner();
  RETURN_IF_ERROR(cli::SystemDeploy(*session_, deploy));
  ASSIGN_OR_RETURN(system_, cli::System(*session_, deploy.system_file));
  ASSIGN_OR_RETURN(type_, system_.Type(kType));
  ASSIGN_OR_RETURN(reserve_, system_.Type(kReserve));

  // The market maker's stable, then the keepers' capital from it.
  std::vector<std::string> hashes;
  const std::string engine = cli::Hex0x(system_.engine);
  RETURN_IF_ERROR(Submit("market", system_.faucet, "drip",
                         {{"token", cli::Hex0x(reserve_->token)}}, &hashes));
  RETURN_IF_ERROR(Submit("market", reserve_->token, "approve",
                         {{"spender", engine}, {"amount", StrCat(kMaxU64)}},
                         &hashes));
  RETURN_IF_ERROR(Submit("market", system_.engine, "open_and_mint",
                         {{"type", reserve_->id},
                          {"collateral", StrCat(reserve)},
                          {"amount", StrCat(mm_stable)}},
                         &hashes));
  RETURN_IF_ERROR(Submit("market", system_.stable, "approve",
                         {{"spender", engine}, {"amount", StrCat(kMaxU64)}},
                         &hashes));
  for (size_t i = 0; i < s_.keepers.size(); ++i) {
    const Int amount =
        Int(starting_debt_) * Dec(s_.keepers[i].capital) / Pow10(kDecimalScale);
    RETURN_IF_ERROR(
        Submit("market", system_.stable, "transfer",
               {{"to", KeyAddress(keeper_names_[i])}, {"amount", amount.str()}},
               &hashes));
  }
  return AwaitMined(hashes, "the market maker and the keepers' capital");
}

absl::Status Simulation::FundOwners() {
  const std::string engine = cli::Hex0x(system_.engine);
  std::vector<std::string> hashes;
  for (const std::string& owner : owners_) {
    RETURN_IF_ERROR(Submit(owner, system_.faucet, "drip",
                           {{"token", cli::Hex0x(type_->token)}}, &hashes));
    RETURN_IF_ERROR(Submit(owner, type_->token, "approve",
                           {{"spender", engine}, {"amount", StrCat(kMaxU64)}},
                           &hashes));
  }
  return AwaitMined(hashes, "funding the owners");
}

Int Simulation::Collateral(uint32_t i) const {
  const Int lo = Dec(s_.ratio_min), hi = Dec(s_.ratio_max);
  const Int price = Dec(s_.start_price);
  const Int ratio = lo + (hi - lo) * Int(i + 1) / Int(s_.positions);
  return (Int(s_.debt) * ratio * price_scale_ + price - 1) / price;
}

absl::Status Simulation::OpenPositions() {
  std::vector<std::string> hashes;
  for (uint32_t i = 0; i < s_.positions; ++i) {
    RETURN_IF_ERROR(Submit(owners_[i % s_.owners], system_.engine,
                           "open_and_mint",
                           {{"type", type_->id},
                            {"collateral", Collateral(i).str()},
                            {"amount", StrCat(s_.debt)}},
                           &hashes));
  }
  RETURN_IF_ERROR(AwaitMined(hashes, "opening the positions"));
  StopMiner();
  // The first block of the scenario comes block_seconds after an empty
  // block that marks the start.
  api::DevMineRequest mine;
  mine.set_blocks(1);
  ASSIGN_OR_RETURN(api::DevMineResponse mined, client_->DevMine(mine));
  if (mined.blocks().empty()) return absl::InternalError("dev mine: no block");
  start_ms_ = mined.blocks().rbegin()->time_ms();
  return Observe(0, mined.blocks().rbegin()->height());
}

uint64_t Simulation::GasOf(const std::string& method) const {
  if (method == "redeem") return kRedeemGas;
  if (method == "transfer" || method == "approve") return kTransferGas;
  return kTxGas;
}

absl::StatusOr<BenchPhase> Simulation::Timed(const std::string& name,
                                             const std::vector<Call>& calls) {
  ASSIGN_OR_RETURN(api::InfoResponse info, client_->Info());
  std::map<std::string, api::ContractInterface> interfaces;
  std::map<std::string, uint64_t> nonces;
  std::vector<ledger::SignedTransaction> signed_txs;
  for (const Call& c : calls) {
    if (interfaces.count(c.contract) == 0) {
      ASSIGN_OR_RETURN(api::ContractInterface iface,
                       cli::FetchInterface(*client_, c.contract));
      interfaces.emplace(c.contract, std::move(iface));
    }
    const cli::StoredKey& key = keys_.at(c.key);
    if (nonces.count(c.key) == 0) {
      ASSIGN_OR_RETURN(nonces[c.key], client_->NextNonce(key.address));
    }
    ASSIGN_OR_RETURN(ledger::Transaction tx,
                     cli::CallTx(interfaces.at(c.contract), c.contract,
                                 c.method, c.args, c.method));
    signed_txs.push_back(cli::SignTx(key, std::move(tx), info.chain_id(),
                                     nonces[c.key]++, GasOf(c.method)));
  }
  ASSIGN_OR_RETURN(api::StatsResponse before, client_->Stats());
  const absl::Time t0 = absl::Now();
  std::vector<std::string> hashes;
  for (const ledger::SignedTransaction& stx : signed_txs) {
    ASSIGN_OR_RETURN(std::string hash, client_->Submit(stx));
    hashes.push_back(std::move(hash));
  }
  RETURN_IF_ERROR(AwaitMined(hashes, name));
  const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  ASSIGN_OR_RETURN(api::StatsResponse after, client_->Stats());
  BenchPhase phase;
  phase.name = name;
  phase.ops = static_cast<uint32_t>(calls.size());
  phase.seconds = seconds;
  phase.per_second = calls.size() / seconds;
  phase.gas_per_op = (after.gas_used() - before.gas_used()) / calls.size();
  phase.blocks = after.blocks() - before.blocks();
  return phase;
}

absl::StatusOr<std::vector<BenchPhase>> Simulation::Bench() {
  RETURN_IF_ERROR(MakeDirs());
  RETURN_IF_ERROR(StartNode());
  RETURN_IF_ERROR(Deploy());  // the miner runs from here on
  RETURN_IF_ERROR(FundOwners());
  const uint32_t n = s_.positions;
  std::vector<BenchPhase> phases;

  // open + deposit + mint: OpenPositions' transactions, signed ahead.
  {
    std::vector<Call> calls;
    for (uint32_t i = 0; i < n; ++i) {
      calls.push_back({owners_[i % s_.owners],
                       system_.engine,
                       "open_and_mint",
                       {{"type", type_->id},
                        {"collateral", Collateral(i).str()},
                        {"amount", StrCat(s_.debt)}}});
    }
    ASSIGN_OR_RETURN(BenchPhase p, Timed("open_and_mint", calls));
    phases.push_back(p);
  }
  // The baseline: stable transfers by the same senders.
  {
    std::vector<Call> calls;
    for (uint32_t i = 0; i < n; ++i) {
      calls.push_back({owners_[i % s_.owners],
                       system_.stable,
                       "transfer",
                       {{"to", KeyAddress("market")}, {"amount", "1"}}});
    }
    ASSIGN_OR_RETURN(BenchPhase p, Timed("transfer", calls));
    phases.push_back(p);
  }
  // A 10% drop makes every position unsafe (start ratios under 1.65).
  {
    const std::string drop =
        Format(Dec(s_.start_price) * 9 / 10, kDecimalScale, 6);
    ASSIGN_OR_RETURN(
        std::string ray,
        cli::ParsePrice(drop, kCollateralDecimals, kStableDecimals, "price"));
    std::vector<std::string> hashes;
    RETURN_IF_ERROR(
        Submit("admin", system_.oracle, "post",
               {{"feed", type_->feed},
                {"price", ray},
                {"time_ms", StrCat(absl::ToUnixMillis(absl::Now()))}},
               &hashes));
    RETURN_IF_ERROR(Submit(
        keeper_names_[0], system_.stable, "approve",
        {{"spender", cli::Hex0x(system_.engine)}, {"amount", StrCat(kMaxU64)}},
        &hashes));
    RETURN_IF_ERROR(AwaitMined(hashes, "the price drop"));
  }
  // Liquidations: the reserve position is id 1, the benchmark's 2..n+1.
  {
    std::vector<Call> calls;
    for (uint32_t i = 0; i < n; ++i) {
      calls.push_back({keeper_names_[0],
                       system_.engine,
                       "liquidate",
                       {{"id", StrCat(i + 2)}}});
    }
    ASSIGN_OR_RETURN(BenchPhase p, Timed("liquidate", calls));
    phases.push_back(p);
  }
  // Takes: every sale whole, at any price.
  {
    std::vector<Call> calls;
    std::string after = "0";
    while (calls.size() < n) {
      ASSIGN_OR_RETURN(json list,
                       Ask(type_->auction, "list",
                           {{"after", after}, {"limit", kPage}}, std::nullopt));
      const json sales = list.value("sales", json::array());
      if (sales.empty()) break;
      for (const json& sale : sales) {
        calls.push_back(
            {keeper_names_[0],
             type_->auction,
             "take",
             {{"sale", cli::AnswerText(sale, "sale")},
              {"amount", cli::AnswerText(sale, "lot")},
              {"max_price", "100000000000000000000000000000000000000"}}});
      }
      after = cli::AnswerText(list, "next");
      if (after.empty() || after == "0") break;
    }
    if (calls.size() != n) {
      return absl::InternalError(
          StrCat("bench: ", calls.size(), " sales running, expected ", n));
    }
    ASSIGN_OR_RETURN(BenchPhase p, Timed("take", calls));
    phases.push_back(p);
  }
  StopMiner();
  node_->Stop();
  return phases;
}

absl::Status Simulation::Block(uint32_t k) {
  const int64_t time_ms =
      start_ms_ + static_cast<int64_t>(k) * s_.block_seconds * 1000;
  // 1. The oracle, `lag` blocks behind the market.
  if (k % s_.interval_blocks == 0) {
    if (k > s_.lag_blocks) {
      const uint32_t seen = k - s_.lag_blocks;
      const std::string price = Format(Market(seen), kDecimalScale, 9);
      ASSIGN_OR_RETURN(std::string ray,
                       cli::ParsePrice(price, kCollateralDecimals,
                                       kStableDecimals, "price"));
      RETURN_IF_ERROR(Submit(
          "admin", system_.oracle, "post",
          {{"feed", type_->feed},
           {"price", ray},
           {"time_ms", StrCat(start_ms_ + static_cast<int64_t>(seen) *
                                              s_.block_seconds * 1000)}}));
    }
    ASSIGN_OR_RETURN(
        std::string one,
        cli::ParsePrice("1", kCollateralDecimals, kStableDecimals, "price"));
    RETURN_IF_ERROR(Submit("admin", system_.oracle, "post",
                           {{"feed", reserve_->feed},
                            {"price", one},
                            {"time_ms", StrCat(time_ms)}}));
  }
  // 2. The external market buys what the keepers hold.
  const uint64_t head = records_.back().height;
  const Int market = Market(k);
  const Int keep = Pow10(kDecimalScale) - Dec(s_.discount);
  for (const std::string& name : keeper_names_) {
    ASSIGN_OR_RETURN(json bal, Ask(type_->token, "balance_of",
                                   {{"owner", KeyAddress(name)}}, head));
    const uint64_t amount = U(bal, "balance");
    if (amount == 0) continue;
    const Int pay =
        Int(amount) * market * keep / (Pow10(2 * kDecimalScale) * price_scale_);
    RETURN_IF_ERROR(
        Submit(name, type_->token, "transfer",
               {{"to", KeyAddress("market")}, {"amount", StrCat(amount)}}));
    if (pay > 0) {
      RETURN_IF_ERROR(
          Submit("market", system_.stable, "transfer",
                 {{"to", KeyAddress(name)}, {"amount", pay.str()}}));
    }
  }
  // 3. The keepers, on the state after block k-1.
  for (size_t i = 0; i < keepers_.size(); ++i) {
    if (!Online(s_.keepers[i], k)) continue;
    RETURN_IF_ERROR(keepers_[i].Step().status());
  }
  // 4. Redemptions.
  for (const Redemption& r : s_.redemptions) {
    if (r.block != k) continue;
    const Int amount =
        Int(starting_debt_) * Dec(r.amount) / Pow10(kDecimalScale);
    if (amount == 0) continue;
    ASSIGN_OR_RETURN(std::string max_fee, cli::ParseRay("0.5", "max fee"));
    RETURN_IF_ERROR(Submit("market", system_.engine, "redeem",
                           {{"type", type_->id},
                            {"amount", amount.str()},
                            {"max_positions", 32},
                            {"max_fee", max_fee}}));
  }
  // 5. Mine at the block's time, more blocks at it while transactions wait.
  api::DevMineRequest mine;
  mine.set_blocks(1);
  mine.set_time_ms(time_ms);
  ASSIGN_OR_RETURN(api::DevMineResponse mined, client_->DevMine(mine));
  for (uint32_t extra = 0; mined.pending() > 0; ++extra) {
    if (extra == kMaxExtraBlocks) {
      return absl::ResourceExhaustedError(
          StrCat("block ", k, ": transactions still wait after ",
                 kMaxExtraBlocks, " extra blocks"));
    }
    ++extra_blocks_;
    ASSIGN_OR_RETURN(mined, client_->DevMine(mine));
  }
  if (mined.blocks().empty()) return absl::InternalError("dev mine: no block");
  return Observe(k, mined.blocks().rbegin()->height());
}

absl::Status Simulation::Observe(uint32_t k, uint64_t h) {
  auto fail = [&](const std::string& what) {
    return absl::InternalError(StrCat("invariant broken after block ", k,
                                      " (height ", h, "): ", what));
  };
  ASSIGN_OR_RETURN(json reserves,
                   Ask(system_.engine, "reserves", json::object(), h));
  ASSIGN_OR_RETURN(json books,
                   Ask(system_.engine, "accounting", json::object(), h));
  ASSIGN_OR_RETURN(json global,
                   Ask(system_.engine, "global", json::object(), h));
  ASSIGN_OR_RETURN(json minters,
                   Ask(system_.stable, "minters", json::object(), h));

  // The books, exactly.
  auto big = [&](const std::string& field) {
    const std::string text = cli::AnswerText(books, field);
    return text.empty() ? Int(0) : Int(text);
  };
  const Int left =
      Int(U(books, "stable_supply")) * Pow10(cli::kRayDigits) + big("surplus");
  const Int right =
      big("debt") + big("auction_debt") + big("bad_debt") + big("settled");
  if (left != right) {
    return fail(StrCat(
        "stable_supply*RAY + surplus = ", left.str(),
        " but debt + auction_debt + bad_debt + settled = ", right.str()));
  }
  // Only the engine mints.
  const json list = minters.value("minters", json::array());
  if (list.size() != 1 || list[0] != cli::Hex0x(system_.engine)) {
    return fail(StrCat("the stable token's minters are ", list.dump()));
  }
  // Collateral, per type: token balances against the books.
  json stressed;
  for (const json& t : reserves.value("types", json::array())) {
    const uint32_t id = static_cast<uint32_t>(U(t, "type"));
    ASSIGN_OR_RETURN(const cli::SystemType* st, system_.TypeById(id));
    ASSIGN_OR_RETURN(json info,
                     Ask(system_.engine, "type_info", {{"type", id}}, h));
    ASSIGN_OR_RETURN(json sale, Ask(st->auction, "info", json::object(), h));
    if (U(t, "collateral") != U(info, "collateral") + U(info, "pool")) {
      return fail(StrCat(st->name, ": the engine holds ", U(t, "collateral"),
                         " but its books say ", U(info, "collateral"), " + ",
                         U(info, "pool")));
    }
    if (U(t, "in_auction") != U(sale, "lot")) {
      return fail(StrCat(st->name, ": the auction holds ", U(t, "in_auction"),
                         " but its running lots are ", U(sale, "lot")));
    }
    if (id == type_->id) stressed = t;
  }

  // Unsafe positions of the stressed type at the oracle price.
  BlockRecord rec;
  rec.block = k;
  rec.height = h;
  std::set<uint64_t> unsafe;
  auto count = Ask(system_.engine, "unsafe_count", {{"type", type_->id}}, h);
  if (count.ok()) {
    rec.unsafe = U(*count, "unsafe");
    bool more = true;
    for (uint64_t rank = 0; more && rank < rec.unsafe;) {
      ASSIGN_OR_RETURN(
          json page,
          Ask(system_.engine, "positions_by_ratio",
              {{"type", type_->id}, {"rank", StrCat(rank)}, {"limit", kPage}},
              h));
      const json positions = page.value("positions", json::array());
      if (positions.empty()) break;
      for (const json& p : positions) {
        more = more && !p.value("safe", true);  // least collateralized first
        if (more) unsafe.insert(U(p, "id"));
      }
      rank += positions.size();
    }
  }
  for (uint64_t id : unsafe) {
    if (unsafe_since_.emplace(id, k).second) ++rec.newly_unsafe;
  }
  for (auto it = unsafe_since_.begin(); it != unsafe_since_.end();) {
    if (unsafe.count(it->first) != 0) {
      ++it;
      continue;
    }
    ASSIGN_OR_RETURN(json p, Ask(system_.engine, "position",
                                 {{"id", StrCat(it->first)}}, h));
    if (U(p, "art") == 0) {
      const uint32_t delay = k - it->second;
      ++liquidated_;
      worst_delay_ = std::max(worst_delay_, delay);
      if (delay > s_.target_liquidation_blocks) {
        ++late_count_;
        late_.emplace_back(
            delay,
            StrCat("position ", it->first, " unsafe after block ", it->second,
                   ", liquidated in block ", k, " (", delay, " blocks)"));
        std::stable_sort(
            late_.begin(), late_.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
        if (late_.size() > kLateShown) late_.resize(kLateShown);
      }
    }
    it = unsafe_since_.erase(it);
  }

  // The row.
  for (const std::string& name : keeper_names_) {
    ASSIGN_OR_RETURN(json bal, Ask(system_.stable, "balance_of",
                                   {{"owner", KeyAddress(name)}}, h));
    rec.keeper_capital += U(bal, "balance");
  }
  rec.auction_debt = U(stressed, "auction_debt");
  rec.bad_debt = U(reserves, "bad_debt");
  rec.hole_full = U(global, "dirt") * 100 >= U(global, "hole") * 95;
  for (size_t i = 0; i < s_.keepers.size(); ++i) {
    rec.keeper_online = rec.keeper_online || Online(s_.keepers[i], k + 1);
  }
  const std::string oracle_ray = cli::AnswerText(stressed, "price");
  std::string oracle = "";
  if (!oracle_ray.empty()) {
    oracle =
        *cli::FormatPrice(oracle_ray, kCollateralDecimals, kStableDecimals);
  }
  csv_ << k << ',' << h << ',' << (k * static_cast<uint64_t>(s_.block_seconds))
       << ',' << Format(Market(k), kDecimalScale, 6) << ',' << oracle << ','
       << Units(U(stressed, "debt")) << ','
       << Format(Int(cli::AnswerText(stressed, "value").empty()
                         ? std::string("0")
                         : cli::AnswerText(stressed, "value")),
                 kStableDecimals, kStableDecimals)
       << ',' << rec.unsafe << ',' << Units(rec.auction_debt) << ','
       << Units(rec.bad_debt) << ',' << Units(U(reserves, "surplus")) << ','
       << Units(rec.keeper_capital) << ',' << liquidated_ << '\n';
  csv_.flush();
  if (o_.progress != nullptr) {
    *o_.progress << "block " << k << "/" << s_.blocks() << ": market "
                 << Format(Market(k), kDecimalScale, 2) << ", oracle " << oracle
                 << ", unsafe " << rec.unsafe << ", liquidated " << liquidated_
                 << ", auction debt " << Units(rec.auction_debt)
                 << ", bad debt " << Units(rec.bad_debt) << std::endl;
  }
  records_.push_back(rec);
  return absl::OkStatus();
}

void Simulation::Explain(Summary& summary) const {
  if (!summary.liquidation_target_met) {
    summary.why.push_back(
        StrCat(summary.late, " positions liquidated later than ",
               s_.target_liquidation_blocks,
               " blocks after turning unsafe, and ", summary.still_unsafe,
               " still unsafe at the end past it; the worst "
               "delay was ",
               summary.worst_delay, " blocks"));
    for (const auto& [delay, what] : late_) summary.why.push_back(what);
    std::vector<uint32_t> full, offline;
    uint64_t peak = 0;
    uint32_t peak_block = 0;
    for (const BlockRecord& r : records_) {
      if (r.hole_full) full.push_back(r.block);
      if (!r.keeper_online) offline.push_back(r.block + 1);
      if (r.newly_unsafe > peak) {
        peak = r.newly_unsafe;
        peak_block = r.block;
      }
    }
    if (!full.empty()) {
      summary.why.push_back(StrCat(
          "the cap on debt under auction (hole) was at least 95% used after "
          "blocks ",
          Ranges(full), ": liquidations waited for sales to clear"));
    }
    if (!offline.empty()) {
      summary.why.push_back(
          StrCat("no keeper acted in blocks ", Ranges(offline)));
    }
    uint32_t most = 0;
    for (const KeeperSpec& k : s_.keepers) {
      most = std::max(most, k.max_liquidations);
    }
    if (peak > most) {
      summary.why.push_back(StrCat(peak, " positions turned unsafe in block ",
                                   peak_block,
                                   ", more than a keeper "
                                   "liquidates in a step (",
                                   most, ")"));
    }
  }
  if (!summary.bad_debt_target_met) {
    std::vector<uint32_t> grew;
    uint64_t before = 0, least_capital = kMaxU64;
    for (const BlockRecord& r : records_) {
      if (r.bad_debt > before) {
        grew.push_back(r.block);
        least_capital = std::min(least_capital, r.keeper_capital);
      }
      before = r.bad_debt;
    }
    summary.why.push_back(StrCat(
        "bad debt ", Units(summary.bad_debt), " BUSD is ",
        summary.bad_debt_share, " of the starting debt, above the target ",
        s_.target_bad_debt, "; it grew in blocks ", Ranges(grew),
        ", when the keepers held as little as ",
        Units(least_capital == kMaxU64 ? 0 : least_capital),
        " BUSD: sales reset or closed with their tab unraised"));
  }
}

absl::StatusOr<Summary> Simulation::Run() {
  RETURN_IF_ERROR(MakeDirs());
  const absl::Time t0 = absl::Now();
  RETURN_IF_ERROR(StartNode());
  csv_.open(o_.out_dir + "/blocks.csv");
  csv_ << "block,height,time_s,market_price,oracle_price,debt,"
          "collateral_value,unsafe_positions,auction_debt,bad_debt,surplus,"
          "keeper_capital,liquidated\n";
  RETURN_IF_ERROR(Deploy());
  RETURN_IF_ERROR(FundOwners());
  RETURN_IF_ERROR(OpenPositions());
  for (size_t i = 0; i < s_.keepers.size(); ++i) {
    keeper::KeeperOptions options;
    options.margin = s_.keepers[i].margin;
    options.max_liquidations = s_.keepers[i].max_liquidations;
    options.tx.from = keeper_names_[i];
    options.tx.gas = kTxGas;
    options.await_receipts = false;
    ASSIGN_OR_RETURN(
        keeper::Keeper k,
        keeper::Keeper::Create(session_.get(), keys_.at(keeper_names_[i]),
                               system_, options, &keeper_log_));
    keepers_.push_back(std::move(k));
  }
  const absl::Time t1 = absl::Now();
  for (uint32_t k = 1; k <= s_.blocks(); ++k) RETURN_IF_ERROR(Block(k));

  Summary summary;
  summary.scenario = s_.name;
  summary.positions = s_.positions;
  summary.blocks = s_.blocks();
  summary.starting_debt = starting_debt_;
  summary.liquidated = liquidated_;
  summary.worst_delay = worst_delay_;
  summary.late = late_count_;
  summary.unsafe_at_end = static_cast<uint32_t>(unsafe_since_.size());
  for (const auto& [id, since] : unsafe_since_) {
    const uint32_t age = s_.blocks() - since;
    summary.worst_delay = std::max(summary.worst_delay, age);
    if (age > s_.target_liquidation_blocks) ++summary.still_unsafe;
  }
  summary.bad_debt = records_.back().bad_debt;
  const Int share =
      Int(summary.bad_debt) * Pow10(kDecimalScale) / starting_debt_;
  summary.bad_debt_share = Format(share, kDecimalScale, 6);
  summary.liquidation_target_met =
      summary.late == 0 && summary.still_unsafe == 0;
  summary.bad_debt_target_met = share <= Dec(s_.target_bad_debt);
  summary.extra_blocks = extra_blocks_;
  summary.setup_seconds = absl::ToDoubleSeconds(t1 - t0);
  summary.run_seconds = absl::ToDoubleSeconds(absl::Now() - t1);
  Explain(summary);
  node_->Stop();
  csv_.close();
  RETURN_IF_ERROR(WriteFileDurably(o_.out_dir + "/summary.json",
                                   summary.ToJson().dump(2) + "\n"));
  return summary;
}

// gnuplot, if asked; a missing plotter is an error that says how to get it.
absl::Status Plot(const std::string& dir, const std::string& script) {
  const std::string path = dir + "/chart.gp";
  RETURN_IF_ERROR(WriteFileDurably(path, script));
  RunResult r = ballast::Run({"/usr/bin/gnuplot", path}, {}, "",
                             std::chrono::seconds(60));
  if (r.exit_code != 0) {
    return absl::FailedPreconditionError(StrCat(
        "gnuplot failed (is gnuplot-nox installed? tools/bootstrap installs "
        "it; --no-chart skips charts): ",
        r.error, r.err));
  }
  return absl::OkStatus();
}

std::string ChartScript(const std::string& dir, const std::string& title) {
  const std::string csv = dir + "/blocks.csv";
  return StrCat(
      "set terminal pngcairo size 1100,1000 font ',10'\n", "set output '", dir,
      "/chart.png'\n", "set datafile separator ','\n", "set key top right\n",
      "set grid\n", "set multiplot layout 3,1 title '", title, "'\n",
      "set ylabel 'price (BUSD per tETH)'\n", "plot '", csv,
      "' using 1:4 with lines lw 2 title 'market', '", csv,
      "' using 1:5 with lines lw 2 dt 2 title 'oracle'\n",
      "set ylabel 'BUSD'\n", "plot '", csv,
      "' using 1:6 with lines lw 2 title 'debt', '", csv,
      "' using 1:7 with lines lw 2 title 'collateral value', '", csv,
      "' using 1:9 with lines lw 2 title 'debt under auction'\n",
      "set xlabel 'block'\n", "set ylabel 'BUSD'\n",
      "set y2label 'positions'\n", "set y2tics\n", "plot '", csv,
      "' using 1:10 with lines lw 2 title 'bad debt', '", csv,
      "' using 1:11 with lines lw 2 title 'surplus', '", csv,
      "' using 1:8 axes x1y2 with lines lw 1 title 'unsafe positions', '", csv,
      "' using 1:13 axes x1y2 with lines lw 1 title 'liquidated'\n",
      "unset multiplot\n");
}

}  // namespace

json Summary::ToJson() const {
  return json{{"scenario", scenario},
              {"positions", positions},
              {"blocks", blocks},
              {"starting_debt", Units(starting_debt)},
              {"liquidated", liquidated},
              {"worst_delay_blocks", worst_delay},
              {"late", late},
              {"still_unsafe", still_unsafe},
              {"unsafe_at_end", unsafe_at_end},
              {"bad_debt", Units(bad_debt)},
              {"bad_debt_share", bad_debt_share},
              {"targets",
               {{"liquidation", liquidation_target_met},
                {"bad_debt", bad_debt_target_met},
                {"met", targets_met()}}},
              {"why", why},
              {"extra_blocks", extra_blocks},
              {"setup_seconds", setup_seconds},
              {"run_seconds", run_seconds},
              {"invariants", "held after every block"}};
}

std::string Summary::Text() const {
  std::string out = StrCat(
      "scenario ", scenario, ": ", positions, " positions, ", blocks,
      " blocks\n", "starting debt ", Units(starting_debt), " BUSD\n",
      "liquidated ", liquidated, " positions; worst delay ", worst_delay,
      " blocks: ", liquidation_target_met ? "target met" : "TARGET MISSED",
      unsafe_at_end > 0 ? StrCat(" (", unsafe_at_end, " unsafe at the end)")
                        : "",
      "\n", "bad debt ", Units(bad_debt), " BUSD, ", bad_debt_share,
      " of the starting debt: ",
      bad_debt_target_met ? "target met" : "TARGET MISSED", "\n",
      "invariants held after every block\n");
  for (const std::string& w : why) absl::StrAppend(&out, "  why: ", w, "\n");
  absl::StrAppend(&out, "set-up ", static_cast<int>(setup_seconds), " s, run ",
                  static_cast<int>(run_seconds), " s",
                  extra_blocks > 0 ? StrCat(", ", extra_blocks,
                                            " extra blocks for full ones")
                                   : "",
                  "\n");
  return out;
}

absl::StatusOr<Summary> Run(const Scenario& scenario, const Options& options) {
  Simulation sim(scenario, options);
  ASSIGN_OR_RETURN(Summary summary, sim.Run());
  if (options.chart) {
    RETURN_IF_ERROR(
        Plot(options.out_dir, ChartScript(options.out_dir, scenario.name)));
  }
  return summary;
}

absl::StatusOr<std::vector<BenchPhase>> BenchVault(
    const BenchOptions& options) {
  if (options.operations < 8 || options.operations > 5000) {
    return absl::InvalidArgumentError("bench: operations must be 8..5000");
  }
  Scenario s;
  s.name = "bench";
  s.positions = options.operations;
  s.owners = 8;
  s.debt = 2'000'000'000;  // 2,000 BUSD each
  s.ratio_min = "1.55";
  s.ratio_max = "1.65";
  s.start_price = "2000";
  s.path = {{1, "2000"}};
  s.max_step = "0";
  s.discount = "0";
  s.keepers = {{"3", "0", 1, 0, 20}};  // capital for every take
  s.liquidation_ratio = "1.5";
  s.liquidation_penalty = "1.13";
  s.dust = 100'000'000;
  s.hole = "10";
  s.buf = "1.05";
  s.tail_s = 86'400;
  s.cusp = "0.1";
  s.step_s = 60;
  s.cut = "0.99";
  s.target_bad_debt = "1";
  Options o;
  o.out_dir = options.out_dir;
  o.ballastd = options.ballastd;
  o.contracts_dir = options.contracts_dir;
  Simulation sim(s, o);
  return sim.Bench();
}

absl::StatusOr<std::vector<SweepPoint>> Sweep(
    const json& scenario_doc, const std::string& param,
    const std::vector<std::string>& values, const Options& options) {
  if (values.empty() || values.size() > 20) {
    return absl::InvalidArgumentError("sweep: give 1 to 20 values");
  }
  std::vector<SweepPoint> points;
  std::ostringstream csv;
  csv << "value,bad_debt,bad_debt_share,worst_delay_blocks,late,"
         "still_unsafe,liquidated\n";
  for (const std::string& value : values) {
    json doc = scenario_doc;
    RETURN_IF_ERROR(SetField(doc, param, value));
    auto scenario = ParseScenario(doc);
    if (!scenario.ok()) {
      return absl::InvalidArgumentError(StrCat(
          "sweep ", param, "=", value, ": ", scenario.status().message()));
    }
    Options one = options;
    one.out_dir = StrCat(options.out_dir, "/", param, "=", value);
    ASSIGN_OR_RETURN(Summary summary, Run(*scenario, one));
    csv << value << ',' << Units(summary.bad_debt) << ','
        << summary.bad_debt_share << ',' << summary.worst_delay << ','
        << summary.late << ',' << summary.still_unsafe << ','
        << summary.liquidated << '\n';
    points.push_back({value, std::move(summary)});
  }
  const std::string dir = options.out_dir;
  RETURN_IF_ERROR(WriteFileDurably(dir + "/sweep.csv", csv.str()));
  if (options.chart) {
    const std::string data = dir + "/sweep.csv";
    RETURN_IF_ERROR(Plot(
        dir, StrCat("set terminal pngcairo size 900,500 font ',10'\n",
                    "set output '", dir, "/sweep.png'\n",
                    "set datafile separator ','\n", "set grid\n",
                    "set title 'bad debt and liquidation delay against ", param,
                    "'\n", "set xlabel '", param, "'\n",
                    "set ylabel 'bad debt (share of starting debt)'\n",
                    "set y2label 'worst delay (blocks)'\n", "set y2tics\n",
                    "set style data linespoints\n", "plot '", data,
                    "' using 0:3:xtic(1) lw 2 title 'bad debt share', '", data,
                    "' using 0:4 axes x1y2 lw 2 title 'worst delay'\n")));
  }
  return points;
}

}  // namespace ballast::simulate
