#include "tools/keeper/keeper.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "tools/cli/decimal.h"
#include "tools/cli/output.h"
#include "tools/cli/vault_commands.h"

namespace ballast::keeper {
namespace {

using json = nlohmann::json;
using u128 = unsigned __int128;

// Fraction digits of the margin.
constexpr int kMarginDigits = 18;
constexpr uint64_t kMarginOne = 1'000'000'000'000'000'000ull;
// Sales read per `list` page, and the most pages per type per step.
constexpr int kPage = 100;
constexpr int kMaxPages = 100;
constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

std::string U128Text(u128 v) {
  if (v == 0) return "0";
  std::string out;
  while (v != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return std::string(out.rbegin(), out.rend());
}

// A uint64 field of a contract's JSON answer (proto3 JSON: strings; absent
// means 0).
// A RAY ratio as a decimal ("1.25"); kept as is if it is not one.
std::string RatioText(const std::string& ray) {
  auto r = cli::FormatRay(ray);
  return r.ok() ? *r : ray;
}

// The node could not be asked (down, restarting, too slow): the step ends
// and Run backs off. Anything else is an answer about the state.
bool NodeTrouble(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s);
}

// 192-bit products of a 128-bit and a 64-bit integer, to compare exactly.
struct U192 {
  uint64_t hi = 0;
  u128 lo = 0;  // low 128 bits
};
U192 Mul(u128 a, uint64_t b) {
  const u128 low = static_cast<u128>(static_cast<uint64_t>(a)) * b;
  const u128 high = static_cast<u128>(static_cast<uint64_t>(a >> 64)) * b;
  // a * b = high * 2^64 + low.
  U192 r;
  r.lo = low + (high << 64);
  const uint64_t carry = r.lo < low ? 1 : 0;
  r.hi = static_cast<uint64_t>(high >> 64) + carry;
  return r;
}
bool LessOrEqual(const U192& a, const U192& b) {
  return a.hi != b.hi ? a.hi < b.hi : a.lo <= b.lo;
}

const u128 kRay = [] {
  u128 r = 1;
  for (int i = 0; i < cli::kRayDigits; ++i) r *= 10;
  return r;
}();

}  // namespace

absl::StatusOr<u128> ParseU128(std::string_view text, std::string_view what) {
  RETURN_IF_ERROR(cli::CheckInteger(text, what));
  u128 v = 0;
  for (char c : text) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

bool PriceWithinMargin(u128 price, u128 oracle, uint64_t margin) {
  // price * 10^18 <= oracle * (10^18 - margin)
  return LessOrEqual(Mul(price, kMarginOne), Mul(oracle, kMarginOne - margin));
}

uint64_t AffordableAmount(u128 price, uint64_t capital, uint64_t lot) {
  if (price == 0) return lot;
  // ceil(a * price / RAY) <= capital  <=>  a * price <= capital * RAY.
  const U192 budget = Mul(kRay, capital);
  uint64_t lo = 0, hi = lot;  // lo affordable; find the largest
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2 + (hi - lo) % 2;
    if (LessOrEqual(Mul(price, mid), budget)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

uint64_t TakeCost(u128 price, uint64_t amount) {
  // The least c with c * RAY >= amount * price (saturating at 2^64 - 1).
  const U192 bill = Mul(price, amount);
  uint64_t lo = 0, hi = ~uint64_t{0};
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (LessOrEqual(bill, Mul(kRay, mid))) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

absl::StatusOr<Keeper> Keeper::Create(cli::Session* session, cli::StoredKey key,
                                      cli::SystemFile system,
                                      KeeperOptions options,
                                      std::ostream* log) {
  ASSIGN_OR_RETURN(std::string scaled,
                   cli::ParseScaled(options.margin, kMarginDigits, "margin"));
  ASSIGN_OR_RETURN(u128 margin, ParseU128(scaled, "margin"));
  if (margin >= kMarginOne) {
    return absl::InvalidArgumentError(
        StrCat("margin: must be below 1, got ", options.margin));
  }
  if (options.max_liquidations == 0) {
    return absl::InvalidArgumentError(
        "max liquidations per step: must be >= 1");
  }
  return Keeper(session, std::move(key), std::move(system), std::move(options),
                log, static_cast<uint64_t>(margin));
}

Keeper::Keeper(cli::Session* session, cli::StoredKey key,
               cli::SystemFile system, KeeperOptions options, std::ostream* log,
               uint64_t margin)
    : session_(session),
      key_(std::move(key)),
      system_(std::move(system)),
      options_(std::move(options)),
      log_(log),
      margin_(margin) {}

void Keeper::Log(json entry) {
  json line = {{"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                         absl::UTCTimeZone())},
               {"height", height_}};
  line.update(entry);
  *log_ << line.dump() << std::endl;  // one line, flushed: others tail it
}

bool Keeper::Submit(json entry, std::string_view contract,
                    std::string_view method, const json& args, json* result) {
  if (!options_.await_receipts) {
    auto hash = cli::TransactAsync(*session_, key_, contract, method, args,
                                   options_.tx, method);
    entry["submitted"] = hash.ok();
    if (hash.ok()) {
      entry["tx"] = cli::Hex0x(*hash);
    } else {
      entry["error"] = std::string(hash.status().message());
    }
    Log(std::move(entry));
    return hash.ok();
  }
  std::string hash;
  auto r = cli::Transact(*session_, key_, contract, method, args, options_.tx,
                         method, &hash);
  if (!hash.empty()) entry["tx"] = cli::Hex0x(hash);
  entry["ok"] = r.ok();
  if (!r.ok()) {
    entry["error"] = std::string(r.status().message());
    Log(std::move(entry));
    return false;
  }
  if (result != nullptr) *result = *r;
  Log(std::move(entry));
  return true;
}

absl::StatusOr<StepReport> Keeper::Step() {
  ASSIGN_OR_RETURN(api::Client * node, session_->Node());
  ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
  StepReport report;
  report.height = height_ = info.height();
  int budget = static_cast<int>(options_.max_liquidations);
  for (const cli::SystemType& t : system_.types) {
    RETURN_IF_ERROR(Liquidate(t, report.height, &budget, report));
  }
  // Capital: the stable balance at H, at most max_capital.
  ASSIGN_OR_RETURN(
      api::QueryResponse bal,
      cli::QueryMethod(*session_, system_.stable, "balance_of",
                       {{"owner", cli::Hex0x(key_.address)}}, report.height));
  ASSIGN_OR_RETURN(json balance, cli::QueryResult(bal));
  ASSIGN_OR_RETURN(uint64_t capital, cli::AnswerU64(balance, "balance"));
  if (options_.max_capital) capital = std::min(capital, *options_.max_capital);
  for (const cli::SystemType& t : system_.types) {
    if (t.auction.empty()) continue;
    RETURN_IF_ERROR(Auctions(t, report.height, &capital, report));
  }
  return report;
}

absl::Status Keeper::Liquidate(const cli::SystemType& t, uint64_t height,
                               int* budget, StepReport& report) {
  // The engine refuses to liquidate a type with no auction to sell in.
  if (*budget <= 0 || t.auction.empty()) return absl::OkStatus();
  auto ask = [&](std::string_view method,
                 const json& args) -> absl::StatusOr<json> {
    ASSIGN_OR_RETURN(
        api::QueryResponse r,
        cli::QueryMethod(*session_, system_.engine, method, args, height));
    return cli::QueryResult(r);
  };
  auto count = ask("unsafe_count", {{"type", t.id}});
  if (!count.ok()) {
    if (NodeTrouble(count.status())) return count.status();
    // E.g. a stale price: nothing can be liquidated at it.
    Log({{"action", "skip"},
         {"type", t.name},
         {"error", std::string(count.status().message())}});
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(uint64_t unsafe, cli::AnswerU64(*count, "unsafe"));
  if (unsafe == 0) return absl::OkStatus();
  const uint64_t limit =
      std::min<uint64_t>({unsafe, static_cast<uint64_t>(*budget), kPage});
  ASSIGN_OR_RETURN(json page,
                   ask("positions_by_ratio",
                       {{"type", t.id}, {"rank", "0"}, {"limit", limit}}));
  for (const json& p : page.value("positions", json::array())) {
    if (p.value("safe", true)) break;  // least collateralized first
    if (*budget <= 0) break;
    --*budget;
    const std::string id = cli::AnswerText(p, "id");
    json entry = {{"action", "liquidate"},
                  {"type", t.name},
                  {"position", id},
                  {"ratio", RatioText(cli::AnswerText(p, "ratio"))}};
    json r;
    if (Submit(entry, system_.engine, "liquidate", {{"id", id}}, &r)) {
      ++report.liquidated;
      if (!options_.await_receipts) continue;
      Log({{"action", "liquidated"},
           {"type", t.name},
           {"position", id},
           {"sale", cli::AnswerText(r, "sale")},
           {"collateral", cli::AnswerText(r, "collateral")},
           {"debt", cli::AnswerText(r, "debt")},
           {"tab", cli::AnswerText(r, "tab")},
           {"reward", cli::AnswerText(r, "reward")}});
    } else {
      ++report.refused;
    }
  }
  return absl::OkStatus();
}

absl::Status Keeper::EnsureAllowance(uint64_t height, uint64_t amount) {
  // Reads at `height` do not see an approval made in this step.
  if (approved_) return absl::OkStatus();
  ASSIGN_OR_RETURN(api::QueryResponse r,
                   cli::QueryMethod(*session_, system_.stable, "allowance",
                                    {{"owner", cli::Hex0x(key_.address)},
                                     {"spender", cli::Hex0x(system_.engine)}},
                                    height));
  ASSIGN_OR_RETURN(json doc, cli::QueryResult(r));
  ASSIGN_OR_RETURN(uint64_t allowance, cli::AnswerU64(doc, "allowance"));
  if (allowance >= amount) return absl::OkStatus();
  // The engine burns a buyer's payment: approve it once for everything.
  const bool ok = Submit(
      {{"action", "approve"}, {"amount", StrCat(kMaxU64)}}, system_.stable,
      "approve",
      {{"spender", cli::Hex0x(system_.engine)}, {"amount", StrCat(kMaxU64)}},
      nullptr);
  if (!ok) return absl::FailedPreconditionError("could not approve the engine");
  approved_ = true;
  return absl::OkStatus();
}

absl::Status Keeper::Auctions(const cli::SystemType& t, uint64_t height,
                              uint64_t* capital, StepReport& report) {
  auto ask = [&](std::string_view contract, std::string_view method,
                 const json& args) -> absl::StatusOr<json> {
    ASSIGN_OR_RETURN(
        api::QueryResponse r,
        cli::QueryMethod(*session_, contract, method, args, height));
    return cli::QueryResult(r);
  };
  // The oracle's price at H; without one no sale is bought (redo needs it
  // too).
  auto feed = ask(system_.oracle, "price", {{"feed", t.feed}});
  if (!feed.ok()) {
    if (NodeTrouble(feed.status())) return feed.status();
    Log({{"action", "skip"},
         {"type", t.name},
         {"error", std::string(feed.status().message())}});
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(u128 oracle,
                   ParseU128(cli::AnswerText(*feed, "price"), "price"));
  std::string after = "0";
  for (int page = 0; page < kMaxPages; ++page) {
    ASSIGN_OR_RETURN(json list, ask(t.auction, "list",
                                    {{"after", after}, {"limit", kPage}}));
    for (const json& sale : list.value("sales", json::array())) {
      const std::string id = cli::AnswerText(sale, "sale");
      if (sale.value("needs_redo", false)) {
        json r;
        if (Submit({{"action", "redo"}, {"type", t.name}, {"sale", id}},
                   t.auction, "redo", {{"sale", id}}, &r)) {
          ++report.redone;
        } else {
          ++report.refused;
        }
        continue;
      }
      ASSIGN_OR_RETURN(u128 price,
                       ParseU128(cli::AnswerText(sale, "price"), "price"));
      if (!PriceWithinMargin(price, oracle, margin_)) continue;
      ASSIGN_OR_RETURN(uint64_t lot, cli::AnswerU64(sale, "lot"));
      const uint64_t amount = AffordableAmount(price, *capital, lot);
      if (amount == 0) continue;
      RETURN_IF_ERROR(EnsureAllowance(height, *capital));
      json entry = {{"action", "take"},
                    {"type", t.name},
                    {"sale", id},
                    {"amount", StrCat(amount)},
                    {"price", cli::AnswerText(sale, "price")},
                    {"oracle", U128Text(oracle)}};
      json r;
      if (Submit(entry, t.auction, "take",
                 {{"sale", id},
                  {"amount", StrCat(amount)},
                  {"max_price", cli::AnswerText(sale, "price")}},
                 &r)) {
        ++report.taken;
        if (!options_.await_receipts) {
          *capital -= std::min(TakeCost(price, amount), *capital);
          continue;
        }
        ASSIGN_OR_RETURN(uint64_t paid, cli::AnswerU64(r, "paid"));
        *capital -= std::min(paid, *capital);
        Log({{"action", "taken"},
             {"type", t.name},
             {"sale", id},
             {"collateral", cli::AnswerText(r, "collateral")},
             {"paid", StrCat(paid)},
             {"price", cli::AnswerText(r, "price")}});
      } else {
        ++report.refused;
        approved_ = false;  // read the allowance again before the next take
      }
    }
    after = cli::AnswerText(list, "next");
    if (after.empty() || after == "0") break;
  }
  return absl::OkStatus();
}

void Keeper::Run(const std::function<bool()>& stop,
                 std::function<void(absl::Duration)> sleep) {
  if (!sleep) sleep = [](absl::Duration d) { absl::SleepFor(d); };
  // Pauses in slices, so `stop` is seen within 100 ms.
  auto pause = [&](absl::Duration d) {
    while (d > absl::ZeroDuration() && !stop()) {
      const absl::Duration slice = std::min(d, absl::Milliseconds(100));
      sleep(slice);
      d -= slice;
    }
  };
  Log({{"action", "start"},
       {"keeper", cli::Hex0x(key_.address)},
       {"margin", options_.margin},
       {"interval_ms", absl::ToInt64Milliseconds(options_.interval)}});
  absl::Duration backoff = options_.interval;
  while (!stop()) {
    auto step = Step();
    if (step.ok()) {
      backoff = options_.interval;
      pause(options_.interval);
      continue;
    }
    Log({{"action", "step_error"},
         {"error", std::string(step.status().message())},
         {"backoff_ms", absl::ToInt64Milliseconds(backoff)}});
    pause(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace ballast::keeper
