#include "tools/cli/auction_commands.h"

#include <memory>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "tools/cli/decimal.h"
#include "tools/cli/output.h"
#include "tools/cli/tx_options.h"
#include "tools/cli/vault_commands.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

struct Args {
  std::string id, type, sale, amount, max_price, system;
  std::optional<uint64_t> height;
  TxOptions tx;
};

// A transaction to `contract` that answers with a flat JSON object, shown
// as it is (uint64 fields are strings in protobuf's JSON mapping).
absl::Status Send(Session& s, const Args& a, const std::string& contract,
                  const std::string& method, const json& args,
                  const std::string& what) {
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  ASSIGN_OR_RETURN(json r,
                   Transact(s, from, contract, method, args, a.tx, what));
  Fields f;
  f.Add("done", what);
  for (const auto& [key, value] : r.items()) {
    f.Add(key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  s.Emit(r, f.Render());
  return absl::OkStatus();
}

absl::Status Approve(Session& s, const Args& a, const SystemFile& sys,
                     uint64_t amount) {
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  return Transact(s, from, sys.stable, "approve",
                  {{"spender", "0x" + ToHex(sys.engine)},
                   {"amount", StrCat(amount)}},
                  a.tx, "approve stable")
      .status();
}

absl::Status Liquidate(Session& s, const Args& a) {
  ASSIGN_OR_RETURN(uint64_t id, ParseAmount(a.id, "position id"));
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  // The keeper reward goes to the signer.
  return Send(s, a, sys.engine, "liquidate", {{"id", StrCat(id)}}, "liquidate");
}

absl::Status AuctionList(Session& s, const Args& a) {
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  ASSIGN_OR_RETURN(const SystemType* t, sys.Type(a.type));
  if (t->auction.empty()) {
    return absl::FailedPreconditionError(
        StrCat("type ", t->name, " has no auction"));
  }
  ASSIGN_OR_RETURN(api::QueryResponse r,
                   QueryMethod(s, t->auction, "list",
                               {{"after", "0"}, {"limit", 100}}, a.height));
  ASSIGN_OR_RETURN(json list, QueryResult(r));
  json sales = list.value("sales", json::array());
  std::string text;
  for (json& sale : sales) {
    auto price = FormatPrice(AnswerText(sale, "price"), t->decimals,
                             sys.stable_decimals);
    sale["price_decimal"] = price.ok() ? *price : "";
    text +=
        StrCat("sale ", AnswerText(sale, "sale"), ": lot ",
               AnswerText(sale, "lot"), ", tab ", AnswerText(sale, "tab"),
               ", price ", sale["price_decimal"].get<std::string>(),
               sale.value("needs_redo", false) ? " (needs a reset)" : "", "\n");
  }
  if (text.empty()) text = StrCat("no running sales of ", t->name, "\n");
  s.Emit(
      json{{"type", t->name}, {"height", StrCat(r.height())}, {"sales", sales}},
      text);
  return absl::OkStatus();
}

absl::Status AuctionTake(Session& s, const Args& a) {
  ASSIGN_OR_RETURN(uint64_t sale, ParseAmount(a.sale, "sale"));
  ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(a.amount, "amount"));
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  ASSIGN_OR_RETURN(const SystemType* t, sys.Type(a.type));
  ASSIGN_OR_RETURN(
      std::string max_price,
      ParsePrice(a.max_price, t->decimals, sys.stable_decimals, "max price"));
  if (t->auction.empty()) {
    return absl::FailedPreconditionError(
        StrCat("type ", t->name, " has no auction"));
  }
  // The take costs at most the sale's tab, which the engine burns.
  ASSIGN_OR_RETURN(api::QueryResponse q,
                   QueryMethod(s, t->auction, "sale", {{"sale", StrCat(sale)}},
                               std::nullopt));
  ASSIGN_OR_RETURN(json sale_view, QueryResult(q));
  ASSIGN_OR_RETURN(uint64_t tab, AnswerU64(sale_view, "tab"));
  RETURN_IF_ERROR(Approve(s, a, sys, tab));
  return Send(s, a, t->auction, "take",
              {{"sale", StrCat(sale)},
               {"amount", StrCat(amount)},
               {"max_price", max_price}},
              StrCat("take from sale ", sale));
}

void AddSystem(CLI::App* cmd, Args& a) {
  cmd->add_option("--system", a.system,
                  "System file (default: the node's chain's)");
}

void AddTx(CLI::App* cmd, Args& a) {
  cmd->add_option("--from", a.tx.from, "Name of the signing key")->required();
  AddGasAndTimeout(cmd, a.tx);
  AddSystem(cmd, a);
}

}  // namespace

void RegisterAuctionCommands(CLI::App& app, const CommandHook& on) {
  auto args = std::make_shared<Args>();
  Args& a = *args;

  CLI::App* liquidate = app.add_subcommand(
      "liquidate",
      "Liquidate a position that is unsafe at the oracle price: its "
      "collateral goes to its type's auction");
  liquidate->add_option("ID", a.id, "Position id")->required();
  AddTx(liquidate, a);
  on(liquidate, "liquidate",
     [args](Session& s) { return Liquidate(s, *args); });

  CLI::App* auction =
      app.add_subcommand("auction", "A collateral type's liquidation auction");
  auction->require_subcommand(1);
  CLI::App* list = auction->add_subcommand("list", "Running sales");
  list->add_option("TYPE", a.type, "Collateral type (name or id)")->required();
  AddHeight(list, a.height);
  AddSystem(list, a);
  on(list, "auction list",
     [args](Session& s) { return AuctionList(s, *args); });
  CLI::App* take = auction->add_subcommand(
      "take", "Buy collateral from a sale at its current price");
  take->add_option("TYPE", a.type, "Collateral type (name or id)")->required();
  take->add_option("SALE", a.sale, "Sale id")->required();
  take->add_option("AMOUNT", a.amount, "Most collateral to buy (base units)")
      ->required();
  take->add_option("--max-price", a.max_price,
                   "Most to pay, stable per collateral token (a decimal)")
      ->required();
  AddTx(take, a);
  on(take, "auction take",
     [args](Session& s) { return AuctionTake(s, *args); });

  CLI::App* shutdown = app.add_subcommand(
      "shutdown",
      "Emergency shutdown (the engine's admin): freezes prices and stops "
      "every position change; then `ballast settle ...`");
  AddTx(shutdown, a);
  on(shutdown, "shutdown", [args](Session& s) {
    ASSIGN_OR_RETURN(SystemFile sys, System(s, args->system));
    return Send(s, *args, sys.engine, "shutdown", json::object(), "shutdown");
  });

  CLI::App* settle = app.add_subcommand(
      "settle", "Global settlement after a shutdown (one step per call)");
  settle->require_subcommand(1);
  CLI::App* skim = settle->add_subcommand(
      "skim", "Settle a position's debt against its collateral");
  skim->add_option("ID", a.id, "Position id")->required();
  AddTx(skim, a);
  on(skim, "settle skim", [args](Session& s) {
    ASSIGN_OR_RETURN(uint64_t id, ParseAmount(args->id, "position id"));
    ASSIGN_OR_RETURN(SystemFile sys, System(s, args->system));
    return Send(s, *args, sys.engine, "skim", {{"id", StrCat(id)}}, "skim");
  });
  CLI::App* snip = settle->add_subcommand("snip", "Settle a running sale");
  snip->add_option("TYPE", a.type, "Collateral type (name or id)")->required();
  snip->add_option("SALE", a.sale, "Sale id")->required();
  AddTx(snip, a);
  on(snip, "settle snip", [args](Session& s) {
    ASSIGN_OR_RETURN(uint64_t sale, ParseAmount(args->sale, "sale"));
    ASSIGN_OR_RETURN(SystemFile sys, System(s, args->system));
    ASSIGN_OR_RETURN(const SystemType* t, sys.Type(args->type));
    return Send(s, *args, sys.engine, "snip",
                {{"type", t->id}, {"sale", StrCat(sale)}}, "snip");
  });
  CLI::App* free = settle->add_subcommand(
      "free", "Take what is left of your settled position");
  free->add_option("ID", a.id, "Position id")->required();
  AddTx(free, a);
  on(free, "settle free", [args](Session& s) {
    ASSIGN_OR_RETURN(uint64_t id, ParseAmount(args->id, "position id"));
    ASSIGN_OR_RETURN(SystemFile sys, System(s, args->system));
    return Send(s, *args, sys.engine, "free", {{"id", StrCat(id)}}, "free");
  });
  CLI::App* thaw = settle->add_subcommand(
      "thaw", "Fix every type's collateral per stable once all is settled");
  AddTx(thaw, a);
  on(thaw, "settle thaw", [args](Session& s) {
    ASSIGN_OR_RETURN(SystemFile sys, System(s, args->system));
    return Send(s, *args, sys.engine, "thaw", json::object(), "thaw");
  });
  CLI::App* cash = settle->add_subcommand(
      "cash", "Burn stable for its share of every type's collateral");
  cash->add_option("AMOUNT", a.amount, "Stable (base units)")->required();
  AddTx(cash, a);
  on(cash, "settle cash", [args](Session& s) {
    ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(args->amount, "amount"));
    ASSIGN_OR_RETURN(SystemFile sys, System(s, args->system));
    RETURN_IF_ERROR(Approve(s, *args, sys, amount));
    return Send(s, *args, sys.engine, "cash", {{"amount", StrCat(amount)}},
                "cash");
  });
}

}  // namespace ballast::cli
