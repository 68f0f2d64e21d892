#include "tools/simulate/scenario.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "node/api/proto_json.h"
#include "tools/cli/decimal.h"

namespace ballast::simulate {
namespace {

using json = nlohmann::json;
using absl::StrCat;
using u128 = unsigned __int128;

constexpr size_t kMaxFileBytes = 1 << 20;

// Reads the members of one JSON object, refusing unknown ones (Done) and
// naming each by its path in errors.
class Reader {
 public:
  static absl::StatusOr<Reader> Of(const json& doc, std::string path) {
    if (!doc.is_object()) {
      return absl::InvalidArgumentError(
          StrCat(path.empty() ? "scenario" : path, ": must be an object"));
    }
    return Reader(doc, std::move(path));
  }

  std::string Path(const std::string& key) const {
    return path_.empty() ? std::string(key) : StrCat(path_, ".", key);
  }
  bool Has(const std::string& key) const { return doc_.contains(key); }

  absl::StatusOr<const json*> Get(const std::string& key) {
    seen_.insert(std::string(key));
    auto it = doc_.find(key);
    if (it == doc_.end()) {
      return absl::InvalidArgumentError(StrCat(Path(key), ": missing"));
    }
    return &*it;
  }

  absl::StatusOr<std::string> Text(const std::string& key, size_t max_len) {
    ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_string() || v->get_ref<const std::string&>().size() > max_len) {
      return absl::InvalidArgumentError(StrCat(
          Path(key), ": must be a string of at most ", max_len, " bytes"));
    }
    return v->get<std::string>();
  }

  absl::StatusOr<uint32_t> Count(const std::string& key, uint32_t min,
                                 uint32_t max) {
    ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_number_integer() || v->get<int64_t>() < 0 ||
        v->get<uint64_t>() < min || v->get<uint64_t>() > max) {
      return absl::InvalidArgumentError(
          StrCat(Path(key), ": must be an integer in [", min, ", ", max, "]"));
    }
    return static_cast<uint32_t>(v->get<uint64_t>());
  }
  // An optional Count: `fallback` if absent.
  absl::StatusOr<uint32_t> Count(const std::string& key, uint32_t min,
                                 uint32_t max, uint32_t fallback) {
    if (!Has(key)) return fallback;
    return Count(key, min, max);
  }

  // An integer string of base units in [min, max].
  absl::StatusOr<uint64_t> Amount(const std::string& key, uint64_t min,
                                  uint64_t max) {
    ASSIGN_OR_RETURN(std::string text, Text(key, 20));
    ASSIGN_OR_RETURN(uint64_t v, cli::ParseAmount(text, Path(key)));
    if (v < min || v > max) {
      return absl::InvalidArgumentError(
          StrCat(Path(key), ": must be in [", min, ", ", max, "], got ", v));
    }
    return v;
  }

  // A decimal string in [min, max] (bounds as decimal strings; `open_max`
  // excludes max). Returned as written.
  absl::StatusOr<std::string> Decimal(const std::string& key,
                                      const std::string& min,
                                      const std::string& max,
                                      bool open_max = false,
                                      int scale = kDecimalScale) {
    ASSIGN_OR_RETURN(std::string text, Text(key, 40));
    ASSIGN_OR_RETURN(u128 v, Scaled(text, Path(key), scale));
    const u128 lo = *Scaled(min, "min", scale);
    const u128 hi = *Scaled(max, "max", scale);
    if (v < lo || v > hi || (open_max && v == hi)) {
      return absl::InvalidArgumentError(StrCat(Path(key), ": must be in [", min,
                                               ", ", max, open_max ? ")" : "]",
                                               ", got ", text));
    }
    return text;
  }
  absl::StatusOr<std::string> Decimal(const std::string& key,
                                      const std::string& min,
                                      const std::string& max, bool open_max,
                                      const std::string& fallback) {
    if (!Has(key)) return std::string(fallback);
    return Decimal(key, min, max, open_max);
  }

  absl::Status Done() const {
    for (const auto& [key, value] : doc_.items()) {
      if (seen_.count(key) == 0) {
        return absl::InvalidArgumentError(StrCat(Path(key), ": unknown field"));
      }
    }
    return absl::OkStatus();
  }

  // A decimal scaled by 10^scale (at most 10^10 before scaling).
  static absl::StatusOr<u128> Scaled(const std::string& text,
                                     const std::string& what,
                                     int scale = kDecimalScale) {
    ASSIGN_OR_RETURN(std::string digits, cli::ParseScaled(text, scale, what));
    if (digits.size() > 10 + static_cast<size_t>(scale)) {
      return absl::InvalidArgumentError(StrCat(what, ": too large: ", text));
    }
    u128 v = 0;
    for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
    return v;
  }

 private:
  Reader(const json& doc, std::string path)
      : doc_(doc), path_(std::move(path)) {}

  const json& doc_;
  std::string path_;
  std::set<std::string> seen_;
};

absl::StatusOr<Reader> Section(Reader& parent, const std::string& key) {
  ASSIGN_OR_RETURN(const json* v, parent.Get(key));
  return Reader::Of(*v, parent.Path(key));
}

absl::StatusOr<const json*> List(Reader& parent, const std::string& key,
                                 size_t max) {
  ASSIGN_OR_RETURN(const json* v, parent.Get(key));
  if (!v->is_array() || v->size() > max) {
    return absl::InvalidArgumentError(StrCat(
        parent.Path(key), ": must be a list of at most ", max, " entries"));
  }
  return v;
}

constexpr char kMaxPrice[] = "1000000000";

}  // namespace

uint32_t Scenario::blocks() const {
  uint32_t n = 0;
  for (const PriceSegment& s : path) n += s.blocks;
  return n;
}

absl::StatusOr<Scenario> ParseScenario(const json& doc) {
  Scenario s;
  ASSIGN_OR_RETURN(Reader top, Reader::Of(doc, ""));
  ASSIGN_OR_RETURN(s.name, top.Text("name", 64));
  if (top.Has("description")) {
    RETURN_IF_ERROR(top.Text("description", 4096).status());
  }

  ASSIGN_OR_RETURN(Reader pos, Section(top, "positions"));
  ASSIGN_OR_RETURN(s.positions, pos.Count("count", 1, kMaxPositions));
  ASSIGN_OR_RETURN(s.owners, pos.Count("owners", 1, kMaxOwners));
  ASSIGN_OR_RETURN(s.debt, pos.Amount("debt", 1, 1'000'000'000'000));
  ASSIGN_OR_RETURN(s.ratio_min, pos.Decimal("ratio_min", "1", "100"));
  ASSIGN_OR_RETURN(s.ratio_max, pos.Decimal("ratio_max", "1", "100"));
  RETURN_IF_ERROR(pos.Done());
  if (s.owners > s.positions) {
    return absl::InvalidArgumentError(
        "positions.owners: must be at most positions.count");
  }

  ASSIGN_OR_RETURN(Reader blocks, Section(top, "blocks"));
  ASSIGN_OR_RETURN(s.block_seconds, blocks.Count("seconds", 1, 3600));
  RETURN_IF_ERROR(blocks.Done());

  ASSIGN_OR_RETURN(Reader price, Section(top, "price"));
  ASSIGN_OR_RETURN(s.start_price,
                   price.Decimal("start", "0.000001", kMaxPrice));
  ASSIGN_OR_RETURN(const json* path, List(price, "path", kMaxPathSegments));
  if (path->empty()) {
    return absl::InvalidArgumentError("price.path: must not be empty");
  }
  for (size_t i = 0; i < path->size(); ++i) {
    ASSIGN_OR_RETURN(Reader seg,
                     Reader::Of((*path)[i], StrCat("price.path.", i)));
    PriceSegment p;
    ASSIGN_OR_RETURN(p.blocks, seg.Count("blocks", 1, kMaxBlocks));
    ASSIGN_OR_RETURN(p.to, seg.Decimal("to", "0.000001", kMaxPrice));
    RETURN_IF_ERROR(seg.Done());
    s.path.push_back(std::move(p));
  }
  RETURN_IF_ERROR(price.Done());
  if (s.blocks() > kMaxBlocks) {
    return absl::InvalidArgumentError(StrCat("price.path: spans ", s.blocks(),
                                             " blocks, at most ", kMaxBlocks));
  }

  ASSIGN_OR_RETURN(Reader oracle, Section(top, "oracle"));
  ASSIGN_OR_RETURN(s.lag_blocks, oracle.Count("lag_blocks", 0, 1000));
  ASSIGN_OR_RETURN(s.interval_blocks,
                   oracle.Count("interval_blocks", 1, 1000, 1));
  ASSIGN_OR_RETURN(s.delay_s, oracle.Count("delay_s", 0, 86'400, 0));
  ASSIGN_OR_RETURN(s.max_age_s, oracle.Count("max_age_s", 1, 7 * 86'400, 3600));
  ASSIGN_OR_RETURN(s.max_step,
                   oracle.Decimal("max_step", "0", "1", false, "0"));
  RETURN_IF_ERROR(oracle.Done());

  ASSIGN_OR_RETURN(Reader market, Section(top, "market"));
  ASSIGN_OR_RETURN(s.discount, market.Decimal("discount", "0", "1", true));
  RETURN_IF_ERROR(market.Done());

  ASSIGN_OR_RETURN(const json* keepers, List(top, "keepers", kMaxKeepers));
  for (size_t i = 0; i < keepers->size(); ++i) {
    ASSIGN_OR_RETURN(Reader k,
                     Reader::Of((*keepers)[i], StrCat("keepers.", i)));
    KeeperSpec spec;
    ASSIGN_OR_RETURN(spec.capital, k.Decimal("capital", "0", "10"));
    ASSIGN_OR_RETURN(spec.margin, k.Decimal("margin", "0", "1", true));
    ASSIGN_OR_RETURN(spec.every_blocks, k.Count("every_blocks", 1, 1000, 1));
    ASSIGN_OR_RETURN(spec.offline_until,
                     k.Count("offline_until", 0, kMaxBlocks, 0));
    ASSIGN_OR_RETURN(spec.max_liquidations,
                     k.Count("max_liquidations", 1, 100, 20));
    RETURN_IF_ERROR(k.Done());
    s.keepers.push_back(std::move(spec));
  }

  if (top.Has("redemptions")) {
    ASSIGN_OR_RETURN(const json* list,
                     List(top, "redemptions", kMaxRedemptions));
    for (size_t i = 0; i < list->size(); ++i) {
      ASSIGN_OR_RETURN(Reader r,
                       Reader::Of((*list)[i], StrCat("redemptions.", i)));
      Redemption red;
      ASSIGN_OR_RETURN(red.block, r.Count("block", 1, s.blocks()));
      ASSIGN_OR_RETURN(red.amount, r.Decimal("amount", "0", "1"));
      RETURN_IF_ERROR(r.Done());
      s.redemptions.push_back(std::move(red));
    }
  }

  ASSIGN_OR_RETURN(Reader coll, Section(top, "collateral"));
  ASSIGN_OR_RETURN(s.liquidation_ratio,
                   coll.Decimal("liquidation_ratio", "1", "100"));
  ASSIGN_OR_RETURN(s.liquidation_penalty,
                   coll.Decimal("liquidation_penalty", "1", "2"));
  ASSIGN_OR_RETURN(s.dust, coll.Amount("dust", 0, s.debt));
  // Per second, with the engine's 27 fraction digits.
  if (coll.Has("fee")) {
    ASSIGN_OR_RETURN(
        s.fee, coll.Decimal("fee", "1", "1.000001", false, cli::kRayDigits));
  }
  ASSIGN_OR_RETURN(s.hole, coll.Decimal("hole", "0.000001", "10"));
  if (coll.Has("tip")) {
    ASSIGN_OR_RETURN(s.tip, coll.Amount("tip", 0, s.debt));
  }
  ASSIGN_OR_RETURN(s.chip, coll.Decimal("chip", "0", "0.1", false, "0"));
  ASSIGN_OR_RETURN(s.redemption_fee,
                   coll.Decimal("redemption_fee", "0", "0.5", false, "0.005"));
  RETURN_IF_ERROR(coll.Done());

  ASSIGN_OR_RETURN(Reader auction, Section(top, "auction"));
  ASSIGN_OR_RETURN(s.buf, auction.Decimal("buf", "1", "10"));
  ASSIGN_OR_RETURN(s.tail_s, auction.Count("tail_s", 1, 7 * 86'400));
  ASSIGN_OR_RETURN(s.cusp, auction.Decimal("cusp", "0", "1", true));
  ASSIGN_OR_RETURN(s.step_s, auction.Count("step_s", 1, 86'400));
  ASSIGN_OR_RETURN(s.cut, auction.Decimal("cut", "0.5", "1", true));
  RETURN_IF_ERROR(auction.Done());

  ASSIGN_OR_RETURN(Reader targets, Section(top, "targets"));
  ASSIGN_OR_RETURN(s.target_liquidation_blocks,
                   targets.Count("liquidation_blocks", 1, kMaxBlocks));
  ASSIGN_OR_RETURN(s.target_bad_debt, targets.Decimal("bad_debt", "0", "1"));
  RETURN_IF_ERROR(targets.Done());
  RETURN_IF_ERROR(top.Done());

  // Cross-field rules: every position is safe when it opens.
  ASSIGN_OR_RETURN(u128 lo, Reader::Scaled(s.ratio_min, "positions.ratio_min"));
  ASSIGN_OR_RETURN(u128 hi, Reader::Scaled(s.ratio_max, "positions.ratio_max"));
  ASSIGN_OR_RETURN(u128 lr, Reader::Scaled(s.liquidation_ratio,
                                           "collateral.liquidation_ratio"));
  if (lo < lr || hi < lo) {
    return absl::InvalidArgumentError(
        "positions: need collateral.liquidation_ratio <= ratio_min <= "
        "ratio_max (every position opens safe)");
  }
  if (s.debt < s.dust) {
    return absl::InvalidArgumentError(
        "positions.debt: must be at least collateral.dust");
  }
  return s;
}

absl::StatusOr<json> ReadScenarioDocument(const std::string& path) {
  ReadFileOptions bounded;
  bounded.max_bytes = kMaxFileBytes;
  ASSIGN_OR_RETURN(std::string text, ReadFile(path, bounded));
  // The API's parser: iterative, and refuses deep nesting before it builds.
  auto doc = api::ParseJson(text);
  if (!doc.ok()) {
    return absl::InvalidArgumentError(
        StrCat(path, ": not valid JSON: ", doc.status().message()));
  }
  return doc;
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path) {
  ASSIGN_OR_RETURN(json doc, ReadScenarioDocument(path));
  auto s = ParseScenario(doc);
  if (!s.ok()) {
    return absl::InvalidArgumentError(StrCat(path, ": ", s.status().message()));
  }
  return s;
}

absl::Status SetField(json& doc, const std::string& path,
                      const std::string& value) {
  json* at = &doc;
  for (const std::string& part :
       std::vector<std::string>(absl::StrSplit(path, '.'))) {
    size_t index = 0;
    if (at->is_array() && absl::SimpleAtoi(part, &index) &&
        index < at->size()) {
      at = &(*at)[index];
    } else if (at->is_object() && at->contains(part)) {
      at = &(*at)[std::string(part)];
    } else {
      return absl::NotFoundError(
          StrCat("sweep: the scenario has no field ", path));
    }
  }
  uint64_t n = 0;
  if (absl::SimpleAtoi(value, &n) && at->is_number()) {
    *at = n;
  } else {
    *at = std::string(value);
  }
  return absl::OkStatus();
}

}  // namespace ballast::simulate
