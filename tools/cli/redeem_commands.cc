#include "tools/cli/redeem_commands.h"

#include <memory>
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

struct RedeemArgs {
  std::string type;
  std::string amount;
  std::string max_fee = "0.01";
  uint32_t max_positions = 32;
  std::string system;
  TxOptions tx;
};

std::string Field(const json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "0";
}

absl::Status Redeem(Session& s, const RedeemArgs& a) {
  ASSIGN_OR_RETURN(uint64_t amount, ParseAmount(a.amount, "amount"));
  ASSIGN_OR_RETURN(std::string max_fee, ParseRay(a.max_fee, "max fee"));
  ASSIGN_OR_RETURN(SystemFile sys, System(s, a.system));
  ASSIGN_OR_RETURN(const SystemType* t, sys.Type(a.type));
  ASSIGN_OR_RETURN(StoredKey from, s.Keys().Load(a.tx.from));
  // The engine burns the stable it redeems: approve it for the amount.
  RETURN_IF_ERROR(Transact(s, from, sys.stable, "approve",
                           {{"spender", "0x" + ToHex(sys.engine)},
                            {"amount", StrCat(amount)}},
                           a.tx, "approve stable")
                      .status());
  ASSIGN_OR_RETURN(json r, Transact(s, from, sys.engine, "redeem",
                                    {{"type", t->id},
                                     {"amount", StrCat(amount)},
                                     {"max_positions", a.max_positions},
                                     {"max_fee", max_fee}},
                                    a.tx, "redeem"));
  json doc = {{"type", t->name},
              {"redeemed", Field(r, "redeemed")},
              {"fee", Field(r, "fee")},
              {"collateral", Field(r, "collateral")},
              {"positions", r.value("positions", 0)}};
  s.Emit(doc, Fields()
                  .Add("type", t->name)
                  .Add("redeemed", doc["redeemed"].get<std::string>())
                  .Add("fee", doc["fee"].get<std::string>())
                  .Add("collateral", doc["collateral"].get<std::string>())
                  .Add("positions", StrCat(doc["positions"].get<int>()))
                  .Render());
  return absl::OkStatus();
}

}  // namespace

void RegisterRedeemCommands(CLI::App& app, const CommandHook& on) {
  auto args = std::make_shared<RedeemArgs>();
  CLI::App* cmd = app.add_subcommand(
      "redeem",
      "Redeem stable for collateral of a type at the oracle price, less the "
      "redemption fee (from the least collateralized positions)");
  cmd->add_option("TYPE", args->type, "Collateral type (name or id)")
      ->required();
  cmd->add_option("AMOUNT", args->amount,
                  "Stable to redeem, fee included (base units)")
      ->required();
  cmd->add_option("--from", args->tx.from, "Name of the signing key")
      ->required();
  cmd->add_option("--max-fee", args->max_fee,
                  "Refuse if the fee is above this fraction")
      ->capture_default_str();
  cmd->add_option("--max-positions", args->max_positions,
                  "Most positions to redeem from")
      ->capture_default_str()
      ->check(CLI::Range(1, 32));
  cmd->add_option("--system", args->system,
                  "System file (default: the node's chain's)");
  AddGasAndTimeout(cmd, args->tx);
  on(cmd, "redeem", [args](Session& s) { return Redeem(s, *args); });
}

}  // namespace ballast::cli
