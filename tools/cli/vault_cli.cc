#include "tools/cli/vault_cli.h"

#include <optional>

#include "ledger/base/strings.h"
#include "tools/cli/tx_options.h"
#include "tools/cli/vault_commands.h"

namespace ballast::cli {
namespace {

struct Options {
  SystemDeployArgs deploy;
  std::string system;  // --system of the other commands
  VaultTxArgs tx;
  std::string type, id, amount, price, owner, feed, token;
  std::optional<uint64_t> height;
  ReservesArgs reserves;
};

void AddSystemOption(CLI::App* cmd, std::string& system) {
  cmd->add_option("--system", system,
                  "The system file (default: $BALLAST_HOME/systems/<the "
                  "node's chain id>.json)");
}

}  // namespace

std::shared_ptr<void> AddVaultCommands(
    CLI::App& app, const OnCommand& on,
    const std::function<void(CLI::App*, TxOptions&)>& add_tx_options) {
  auto o = std::make_shared<Options>();
  Options& x = *o;

  // system
  CLI::App* system = app.add_subcommand(
      "system",
      "Deploy or show a collateral system (vault engine, oracle, "
      "stable token, faucet, collateral types)");
  system->require_subcommand(1);
  CLI::App* deploy =
      system->add_subcommand("deploy",
                             "Deploy the whole system and write its file "
                             "($BALLAST_HOME/systems/<chain id>.json)");
  deploy
      ->add_option("--config", x.deploy.config_file,
                   "System configuration (JSON; docs/cli.md); default: "
                   "two test collateral types tETH and tBTC")
      ->check(CLI::ExistingFile);
  deploy->add_option("--contracts", x.deploy.contracts_dir,
                     "Directory of the built contracts (<name>.wasm and "
                     ".desc); default $BALLAST_CONTRACTS, else the build's");
  deploy->add_option("--system", x.deploy.system_file,
                     "Where to write the system file (default: "
                     "$BALLAST_HOME/systems/<chain id>.json)");
  add_tx_options(deploy, x.deploy.tx);
  on(deploy, "system deploy",
     [&x](Session& s) { return SystemDeploy(s, x.deploy); });
  CLI::App* show = system->add_subcommand("show", "Show the system file");
  AddSystemOption(show, x.system);
  on(show, "system show", [&x](Session& s) { return SystemShow(s, x.system); });

  // vault
  CLI::App* vault = app.add_subcommand(
      "vault", "Positions: lock collateral, mint the stable token against it");
  vault->require_subcommand(1);
  auto tx_cmd = [&](const char* name, const char* help) {
    CLI::App* c = vault->add_subcommand(name, help);
    AddSystemOption(c, x.tx.system);
    add_tx_options(c, x.tx.tx);
    return c;
  };
  CLI::App* open = tx_cmd("open", "Open an empty position of a type");
  open->add_option("TYPE", x.type, "Collateral type (name or id)")->required();
  on(open, "vault open",
     [&x](Session& s) { return VaultOpen(s, x.tx, x.type); });
  for (const char* action : {"deposit", "withdraw", "mint", "repay"}) {
    const char* help =
        std::string(action) == "deposit"
            ? "Add collateral (approves the engine for it first)"
        : std::string(action) == "withdraw"
            ? "Take collateral back (the position must stay safe)"
        : std::string(action) == "mint"
            ? "Mint stable against the position"
            : "Burn stable against the debt (approves the engine first)";
    CLI::App* c = tx_cmd(action, help);
    c->add_option("ID", x.id, "Position id")->required();
    c->add_option("AMOUNT", x.amount, "Amount in base units (an integer)")
        ->required();
    on(c, StrCat("vault ", action), [&x, a = std::string(action)](Session& s) {
      return VaultAmount(s, x.tx, a, x.id, x.amount);
    });
  }
  CLI::App* close = tx_cmd(
      "close",
      "Repay all debt, take all collateral back and delete the position");
  close->add_option("ID", x.id, "Position id")->required();
  on(close, "vault close",
     [&x](Session& s) { return VaultClose(s, x.tx, x.id); });
  CLI::App* vshow = vault->add_subcommand("show", "Show a position");
  vshow->add_option("ID", x.id, "Position id")->required();
  AddSystemOption(vshow, x.system);
  AddHeight(vshow, x.height);
  on(vshow, "vault show",
     [&x](Session& s) { return VaultShow(s, x.system, x.id, x.height); });
  CLI::App* list = vault->add_subcommand("list", "List an owner's positions");
  list->add_option("OWNER", x.owner, "Address or key name")->required();
  AddSystemOption(list, x.system);
  AddHeight(list, x.height);
  on(list, "vault list",
     [&x](Session& s) { return VaultList(s, x.system, x.owner, x.height); });
  CLI::App* health = vault->add_subcommand(
      "health",
      "What becomes of a position at a hypothetical price (read-only): "
      "ratio, safety, liquidation price, what could be minted or withdrawn");
  health->add_option("ID", x.id, "Position id")->required();
  health
      ->add_option("--price", x.price,
                   "Price in stable per collateral token, e.g. 1500.5")
      ->required();
  AddSystemOption(health, x.system);
  AddHeight(health, x.height);
  on(health, "vault health", [&x](Session& s) {
    return VaultHealth(s, x.system, x.id, x.price, x.height);
  });

  // oracle
  CLI::App* oracle = app.add_subcommand("oracle", "Price feeds");
  oracle->require_subcommand(1);
  CLI::App* post = oracle->add_subcommand(
      "post", "Report a price as a reporter of the feed");
  post->add_option("FEED", x.feed, "Feed name (e.g. tETH)")->required();
  post->add_option("PRICE", x.price,
                   "Price in stable per collateral token, e.g. 1800.25")
      ->required();
  AddSystemOption(post, x.tx.system);
  add_tx_options(post, x.tx.tx);
  on(post, "oracle post",
     [&x](Session& s) { return OraclePost(s, x.tx, x.feed, x.price); });
  CLI::App* oshow = oracle->add_subcommand(
      "show", "Show a feed: price, usability, pending medians, reports");
  oshow->add_option("FEED", x.feed, "Feed name")->required();
  AddSystemOption(oshow, x.system);
  AddHeight(oshow, x.height);
  on(oshow, "oracle show",
     [&x](Session& s) { return OracleShow(s, x.system, x.feed, x.height); });

  // faucet
  CLI::App* faucet = app.add_subcommand("faucet", "Test collateral");
  faucet->require_subcommand(1);
  CLI::App* drip =
      faucet->add_subcommand("drip", "Mint the faucet's amount of a token");
  drip->add_option("TOKEN", x.token, "Collateral type name or token address")
      ->required();
  AddSystemOption(drip, x.tx.system);
  add_tx_options(drip, x.tx.tx);
  on(drip, "faucet drip",
     [&x](Session& s) { return FaucetDrip(s, x.tx, x.token); });

  // reserves
  CLI::App* reserves = app.add_subcommand(
      "reserves",
      "What backs the stable token: per type collateral, value, debt and "
      "ratio; supply, debt, system ratio, surplus, bad debt");
  AddSystemOption(reserves, x.reserves.system);
  AddHeight(reserves, x.reserves.height);
  reserves->add_flag("--prove", x.reserves.prove,
                     "Also fetch proofs of the balances and records behind "
                     "the figures at the same height, as one document for "
                     "'ballast proof verify'");
  reserves->add_option("--out", x.reserves.out,
                       "--prove: the proof document's file (default "
                       "reserves-proof.json)");
  on(reserves, "reserves",
     [&x](Session& s) { return Reserves(s, x.reserves); });
  return o;
}

}  // namespace ballast::cli
