#include "tools/cli/vault_commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>

#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "node/api/errors.h"
#include "node/api/proof.h"
#include "node/api/proto_json.h"
#include "node/api/views.h"
#include "tools/cli/decimal.h"
#include "tools/cli/output.h"
#include "tools/cli/system_file.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

// Most pages `vault list` reads (100 positions each).
constexpr int kMaxListPages = 100;

// A RAY ratio as "1.5234"; "" stays "".
std::string RatioText(const std::string& ray) {
  if (ray.empty()) return "";
  auto r = FormatRay(ray);
  return r.ok() ? *r : ray;
}

// A ratio for people: at most 4 fraction digits, truncated (a ratio shown
// is never higher than it is). JSON keeps the exact figure.
std::string ShortRatio(const std::string& ratio) {
  const size_t point = ratio.find('.');
  if (point == std::string::npos || ratio.size() - point <= 5) return ratio;
  return ratio.substr(0, point + 5);
}

// A RAY price as stable per collateral token; "" stays "".
std::string PriceText(const std::string& ray, const SystemType& t,
                      const SystemFile& sys) {
  if (ray.empty()) return "";
  auto p = FormatPrice(ray, t.decimals, sys.stable_decimals);
  return p.ok() ? *p : ray;
}

// An address or a key name.
absl::StatusOr<std::string> Who(Session& s, const std::string& who) {
  if (auto raw = ParseAddress(who); raw.ok()) return *raw;
  if (ValidateKeyName(who).ok()) {
    ASSIGN_OR_RETURN(StoredKey key, s.Keys().LoadPublic(who));
    return key.address;
  }
  return absl::InvalidArgumentError(
      StrCat("'", who.substr(0, 64), "' is neither an address nor a key name"));
}

}  // namespace

// The system file of `explicit_path`, else of the node's chain.
absl::StatusOr<SystemFile> System(Session& s, const std::string& path) {
  if (!path.empty()) return LoadSystem(path);
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
  ASSIGN_OR_RETURN(std::string file, SystemPath(info.chain_id()));
  ASSIGN_OR_RETURN(SystemFile sys, LoadSystem(file));
  if (sys.chain_id != info.chain_id()) {
    return absl::FailedPreconditionError(
        StrCat(file, " is for chain ", sys.chain_id, ", the node runs ",
               info.chain_id()));
  }
  return sys;
}

namespace {

absl::StatusOr<json> Ask(Session& s, std::string_view contract,
                         std::string_view method, const json& args,
                         std::optional<uint64_t> height,
                         uint64_t* at_height = nullptr) {
  ASSIGN_OR_RETURN(api::QueryResponse r,
                   QueryMethod(s, contract, method, args, height));
  if (at_height != nullptr) *at_height = r.height();
  return QueryResult(r);
}

absl::StatusOr<uint64_t> ParseId(const std::string& text) {
  ASSIGN_OR_RETURN(uint64_t id, ParseAmount(text, "position id"));
  if (id == 0)
    return absl::InvalidArgumentError("position id: 0 is no position");
  return id;
}

// ---- The default configuration and its parsing ----

// The default system (the devnet's): a stable token of 6 decimals and two
// test collateral types. Amounts are in base units of the stable token
// (10^6 per dollar) unless named otherwise.
const char* const kDefaultConfig = R"({
  "stable": {"name": "Ballast Dollar", "symbol": "BUSD", "decimals": 6},
  "line": "20000000000000",
  "hole": "2000000000000",
  "oracle": {"quorum": 1, "max_age_s": 3600, "delay_s": 0, "max_step": "0"},
  "faucet": {"period_s": 60},
  "auction": {"buf": "1.05", "tail_s": 3600, "cusp": "0.6", "step_s": 60,
              "cut": "0.99"},
  "types": [
    {"name": "tETH", "token": {"name": "Test Ether", "symbol": "tETH",
                               "decimals": 8},
     "price": "2000", "faucet_amount": "1000000000",
     "liquidation_ratio": "1.5", "liquidation_penalty": "1.13",
     "line": "10000000000000", "dust": "100000000",
     "fee": "1.000000001547125957863212448", "hole": "1000000000000",
     "tip": "10000000", "chip": "0.01", "redemption_fee": "0.005"},
    {"name": "tBTC", "token": {"name": "Test Bitcoin", "symbol": "tBTC",
                               "decimals": 8},
     "price": "60000", "faucet_amount": "100000000",
     "liquidation_ratio": "1.5", "liquidation_penalty": "1.13",
     "line": "10000000000000", "dust": "100000000",
     "fee": "1.000000001547125957863212448", "hole": "1000000000000",
     "tip": "10000000", "chip": "0.01", "redemption_fee": "0.005"}
  ]
})";

absl::Status BadConfig(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("config: ", field, ": ", why));
}

absl::StatusOr<std::string> CfgString(const json& o, std::string_view field,
                                      std::string_view where,
                                      std::optional<std::string> def = {}) {
  auto it = o.find(field);
  if (it == o.end()) {
    if (def.has_value()) return *def;
    return BadConfig(StrCat(where, field), "missing");
  }
  if (!it->is_string()) {
    return BadConfig(StrCat(where, field), "must be a string");
  }
  return it->get<std::string>();
}

absl::StatusOr<uint64_t> CfgAmount(const json& o, std::string_view field,
                                   std::string_view where,
                                   std::optional<uint64_t> def = {}) {
  auto it = o.find(field);
  if (it == o.end()) {
    if (def.has_value()) return *def;
    return BadConfig(StrCat(where, field), "missing");
  }
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (!it->is_string()) {
    return BadConfig(StrCat(where, field),
                     "must be an integer string of base units");
  }
  absl::StatusOr<uint64_t> v =
      ParseAmount(it->get<std::string>(), StrCat("config: ", where, field));
  return v;
}

absl::StatusOr<std::string> CfgRay(const json& o, std::string_view field,
                                   std::string_view where) {
  ASSIGN_OR_RETURN(std::string text, CfgString(o, field, where));
  return ParseRay(text, StrCat("config: ", where, field));
}

absl::Status CfgOnly(const json& o, std::initializer_list<std::string> known,
                     std::string_view where) {
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      return BadConfig(StrCat(where, it.key()), "unknown field");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<json> CfgObject(const json& o, std::string_view field,
                               std::string_view where) {
  auto it = o.find(field);
  if (it == o.end()) return json::object();
  if (!it->is_object()) return BadConfig(StrCat(where, field), "not an object");
  return *it;
}

// The contracts' files: <dir>/<name>.wasm and <name>.desc.
struct Artifact {
  std::string code;
  std::string desc;
};

std::string DefaultContractsDir() {
  if (const char* dir = std::getenv("BALLAST_CONTRACTS"); dir && *dir) {
    return dir;
  }
  // The build tree: <build>/tools/cli/ballast -> <build>/contracts.
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "contracts";
  std::string exe(buf, static_cast<size_t>(n));
  std::string dir = exe.substr(0, exe.rfind('/'));  // tools/cli
  for (int i = 0; i < 2 && dir.rfind('/') != std::string::npos; ++i) {
    dir = dir.substr(0, dir.rfind('/'));
  }
  return dir + "/contracts";
}

absl::StatusOr<Artifact> LoadArtifact(const std::string& dir,
                                      std::string_view name) {
  Artifact a;
  const std::string base = StrCat(dir, "/", name);
  auto code = ReadFile(base + ".wasm");
  if (!code.ok()) {
    return absl::NotFoundError(
        StrCat("contract ", name, ": ", code.status().message(),
               " (give --contracts DIR, the build's contracts directory)"));
  }
  auto desc = ReadFile(base + ".desc");
  if (!desc.ok()) {
    return absl::NotFoundError(
        StrCat("contract ", name, ": ", desc.status().message()));
  }
  a.code = *std::move(code);
  a.desc = *std::move(desc);
  return a;
}

struct TypePlan {
  std::string name;
  std::string feed;
  std::string existing_token;  // raw, or empty: deploy a test token
  json token_init;             // name, symbol, decimals
  int decimals = 0;
  std::string price_text;
  uint64_t faucet_amount = 0;
  json config;  // the engine's TypeConfig
};

struct Plan {
  json stable_init;
  int stable_decimals = 0;
  uint64_t line = 0, hole = 0;
  json feed_config;  // the oracle's FeedConfig, reporters filled in
  uint64_t faucet_period_s = 0;
  json auction_config;  // the auction's AuctionConfig, for every type
  std::vector<TypePlan> types;
};

absl::StatusOr<Plan> MakePlan(Session& s, const json& cfg,
                              const StoredKey& deployer) {
  RETURN_IF_ERROR(CfgOnly(
      cfg, {"stable", "line", "hole", "oracle", "faucet", "auction", "types"},
      ""));
  Plan p;
  ASSIGN_OR_RETURN(json stable, CfgObject(cfg, "stable", ""));
  RETURN_IF_ERROR(CfgOnly(stable, {"name", "symbol", "decimals"}, "stable."));
  ASSIGN_OR_RETURN(std::string sname,
                   CfgString(stable, "name", "stable.", "Ballast Dollar"));
  ASSIGN_OR_RETURN(std::string ssym,
                   CfgString(stable, "symbol", "stable.", "BUSD"));
  ASSIGN_OR_RETURN(uint64_t sdec, CfgAmount(stable, "decimals", "stable.", 6));
  if (sdec > kMaxTokenDecimals) {
    return BadConfig("stable.decimals", "at most 18");
  }
  p.stable_decimals = static_cast<int>(sdec);
  p.stable_init = {{"name", sname}, {"symbol", ssym}, {"decimals", sdec}};
  ASSIGN_OR_RETURN(p.line, CfgAmount(cfg, "line", ""));
  ASSIGN_OR_RETURN(p.hole, CfgAmount(cfg, "hole", ""));

  ASSIGN_OR_RETURN(json oracle, CfgObject(cfg, "oracle", ""));
  RETURN_IF_ERROR(CfgOnly(oracle,
                          {"reporters", "quorum", "max_age_s", "delay_s",
                           "max_step", "min_price", "max_price"},
                          "oracle."));
  // Reporters: the deployer, then the listed ones (addresses or key names);
  // by default every other key in the keystore (the devnet's dev keys).
  std::vector<std::string> reporters = {deployer.address};
  auto add_reporter = [&](const std::string& raw) {
    if (std::find(reporters.begin(), reporters.end(), raw) == reporters.end()) {
      reporters.push_back(raw);
    }
  };
  if (auto it = oracle.find("reporters"); it != oracle.end()) {
    if (!it->is_array()) {
      return BadConfig("oracle.reporters", "not an array of names/addresses");
    }
    for (const json& r : *it) {
      if (!r.is_string()) return BadConfig("oracle.reporters", "not a string");
      auto raw = Who(s, r.get<std::string>());
      if (!raw.ok()) return Annotate(raw.status(), "config: oracle.reporters");
      add_reporter(*raw);
    }
  } else {
    ASSIGN_OR_RETURN(std::vector<StoredKey> keys, s.Keys().List());
    for (const StoredKey& k : keys) add_reporter(k.address);
  }
  if (reporters.size() > 16) {
    return BadConfig("oracle.reporters", "at most 16 (the oracle's limit)");
  }
  json reporter_list = json::array();
  for (const std::string& r : reporters) reporter_list.push_back(Hex0x(r));
  ASSIGN_OR_RETURN(uint64_t quorum, CfgAmount(oracle, "quorum", "oracle.", 1));
  ASSIGN_OR_RETURN(uint64_t max_age,
                   CfgAmount(oracle, "max_age_s", "oracle.", 3600));
  ASSIGN_OR_RETURN(uint64_t delay, CfgAmount(oracle, "delay_s", "oracle.", 0));
  ASSIGN_OR_RETURN(std::string step_text,
                   CfgString(oracle, "max_step", "oracle.", "0"));
  ASSIGN_OR_RETURN(std::string step,
                   ParseRay(step_text, "config: oracle.max_step"));
  ASSIGN_OR_RETURN(uint64_t min_price,
                   CfgAmount(oracle, "min_price", "oracle.", 1));
  ASSIGN_OR_RETURN(std::string max_price,
                   CfgString(oracle, "max_price", "oracle.",
                             "100000000000000000000000000000000000000"));
  RETURN_IF_ERROR(CheckInteger(max_price, "config: oracle.max_price"));
  p.feed_config = {{"reporters", reporter_list},
                   {"quorum", quorum},
                   {"max_age_s", StrCat(max_age)},
                   {"delay_s", StrCat(delay)},
                   {"max_step", step},
                   {"min_price", StrCat(min_price)},
                   {"max_price", max_price}};

  // The liquidation auctions' price curve (contracts/auction/auction.proto):
  // start at the oracle price times buf, times cut every step_s seconds,
  // reset after tail_s or below cusp times the start.
  ASSIGN_OR_RETURN(json auction, CfgObject(cfg, "auction", ""));
  RETURN_IF_ERROR(
      CfgOnly(auction, {"buf", "tail_s", "cusp", "step_s", "cut"}, "auction."));
  ASSIGN_OR_RETURN(std::string buf_text,
                   CfgString(auction, "buf", "auction.", "1.05"));
  ASSIGN_OR_RETURN(std::string buf, ParseRay(buf_text, "config: auction.buf"));
  ASSIGN_OR_RETURN(std::string cusp_text,
                   CfgString(auction, "cusp", "auction.", "0.6"));
  ASSIGN_OR_RETURN(std::string cusp,
                   ParseRay(cusp_text, "config: auction.cusp"));
  ASSIGN_OR_RETURN(std::string cut_text,
                   CfgString(auction, "cut", "auction.", "0.99"));
  ASSIGN_OR_RETURN(std::string cut, ParseRay(cut_text, "config: auction.cut"));
  ASSIGN_OR_RETURN(uint64_t tail,
                   CfgAmount(auction, "tail_s", "auction.", 3600));
  ASSIGN_OR_RETURN(uint64_t step_s,
                   CfgAmount(auction, "step_s", "auction.", 60));
  p.auction_config = {{"buf", buf},
                      {"tail", StrCat(tail)},
                      {"cusp", cusp},
                      {"step", StrCat(step_s)},
                      {"cut", cut}};

  ASSIGN_OR_RETURN(json faucet, CfgObject(cfg, "faucet", ""));
  RETURN_IF_ERROR(CfgOnly(faucet, {"period_s"}, "faucet."));
  ASSIGN_OR_RETURN(p.faucet_period_s,
                   CfgAmount(faucet, "period_s", "faucet.", 60));

  auto types = cfg.find("types");
  if (types == cfg.end() || !types->is_array() || types->empty() ||
      types->size() > 16) {
    return BadConfig("types", "must be an array of 1 to 16 types");
  }
  for (size_t i = 0; i < types->size(); ++i) {
    const json& t = (*types)[i];
    const std::string where = StrCat("types[", i, "].");
    if (!t.is_object())
      return BadConfig(StrCat("types[", i, "]"), "not an object");
    RETURN_IF_ERROR(
        CfgOnly(t,
                {"name", "feed", "token", "price", "faucet_amount",
                 "liquidation_ratio", "liquidation_penalty", "line", "dust",
                 "fee", "hole", "tip", "chip", "redemption_fee"},
                where));
    TypePlan tp;
    ASSIGN_OR_RETURN(tp.name, CfgString(t, "name", where));
    ASSIGN_OR_RETURN(tp.feed, CfgString(t, "feed", where, tp.name));
    auto token = t.find("token");
    if (token != t.end() && token->is_string()) {
      ASSIGN_OR_RETURN(tp.existing_token,
                       ParseAddress(token->get<std::string>()));
    } else if (token != t.end() && token->is_object()) {
      RETURN_IF_ERROR(
          CfgOnly(*token, {"name", "symbol", "decimals"}, where + "token."));
      ASSIGN_OR_RETURN(std::string n,
                       CfgString(*token, "name", where + "token.", tp.name));
      ASSIGN_OR_RETURN(std::string sym,
                       CfgString(*token, "symbol", where + "token.", tp.name));
      ASSIGN_OR_RETURN(uint64_t d,
                       CfgAmount(*token, "decimals", where + "token.", 18));
      if (d > kMaxTokenDecimals) {
        return BadConfig(where + "token.decimals", "at most 18");
      }
      tp.decimals = static_cast<int>(d);
      tp.token_init = {{"name", n}, {"symbol", sym}, {"decimals", d}};
    } else {
      return BadConfig(where + "token",
                       "an existing token's address, or {name, symbol, "
                       "decimals} of a test token to deploy");
    }
    ASSIGN_OR_RETURN(tp.price_text, CfgString(t, "price", where));
    ASSIGN_OR_RETURN(tp.faucet_amount, CfgAmount(t, "faucet_amount", where, 0));
    json c;
    for (const char* f : {"liquidation_ratio", "liquidation_penalty", "fee",
                          "chip", "redemption_fee"}) {
      ASSIGN_OR_RETURN(std::string ray, CfgRay(t, f, where));
      c[f] = ray;
    }
    for (const char* f : {"line", "dust", "hole", "tip"}) {
      ASSIGN_OR_RETURN(uint64_t v, CfgAmount(t, f, where));
      c[f] = StrCat(v);
    }
    tp.config = c;
    p.types.push_back(std::move(tp));
  }
  return p;
}

// The time a report posted now carries: the wall clock, but never before
// the head block (a dev chain's clock may run ahead).
absl::StatusOr<int64_t> ReportTimeMs(Session& s) {
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::BlockView head, node->LatestBlock());
  const int64_t wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  return std::max<int64_t>(wall, static_cast<int64_t>(head.header().time_ms()));
}

}  // namespace

// ---- system ----

absl::Status SystemDeploy(Session& s, const SystemDeployArgs& a) {
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  std::string config_text = kDefaultConfig;
  if (!a.config_file.empty()) {
    ReadFileOptions read;
    read.max_bytes = 1 << 20;
    auto text = ReadFile(a.config_file, read);
    if (!text.ok()) return Annotate(text.status(), "--config");
    config_text = *std::move(text);
  }
  json cfg = json::parse(config_text, nullptr, false);
  if (cfg.is_discarded() || !cfg.is_object()) {
    return absl::InvalidArgumentError("config: not a JSON object");
  }
  ASSIGN_OR_RETURN(Plan plan, MakePlan(s, cfg, from));
  // Every price converts before anything is deployed.
  std::vector<std::string> prices;
  for (const TypePlan& t : plan.types) {
    if (!t.existing_token.empty()) {
      prices.push_back("");  // converted once the token's decimals are read
      continue;
    }
    ASSIGN_OR_RETURN(std::string ray,
                     ParsePrice(t.price_text, t.decimals, plan.stable_decimals,
                                StrCat("config: ", t.name, ".price")));
    prices.push_back(ray);
  }
  const std::string dir =
      a.contracts_dir.empty() ? DefaultContractsDir() : a.contracts_dir;
  ASSIGN_OR_RETURN(Artifact oracle_art, LoadArtifact(dir, "oracle"));
  ASSIGN_OR_RETURN(Artifact vault_art, LoadArtifact(dir, "vault"));
  ASSIGN_OR_RETURN(Artifact token_art, LoadArtifact(dir, "token"));
  ASSIGN_OR_RETURN(Artifact faucet_art, LoadArtifact(dir, "faucet"));
  ASSIGN_OR_RETURN(Artifact auction_art, LoadArtifact(dir, "auction"));

  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
  std::string path = a.system_file;
  if (path.empty()) {
    ASSIGN_OR_RETURN(path, SystemPath(info.chain_id()));
  }

  const std::string me = Hex0x(from.address);
  SystemFile sys;
  sys.chain_id = info.chain_id();
  sys.stable_decimals = plan.stable_decimals;
  ASSIGN_OR_RETURN(sys.oracle,
                   DeployCode(s, from, oracle_art.code, oracle_art.desc,
                              {{"admin", me}}, a.tx, "deploy oracle"));
  ASSIGN_OR_RETURN(sys.engine,
                   DeployCode(s, from, vault_art.code, vault_art.desc,
                              {{"admin", me},
                               {"oracle", Hex0x(sys.oracle)},
                               {"line", StrCat(plan.line)},
                               {"hole", StrCat(plan.hole)}},
                              a.tx, "deploy vault engine"));
  json stable_init = plan.stable_init;
  stable_init["minters"] = json::array({Hex0x(sys.engine)});
  ASSIGN_OR_RETURN(sys.stable,
                   DeployCode(s, from, token_art.code, token_art.desc,
                              stable_init, a.tx, "deploy stable token"));
  RETURN_IF_ERROR(Transact(s, from, sys.engine, "set_stable",
                           {{"token", Hex0x(sys.stable)}}, a.tx, "set_stable")
                      .status());
  ASSIGN_OR_RETURN(sys.faucet,
                   DeployCode(s, from, faucet_art.code, faucet_art.desc,
                              {{"admin", me}, {"tokens", json::array()}}, a.tx,
                              "deploy faucet"));
  for (size_t i = 0; i < plan.types.size(); ++i) {
    const TypePlan& t = plan.types[i];
    SystemType st;
    st.name = t.name;
    st.feed = t.feed;
    st.decimals = t.decimals;
    std::string price = prices[i];
    if (t.existing_token.empty()) {
      json init = t.token_init;
      init["minters"] = json::array({Hex0x(sys.faucet)});
      ASSIGN_OR_RETURN(st.token,
                       DeployCode(s, from, token_art.code, token_art.desc, init,
                                  a.tx, StrCat("deploy token ", t.name)));
      if (t.faucet_amount > 0) {
        RETURN_IF_ERROR(
            Transact(s, from, sys.faucet, "set_token",
                     {{"token",
                       {{"token", Hex0x(st.token)},
                        {"amount", StrCat(t.faucet_amount)},
                        {"period_s", StrCat(plan.faucet_period_s)}}}},
                     a.tx, StrCat("faucet set_token ", t.name))
                .status());
      }
    } else {
      st.token = t.existing_token;
      ASSIGN_OR_RETURN(
          json d, Ask(s, st.token, "decimals", json::object(), std::nullopt));
      ASSIGN_OR_RETURN(uint64_t dec, AnswerU64(d, "decimals"));
      st.decimals = static_cast<int>(std::min<uint64_t>(dec, 99));
      ASSIGN_OR_RETURN(
          price, ParsePrice(t.price_text, st.decimals, plan.stable_decimals,
                            StrCat("config: ", t.name, ".price")));
    }
    RETURN_IF_ERROR(Transact(s, from, sys.oracle, "add_feed",
                             {{"feed", t.feed}, {"config", plan.feed_config}},
                             a.tx, StrCat("oracle add_feed ", t.feed))
                        .status());
    ASSIGN_OR_RETURN(int64_t time_ms, ReportTimeMs(s));
    RETURN_IF_ERROR(
        Transact(
            s, from, sys.oracle, "post",
            {{"feed", t.feed}, {"price", price}, {"time_ms", StrCat(time_ms)}},
            a.tx, StrCat("oracle post ", t.feed))
            .status());
    // The type's auction names the id add_type will give it: the next one.
    ASSIGN_OR_RETURN(json global, Ask(s, sys.engine, "global", json::object(),
                                      std::nullopt));
    ASSIGN_OR_RETURN(uint64_t types, AnswerU64(global, "types"));
    ASSIGN_OR_RETURN(st.auction,
                     DeployCode(s, from, auction_art.code, auction_art.desc,
                                {{"engine", Hex0x(sys.engine)},
                                 {"type", types + 1},
                                 {"token", Hex0x(st.token)},
                                 {"oracle", Hex0x(sys.oracle)},
                                 {"feed", t.feed},
                                 {"admin", me},
                                 {"config", plan.auction_config}},
                                a.tx, StrCat("deploy auction ", t.name)));
    ASSIGN_OR_RETURN(json added, Transact(s, from, sys.engine, "add_type",
                                          {{"name", t.name},
                                           {"token", Hex0x(st.token)},
                                           {"feed", t.feed},
                                           {"auction", Hex0x(st.auction)},
                                           {"config", t.config}},
                                          a.tx, StrCat("add_type ", t.name)));
    ASSIGN_OR_RETURN(uint64_t id, AnswerU64(added, "type"));
    st.id = static_cast<uint32_t>(id);
    if (st.id != types + 1) {
      return absl::InternalError(StrCat("add_type ", t.name, " gave type ", id,
                                        ", not the ", types + 1,
                                        " its auction was made for"));
    }
    sys.types.push_back(std::move(st));
  }
  RETURN_IF_ERROR(SaveSystem(path, sys));
  json doc = SystemToJson(sys);
  doc["file"] = path;
  Fields f;
  f.Add("chain", sys.chain_id)
      .Add("engine", Hex0x(sys.engine))
      .Add("oracle", Hex0x(sys.oracle))
      .Add("stable",
           StrCat(Hex0x(sys.stable), " (", sys.stable_decimals, " decimals)"))
      .Add("faucet", Hex0x(sys.faucet));
  for (size_t i = 0; i < sys.types.size(); ++i) {
    const SystemType& t = sys.types[i];
    f.Add(StrCat("type ", t.id, " ", t.name),
          StrCat(Hex0x(t.token), " (", t.decimals, " decimals, feed ", t.feed,
                 " at ", plan.types[i].price_text, ")"));
  }
  f.Add("system file", path);
  s.Emit(doc, f.Render());
  return absl::OkStatus();
}

absl::Status SystemShow(Session& s, const std::string& system_file) {
  ASSIGN_OR_RETURN(SystemFile sys, System(s, system_file));
  Fields f;
  f.Add("chain", sys.chain_id)
      .Add("engine", Hex0x(sys.engine))
      .Add("oracle", Hex0x(sys.oracle))
      .Add("stable", Hex0x(sys.stable))
      .AddIfSet("faucet", sys.faucet.empty() ? "" : Hex0x(sys.faucet));
  for (const SystemType& t : sys.types) {
    f.Add(StrCat("type ", t.id, " ", t.name),
          StrCat(Hex0x(t.token), " (", t.decimals, " decimals, feed ", t.feed,
                 t.auction.empty() ? ", no auction"
                                   : ", auction " + Hex0x(t.auction),
                 ")"));
  }
  s.Emit(SystemToJson(sys), f.Render());
  return absl::OkStatus();
}

// ---- vault ----

namespace {

// A position's fields, for people and for --json.
struct PositionOut {
  json doc;
  std::string text;
};

absl::StatusOr<PositionOut> DescribePosition(const SystemFile& sys,
                                             const json& p) {
  ASSIGN_OR_RETURN(uint64_t type_id, AnswerU64(p, "type"));
  ASSIGN_OR_RETURN(const SystemType* t,
                   sys.TypeById(static_cast<uint32_t>(type_id)));
  PositionOut out;
  const std::string ratio = RatioText(AnswerText(p, "ratio"));
  const std::string liq =
      PriceText(AnswerText(p, "liquidation_price"), *t, sys);
  out.doc = {{"id", AnswerText(p, "id")},
             {"owner", AnswerText(p, "owner")},
             {"type", t->name},
             {"type_id", type_id},
             {"collateral", AnswerText(p, "collateral")},
             {"debt", AnswerText(p, "debt")},
             {"art", AnswerText(p, "art")},
             {"ratio", ratio},
             {"safe", p.value("safe", false)},
             {"liquidation_price", liq},
             {"price_error", AnswerText(p, "price_error")}};
  out.text = Fields()
                 .Add("id", AnswerText(p, "id"))
                 .Add("owner", AnswerText(p, "owner"))
                 .Add("type", t->name)
                 .Add("collateral", AnswerText(p, "collateral"))
                 .Add("debt", AnswerText(p, "debt"))
                 .Add("ratio", ratio.empty() ? "-" : ShortRatio(ratio))
                 .Add("safe", p.value("safe", false) ? "yes" : "no")
                 .Add("liquidation price", liq.empty() ? "-" : liq)
                 .AddIfSet("price error", AnswerText(p, "price_error"))
                 .Render();
  return out;
}

// The position (queried at the head) and its type.
struct Located {
  json position;
  const SystemType* type = nullptr;
};
absl::StatusOr<Located> Locate(Session& s, const SystemFile& sys, uint64_t id,
                               std::optional<uint64_t> height = {}) {
  auto p = Ask(s, sys.engine, "position", {{"id", StrCat(id)}}, height);
  if (!p.ok()) return Annotate(p.status(), StrCat("position ", id));
  ASSIGN_OR_RETURN(uint64_t type_id, AnswerU64(*p, "type"));
  ASSIGN_OR_RETURN(const SystemType* t,
                   sys.TypeById(static_cast<uint32_t>(type_id)));
  return Located{*std::move(p), t};
}

absl::Status Approve(Session& s, const StoredKey& from,
                     const std::string& token, const std::string& spender,
                     uint64_t amount, const TxOptions& tx,
                     std::string_view what) {
  return Transact(s, from, token, "approve",
                  {{"spender", Hex0x(spender)}, {"amount", StrCat(amount)}}, tx,
                  StrCat("approve ", what))
      .status();
}

}  // namespace

absl::Status VaultOpen(Session& s, const VaultTxArgs& a,
                       const std::string& type) {
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  ASSIGN_OR_RETURN(const SystemType* t, sys.Type(type));
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  ASSIGN_OR_RETURN(json r, Transact(s, from, sys.engine, "open",
                                    {{"type", t->id}}, a.tx, "open"));
  const std::string id = AnswerText(r, "id");
  s.Emit(json{{"id", id}, {"type", t->name}},
         Fields().Add("id", id).Add("type", t->name).Render());
  return absl::OkStatus();
}

absl::Status VaultAmount(Session& s, const VaultTxArgs& a,
                         const std::string& action, const std::string& id_text,
                         const std::string& amount_text) {
  ASSIGN_OR_RETURN(uint64_t id, ParseId(id_text));
  ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(amount_text, "amount"));
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  ASSIGN_OR_RETURN(Located pos, Locate(s, sys, id));
  if (action == "deposit") {
    RETURN_IF_ERROR(Approve(s, from, pos.type->token, sys.engine, amount, a.tx,
                            pos.type->name));
  } else if (action == "repay") {
    RETURN_IF_ERROR(
        Approve(s, from, sys.stable, sys.engine, amount, a.tx, "stable"));
  }
  ASSIGN_OR_RETURN(
      json r,
      Transact(s, from, sys.engine, action,
               {{"id", StrCat(id)}, {"amount", StrCat(amount)}}, a.tx, action));
  ASSIGN_OR_RETURN(json after, Ask(s, sys.engine, "position",
                                   {{"id", StrCat(id)}}, std::nullopt));
  ASSIGN_OR_RETURN(PositionOut out, DescribePosition(sys, after));
  json doc = {{"action", action},
              {"amount",
               AnswerText(r, "amount").empty() ? "0" : AnswerText(r, "amount")},
              {"position", out.doc}};
  s.Emit(doc,
         StrCat(action, " ", doc["amount"].get<std::string>(), "\n", out.text));
  return absl::OkStatus();
}

absl::Status VaultClose(Session& s, const VaultTxArgs& a,
                        const std::string& id_text) {
  ASSIGN_OR_RETURN(uint64_t id, ParseId(id_text));
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  ASSIGN_OR_RETURN(Located pos, Locate(s, sys, id));
  ASSIGN_OR_RETURN(uint64_t debt, AnswerU64(pos.position, "debt"));
  if (debt > 0) {
    // The fee accrues between this query and the close: allow 0.01% more
    // (hours of the highest fee the engine accepts).
    uint64_t allowance = debt + debt / 10000 + 1;
    if (allowance < debt) allowance = UINT64_MAX;
    RETURN_IF_ERROR(
        Approve(s, from, sys.stable, sys.engine, allowance, a.tx, "stable"));
  }
  ASSIGN_OR_RETURN(json r, Transact(s, from, sys.engine, "close",
                                    {{"id", StrCat(id)}}, a.tx, "close"));
  json doc = {{"id", StrCat(id)},
              {"repaid",
               AnswerText(r, "repaid").empty() ? "0" : AnswerText(r, "repaid")},
              {"collateral", AnswerText(r, "collateral").empty()
                                 ? "0"
                                 : AnswerText(r, "collateral")}};
  s.Emit(doc,
         Fields()
             .Add("closed", StrCat(id))
             .Add("repaid", doc["repaid"].get<std::string>())
             .Add("collateral returned", doc["collateral"].get<std::string>())
             .Render());
  return absl::OkStatus();
}

absl::Status VaultShow(Session& s, const std::string& system,
                       const std::string& id_text,
                       std::optional<uint64_t> height) {
  ASSIGN_OR_RETURN(uint64_t id, ParseId(id_text));
  ASSIGN_OR_RETURN(SystemFile sys, System(s, system));
  uint64_t at = 0;
  auto p = Ask(s, sys.engine, "position", {{"id", StrCat(id)}}, height, &at);
  if (!p.ok()) return Annotate(p.status(), StrCat("position ", id));
  ASSIGN_OR_RETURN(PositionOut out, DescribePosition(sys, *p));
  out.doc["height"] = StrCat(at);
  s.Emit(out.doc, out.text + Fields().Add("at block", StrCat(at)).Render());
  return absl::OkStatus();
}

absl::Status VaultList(Session& s, const std::string& system,
                       const std::string& owner,
                       std::optional<uint64_t> height) {
  ASSIGN_OR_RETURN(SystemFile sys, System(s, system));
  ASSIGN_OR_RETURN(std::string who, Who(s, owner));
  if (!height.has_value()) {
    // Every page at one height.
    ASSIGN_OR_RETURN(api::Client * node, s.Node());
    ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
    height = info.height();
  }
  json list = json::array();
  Table table({"ID", "TYPE", "COLLATERAL", "DEBT", "RATIO", "SAFE",
               "LIQUIDATION PRICE"});
  uint64_t after = 0;
  for (int page = 0; page < kMaxListPages; ++page) {
    ASSIGN_OR_RETURN(
        json r,
        Ask(s, sys.engine, "positions_of",
            {{"owner", Hex0x(who)}, {"after", StrCat(after)}, {"limit", 100}},
            height));
    if (r.contains("positions")) {
      for (const json& p : r["positions"]) {
        ASSIGN_OR_RETURN(PositionOut out, DescribePosition(sys, p));
        auto str = [&](const char* f) {
          const std::string v = out.doc[f].get<std::string>();
          return v.empty() ? std::string("-") : v;
        };
        table.AddRow({str("id"), str("type"), str("collateral"), str("debt"),
                      ShortRatio(str("ratio")),
                      out.doc["safe"].get<bool>() ? "yes" : "no",
                      str("liquidation_price")});
        list.push_back(std::move(out.doc));
      }
    }
    ASSIGN_OR_RETURN(after, AnswerU64(r, "next"));
    if (after == 0) break;
  }
  s.Emit(json{{"owner", Hex0x(who)},
              {"height", StrCat(*height)},
              {"positions", list}},
         list.empty() ? StrCat("no positions of ", Hex0x(who), "\n")
                      : table.Render());
  return absl::OkStatus();
}

absl::Status VaultHealth(Session& s, const std::string& system,
                         const std::string& id_text, const std::string& price,
                         std::optional<uint64_t> height) {
  ASSIGN_OR_RETURN(uint64_t id, ParseId(id_text));
  RETURN_IF_ERROR(CheckDecimalForm(price, "--price"));
  ASSIGN_OR_RETURN(SystemFile sys, System(s, system));
  ASSIGN_OR_RETURN(Located pos, Locate(s, sys, id, height));
  ASSIGN_OR_RETURN(std::string ray, ParsePrice(price, pos.type->decimals,
                                               sys.stable_decimals, "--price"));
  if (ray == "0") return absl::InvalidArgumentError("--price: must be above 0");
  uint64_t at = 0;
  ASSIGN_OR_RETURN(
      json h, Ask(s, sys.engine, "health", {{"id", StrCat(id)}, {"price", ray}},
                  height, &at));
  const std::string ratio = RatioText(AnswerText(h, "ratio"));
  const std::string liq =
      PriceText(AnswerText(h, "liquidation_price"), *pos.type, sys);
  const bool safe = h.value("safe", false);
  json doc = {{"id", StrCat(id)},
              {"type", pos.type->name},
              {"price", price},
              {"debt", AnswerText(h, "debt")},
              {"collateral", AnswerText(h, "collateral")},
              {"ratio", ratio},
              {"safe", safe},
              {"liquidation_price", liq},
              {"max_mint", AnswerText(h, "max_mint")},
              {"max_withdraw", AnswerText(h, "max_withdraw")},
              {"height", StrCat(at)}};
  s.Emit(doc,
         Fields()
             .Add("position", StrCat(id, " (", pos.type->name, ")"))
             .Add("at price", price)
             .Add("debt", AnswerText(h, "debt"))
             .Add("collateral", AnswerText(h, "collateral"))
             .Add("ratio", ratio.empty() ? "- (no debt)" : ShortRatio(ratio))
             .Add("safe", safe ? "yes" : "no: it can be liquidated")
             .Add("liquidation price",
                  liq.empty() ? "- (no debt)"
                              : StrCat(liq, " (unsafe below this price)"))
             .Add("could still mint", AnswerText(h, "max_mint"))
             .Add("could withdraw", AnswerText(h, "max_withdraw"))
             .Render());
  return absl::OkStatus();
}

// ---- oracle ----

absl::Status OraclePost(Session& s, const VaultTxArgs& a,
                        const std::string& feed, const std::string& price) {
  RETURN_IF_ERROR(CheckDecimalForm(price, "PRICE"));
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  ASSIGN_OR_RETURN(const SystemType* t, sys.TypeByFeed(feed));
  ASSIGN_OR_RETURN(std::string ray, ParsePrice(price, t->decimals,
                                               sys.stable_decimals, "PRICE"));
  if (ray == "0") return absl::InvalidArgumentError("PRICE: must be above 0");
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  ASSIGN_OR_RETURN(int64_t time_ms, ReportTimeMs(s));
  ASSIGN_OR_RETURN(
      json r,
      Transact(s, from, sys.oracle, "post",
               {{"feed", feed}, {"price", ray}, {"time_ms", StrCat(time_ms)}},
               a.tx, "post"));
  const bool median = r.value("new_median", false);
  const bool tripped = r.value("tripped", false);
  s.Emit(json{{"feed", feed},
              {"price", price},
              {"price_ray", ray},
              {"time_ms", StrCat(time_ms)},
              {"new_median", median},
              {"tripped", tripped}},
         Fields()
             .Add("feed", feed)
             .Add("posted", StrCat(price, " (", ray, " RAY)"))
             .Add("new median", median ? "yes" : "no")
             .Add("tripped", tripped ? "yes" : "no")
             .Render());
  return absl::OkStatus();
}

absl::Status OracleShow(Session& s, const std::string& system,
                        const std::string& feed,
                        std::optional<uint64_t> height) {
  ASSIGN_OR_RETURN(SystemFile sys, System(s, system));
  ASSIGN_OR_RETURN(const SystemType* t, sys.TypeByFeed(feed));
  uint64_t at = 0;
  ASSIGN_OR_RETURN(json st,
                   Ask(s, sys.oracle, "status", {{"feed", feed}}, height, &at));
  auto snap_price = [&](const char* field) -> std::string {
    if (!st.contains(field) || !st[field].is_object()) return "";
    return PriceText(AnswerText(st[field], "price"), *t, sys);
  };
  json pending = json::array();
  if (st.contains("pending")) {
    for (const json& p : st["pending"]) {
      pending.push_back({{"price", PriceText(AnswerText(p, "price"), *t, sys)},
                         {"as_of_ms", AnswerText(p, "as_of_ms")},
                         {"computed_ms", AnswerText(p, "computed_ms")}});
    }
  }
  json reports = json::array();
  Table table({"REPORTER", "PRICE", "TIME", "FRESH"});
  if (st.contains("reports")) {
    for (const json& r : st["reports"]) {
      const std::string p = PriceText(AnswerText(r, "price"), *t, sys);
      reports.push_back({{"reporter", AnswerText(r, "reporter")},
                         {"price", p},
                         {"time_ms", AnswerText(r, "time_ms")},
                         {"fresh", r.value("fresh", false)}});
      table.AddRow({AnswerText(r, "reporter"), p.empty() ? "-" : p,
                    p.empty() ? "-" : FormatTimeMs(AnswerText(r, "time_ms")),
                    r.value("fresh", false) ? "yes" : "no"});
    }
  }
  const std::string current = snap_price("current");
  const bool usable = st.value("usable", false);
  json doc = {{"feed", feed},
              {"type", t->name},
              {"usable", usable},
              {"reason", AnswerText(st, "reason")},
              {"price", current},
              {"current", st.contains("current") ? st["current"] : json()},
              {"pending", pending},
              {"tripped", snap_price("tripped")},
              {"reports", reports},
              {"height", StrCat(at)}};
  s.Emit(doc, Fields().Add("feed", StrCat(feed, " (type ", t->name, ")"))
                      .Add("price", current.empty() ? "-" : current)
                      .Add("usable", usable ? "yes" : "no")
                      .AddIfSet("reason", AnswerText(st, "reason"))
                      .Add("pending", StrCat(pending.size()))
                      .AddIfSet("tripped", snap_price("tripped"))
                      .Add("at block", StrCat(at))
                      .Render() +
                  table.Render(2));
  return absl::OkStatus();
}

// ---- faucet ----

absl::Status FaucetDrip(Session& s, const VaultTxArgs& a,
                        const std::string& token_text) {
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  if (sys.faucet.empty()) {
    return absl::FailedPreconditionError("this system has no faucet");
  }
  std::string token;
  std::string name;
  if (auto t = sys.Type(token_text); t.ok()) {
    token = (*t)->token;
    name = (*t)->name;
  } else if (auto raw = ParseAddress(token_text); raw.ok()) {
    token = *raw;
    name = Hex0x(token);
  } else {
    return t.status();
  }
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  ASSIGN_OR_RETURN(json r, Transact(s, from, sys.faucet, "drip",
                                    {{"token", Hex0x(token)}}, a.tx, "drip"));
  const std::string amount = AnswerText(r, "amount");
  s.Emit(json{{"token", Hex0x(token)},
              {"name", name},
              {"to", Hex0x(from.address)},
              {"amount", amount},
              {"next_drip_ms", AnswerText(r, "next_drip_ms")}},
         Fields()
             .Add("dripped", StrCat(amount, " of ", name))
             .Add("to", Hex0x(from.address))
             .Add("next drip", FormatTimeMs(AnswerText(r, "next_drip_ms")))
             .Render());
  return absl::OkStatus();
}

// ---- reserves ----

absl::StatusOr<api::ProofResponse> MergeProofDocuments(
    std::vector<api::ProofResponse> docs) {
  if (docs.empty()) {
    return absl::InvalidArgumentError("no proof documents to merge");
  }
  auto same = [](const google::protobuf::MessageLite& a,
                 const google::protobuf::MessageLite& b) {
    return ledger::SerializeDeterministic(a) ==
           ledger::SerializeDeterministic(b);
  };
  api::ProofResponse merged = std::move(docs[0]);
  for (size_t d = 1; d < docs.size(); ++d) {
    api::ProofResponse& doc = docs[d];
    bool signatures_equal = doc.signatures_size() == merged.signatures_size();
    for (int i = 0; signatures_equal && i < doc.signatures_size(); ++i) {
      signatures_equal = same(doc.signatures(i), merged.signatures(i));
    }
    const char* differs = doc.chain_id() != merged.chain_id() ? "chain id"
                          : doc.height() != merged.height()   ? "height"
                          : doc.block_hash() != merged.block_hash()
                              ? "block hash"
                          : !same(doc.header(), merged.header()) ? "header"
                          : !signatures_equal                    ? "signatures"
                                                                 : nullptr;
    if (differs != nullptr) {
      return absl::AbortedError(
          StrCat("proof documents to merge differ in their ", differs,
                 " (document 1 and ", d + 1,
                 "): they do not prove against one signed header"));
    }
    for (api::ProofEntry& e : *doc.mutable_entries()) {
      *merged.add_entries() = std::move(e);
    }
  }
  return merged;
}

namespace {

// A big-endian unsigned integer as decimal digits (long division; at most
// 32 bytes).
std::string BigEndianDecimal(std::string_view bytes) {
  std::vector<uint8_t> n(bytes.begin(), bytes.end());
  std::string digits;
  auto zero = [&] {
    return std::all_of(n.begin(), n.end(), [](uint8_t b) { return b == 0; });
  };
  while (!zero()) {
    uint32_t rem = 0;
    for (uint8_t& b : n) {
      uint32_t cur = (rem << 8) | b;
      b = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
  }
  if (digits.empty()) return "0";
  std::reverse(digits.begin(), digits.end());
  return digits;
}

}  // namespace

// A token's uint64 storage value (8 bytes little-endian; absent = 0).
absl::StatusOr<uint64_t> TokenU64(const std::optional<std::string>& value,
                                  std::string_view what) {
  if (!value.has_value()) return uint64_t{0};
  if (value->size() != 8) {
    return absl::DataLossError(StrCat(what, ": not 8 bytes"));
  }
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | static_cast<uint8_t>((*value)[i]);
  }
  return v;
}

// Fetches the keys (grouped per contract, at `height`) and merges the
// documents into one (MergeProofDocuments).
absl::StatusOr<api::ProofResponse> ProveAll(Session& s,
                                            const std::vector<ProofKey>& keys,
                                            uint64_t height) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> by_contract;
  for (const ProofKey& k : keys) {
    if (!by_contract.contains(k.contract)) order.push_back(k.contract);
    by_contract[k.contract].push_back(k.key);
  }
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  std::vector<api::ProofResponse> docs;
  for (const std::string& contract : order) {
    api::ProofRequest request;
    request.set_contract(contract);
    for (const std::string& key : by_contract[contract]) request.add_keys(key);
    request.set_height(height);
    auto doc = node->Proof(request);
    if (!doc.ok()) {
      return Annotate(doc.status(), StrCat("proof of ", Hex0x(contract)));
    }
    docs.push_back(*std::move(doc));
  }
  return MergeProofDocuments(std::move(docs));
}

absl::Status Reserves(Session& s, const ReservesArgs& a) {
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  std::optional<uint64_t> height = a.height;
  if (a.prove && !height.has_value()) {
    // One height for the query and every proof.
    ASSIGN_OR_RETURN(api::Client * node, s.Node());
    ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
    height = info.height();
  }
  uint64_t at = 0;
  ASSIGN_OR_RETURN(json r,
                   Ask(s, sys.engine, "reserves", json::object(), height, &at));
  json types = json::array();
  Table table({"TYPE", "COLLATERAL", "PRICE", "VALUE", "DEBT", "RATIO"});
  std::vector<std::pair<std::string, uint64_t>> held;  // per type's token
  if (r.contains("types")) {
    for (const json& t : r["types"]) {
      ASSIGN_OR_RETURN(uint64_t id, AnswerU64(t, "type"));
      ASSIGN_OR_RETURN(const SystemType* st,
                       sys.TypeById(static_cast<uint32_t>(id)));
      ASSIGN_OR_RETURN(uint64_t coll, AnswerU64(t, "collateral"));
      ASSIGN_OR_RETURN(uint64_t in_auction, AnswerU64(t, "in_auction"));
      const unsigned __int128 total =
          static_cast<unsigned __int128>(coll) + in_auction;
      const std::string total_text = total > UINT64_MAX
                                         ? StrCat(coll, "+", in_auction)
                                         : StrCat(static_cast<uint64_t>(total));
      const std::string price = PriceText(AnswerText(t, "price"), *st, sys);
      const std::string ratio = RatioText(AnswerText(t, "ratio"));
      ASSIGN_OR_RETURN(uint64_t debt, AnswerU64(t, "debt"));
      ASSIGN_OR_RETURN(uint64_t auction_debt, AnswerU64(t, "auction_debt"));
      types.push_back({{"type", st->name},
                       {"id", id},
                       {"token", Hex0x(st->token)},
                       {"collateral", total_text},
                       {"engine_collateral", StrCat(coll)},
                       {"in_auction", StrCat(in_auction)},
                       {"price", price},
                       {"price_error", AnswerText(t, "price_error")},
                       {"value", AnswerText(t, "value")},
                       {"debt", StrCat(debt)},
                       {"auction_debt", StrCat(auction_debt)},
                       {"ratio", ratio}});
      table.AddRow(
          {st->name, total_text,
           price.empty() ? "- (" + AnswerText(t, "price_error") + ")" : price,
           AnswerText(t, "value").empty() ? "-" : AnswerText(t, "value"),
           StrCat(debt + auction_debt),
           ratio.empty() ? "-" : ShortRatio(ratio)});
    }
  }
  const std::string system_ratio = RatioText(AnswerText(r, "system_ratio"));
  json doc = {
      {"height", StrCat(at)},
      {"types", types},
      {"stable_supply", AnswerText(r, "stable_supply").empty()
                            ? "0"
                            : AnswerText(r, "stable_supply")},
      {"total_debt",
       AnswerText(r, "total_debt").empty() ? "0" : AnswerText(r, "total_debt")},
      {"system_ratio", system_ratio},
      {"surplus",
       AnswerText(r, "surplus").empty() ? "0" : AnswerText(r, "surplus")},
      {"bad_debt",
       AnswerText(r, "bad_debt").empty() ? "0" : AnswerText(r, "bad_debt")},
      {"auction_debt", AnswerText(r, "auction_debt").empty()
                           ? "0"
                           : AnswerText(r, "auction_debt")}};
  std::string text =
      table.Render() + "\n" +
      Fields()
          .Add("stable supply", doc["stable_supply"].get<std::string>())
          .Add("total debt", doc["total_debt"].get<std::string>())
          .Add("system ratio",
               system_ratio.empty() ? "-" : ShortRatio(system_ratio))
          .Add("surplus", doc["surplus"].get<std::string>())
          .Add("bad debt", doc["bad_debt"].get<std::string>())
          .Add("at block", StrCat(at))
          .Render();

  if (a.prove) {
    // The keys behind the figures: each collateral token's balances of the
    // engine and of the type's auction, the stable supply, the engine's
    // books (ledger keys: contracts/token/token.cc, contracts/vault/engine.h).
    std::vector<ProofKey> keys;
    for (const SystemType& t : sys.types) {
      keys.push_back({t.token, "b" + sys.engine,
                      StrCat(t.name, " balance of the engine")});
      if (!t.auction.empty()) {
        keys.push_back({t.token, "b" + t.auction,
                        StrCat(t.name, " balance of its auction")});
      }
    }
    keys.push_back({sys.stable, "supply", "stable supply"});
    for (const char* k : {"debt", "auct", "bad", "surp"}) {
      keys.push_back({sys.engine, k, StrCat("engine ", k, " (rad)")});
    }
    ASSIGN_OR_RETURN(api::ProofResponse proof, ProveAll(s, keys, at));
    // The proved values must be the figures the query used.
    json proved = json::array();
    Fields pf;
    for (const api::ProofEntry& e : proof.entries()) {
      std::optional<std::string> value;
      if (e.has_value()) value = e.value();
      std::string label, figure;
      for (const ProofKey& k : keys) {
        if (k.contract == e.contract() && k.key == e.key()) label = k.label;
      }
      if (e.contract() == sys.engine) {
        figure = value.has_value() ? BigEndianDecimal(*value) : "0";
      } else {
        ASSIGN_OR_RETURN(uint64_t v, TokenU64(value, label));
        figure = StrCat(v);
      }
      proved.push_back({{"contract", Hex0x(e.contract())},
                        {"key", Hex0x(e.key())},
                        {"what", label},
                        {"value", figure}});
      pf.Add(label, figure);
    }
    if (proved.size() > 0 &&
        proof.entries_size() == static_cast<int>(keys.size())) {
      // Cross-check the stable supply and the engine's balances.
      for (const json& p : proved) {
        const std::string what = p["what"].get<std::string>();
        if (what == "stable supply" && p["value"] != doc["stable_supply"]) {
          return absl::DataLossError(
              StrCat("proved stable supply ", p["value"].get<std::string>(),
                     " differs from the query's ",
                     doc["stable_supply"].get<std::string>()));
        }
        for (const json& t : types) {
          if (what == StrCat(t["type"].get<std::string>(),
                             " balance of the engine") &&
              p["value"] != t["engine_collateral"]) {
            return absl::DataLossError(
                StrCat("proved ", what, " ", p["value"].get<std::string>(),
                       " differs from the query's ",
                       t["engine_collateral"].get<std::string>()));
          }
        }
      }
    }
    ASSIGN_OR_RETURN(json proof_json, api::ProofDocumentJson(proof));
    const std::string out = a.out.empty() ? "reserves-proof.json" : a.out;
    RETURN_IF_ERROR(WriteFileDurably(out, api::DumpJson(proof_json, 2) + "\n"));
    doc["proof"] = {{"file", out},
                    {"height", StrCat(proof.height())},
                    {"block_hash", Hex0x(proof.block_hash())},
                    {"entries", proved}};
    text += "\nproved at block " + StrCat(proof.height()) + " (" +
            Hex0x(proof.block_hash()) + "):\n" + pf.Render(2) +
            "proof document: " + out +
            "\ncheck it offline: ballast proof verify " + out +
            " --producer PUBKEY\n";
  }
  s.Emit(doc, text);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> AnswerU64(const json& doc, std::string_view field) {
  auto it = doc.find(field);
  if (it == doc.end()) return uint64_t{0};  // proto3 default
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_string()) return ParseAmount(it->get<std::string>(), field);
  return absl::InternalError(
      StrCat("answer field ", field, " is not a number"));
}

std::string AnswerText(const json& doc, std::string_view field) {
  auto it = doc.find(field);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace ballast::cli
