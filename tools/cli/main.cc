// ballast: the command line for a Ballast node. See `ballast --help`.
//
// Exit status: 0 on success; 2 for a usage error; otherwise the exit code
// node/api/errors.h gives the error's kind (1: a contract call failed, 3: bad
// input, 4: not found, 5: conflict or wrong state, 6: the node is busy or
// unreachable, 7: timed out, 8: the node's own failure). The error is on
// stderr, and with --json also on stdout as {"error": {"code", "message"}}.

#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "ledger/base/version.h"
#include "node/api/errors.h"
#include "node/api/proto_json.h"
#include "tools/cli/auction_commands.h"
#include "tools/cli/bridge_commands.h"
#include "tools/cli/chains_commands.h"
#include "tools/cli/commands.h"
#include "tools/cli/dev_commands.h"
#include "tools/cli/keeper_commands.h"
#include "tools/cli/redeem_commands.h"
#include "tools/cli/simulate_commands.h"
#include "tools/cli/tx_options.h"
#include "tools/cli/vault_cli.h"

namespace ballast::cli {
namespace {

using api::kExitUsage;

void AddTxOptions(CLI::App* cmd, TxOptions& tx) {
  cmd->add_option("--from", tx.from, "Name of the signing key (ballast keys)")
      ->required();
  AddGasAndTimeout(cmd, tx);
  cmd->add_flag("--async", tx.async,
                "Print the transaction hash without waiting for the receipt");
}

int Main(int argc, char** argv) {
  CLI::App app(
      "ballast: keys, contracts and the chain of a Ballast node (ballastd).",
      "ballast");
  app.set_version_flag("--version", std::string("ballast ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  app.footer(
      "Environment: BALLAST_NODE (default for --node), BALLAST_HOME (keys "
      "live in $BALLAST_HOME/keys, default ~/.ballast/keys), "
      "BALLAST_PASSPHRASE (for encrypted keys; else asked on the "
      "terminal).\n"
      "Run 'ballast COMMAND --help' for a command's arguments.");

  GlobalOptions global;
  app.add_option("--node", global.node_url, "URL of the node's HTTP API")
      ->envname("BALLAST_NODE")
      ->capture_default_str();
  app.add_flag("--json", global.json,
               "Print exactly one JSON document on stdout (for scripts)");

  std::string command;
  std::function<absl::Status(Session&)> action;
  auto on = [&](CLI::App* cmd, std::string name,
                std::function<absl::Status(Session&)> run) {
    cmd->callback(
        [&command, &action, name = std::move(name), run = std::move(run)] {
          command = name;
          action = run;
        });
  };

  // keys
  CLI::App* keys = app.add_subcommand("keys", "Manage signing keys");
  keys->require_subcommand(1);
  std::string key_name;
  CLI::App* keys_new = keys->add_subcommand(
      "new", "Create a new ed25519 key (never overwrites an existing one)");
  keys_new->add_option("NAME", key_name, "Name of the key")->required();
  bool encrypt = false;
  const char* kEncryptHelp =
      "Encrypt the key at rest with a passphrase (Argon2id + "
      "XSalsa20-Poly1305; "
      "from $BALLAST_PASSPHRASE, else asked on the terminal)";
  keys_new->add_flag("--encrypt", encrypt, kEncryptHelp);
  on(keys_new, "keys new",
     [&](Session& s) { return KeysNew(s, key_name, encrypt); });
  CLI::App* keys_import = keys->add_subcommand(
      "import",
      "Store a key read from stdin: a hex ed25519 seed (32 bytes) or secret "
      "key (64 bytes)");
  keys_import->add_option("NAME", key_name, "Name of the key")->required();
  keys_import->add_flag("--encrypt", encrypt, kEncryptHelp);
  on(keys_import, "keys import",
     [&](Session& s) { return KeysImport(s, key_name, std::cin, encrypt); });
  CLI::App* keys_list = keys->add_subcommand("list", "List the stored keys");
  on(keys_list, "keys list", [&](Session& s) { return KeysList(s); });
  CLI::App* keys_show =
      keys->add_subcommand("show", "Show a key's address and public key");
  keys_show->add_option("NAME", key_name, "Name of the key")->required();
  on(keys_show, "keys show", [&](Session& s) { return KeysShow(s, key_name); });

  // deploy
  DeployArgs deploy;
  CLI::App* deploy_cmd = app.add_subcommand(
      "deploy",
      "Deploy a wasm contract with its .proto interface and wait for it");
  deploy_cmd->add_option("WASM", deploy.wasm_path, "The contract module")
      ->required()
      ->check(CLI::ExistingFile);
  deploy_cmd
      ->add_option("--interface", deploy.proto_path,
                   "The contract's .proto interface (or its compiled "
                   "FileDescriptorSet, e.g. build/.../contracts/token.desc)")
      ->required()
      ->check(CLI::ExistingFile);
  deploy_cmd->add_option("-I,--include", deploy.include_dirs,
                         "Directory to resolve the interface's imports in");
  deploy_cmd->add_option("--init", deploy.init_json,
                         "Arguments of the init method, as JSON (default {})");
  AddTxOptions(deploy_cmd, deploy.tx);
  on(deploy_cmd, "deploy", [&](Session& s) { return Deploy(s, deploy); });

  // call
  CallArgs call;
  CLI::App* call_cmd = app.add_subcommand(
      "call", "Send a transaction calling a contract method; wait for it");
  call_cmd->add_option("ADDRESS", call.contract, "Contract address")
      ->required();
  call_cmd->add_option("METHOD", call.method, "Method name")->required();
  call_cmd->add_option("ARGS", call.args_json,
                       "Method arguments as JSON (default {})");
  AddTxOptions(call_cmd, call.tx);
  on(call_cmd, "call", [&](Session& s) { return Call(s, call); });

  // query
  std::string query_contract, query_method, query_args;
  std::optional<uint64_t> query_height;
  CLI::App* query_cmd = app.add_subcommand(
      "query",
      "Run a contract method read-only on the state after a block (default: "
      "the head), at that block's height and time");
  query_cmd->add_option("ADDRESS", query_contract, "Contract address")
      ->required();
  query_cmd->add_option("METHOD", query_method, "Method name")->required();
  query_cmd->add_option("ARGS", query_args,
                        "Method arguments as JSON (default {})");
  AddHeight(query_cmd, query_height);
  on(query_cmd, "query", [&](Session& s) {
    return Query(s, query_contract, query_method, query_args, query_height);
  });

  // tx, block, events, status, account, contract
  std::string tx_hash;
  CLI::App* tx_cmd =
      app.add_subcommand("tx", "Show a transaction and its receipt");
  tx_cmd->add_option("HASH", tx_hash, "Transaction hash")->required();
  on(tx_cmd, "tx", [&](Session& s) { return ShowTx(s, tx_hash); });

  std::string block_which = "latest";
  CLI::App* block_cmd = app.add_subcommand("block", "Show a block");
  block_cmd
      ->add_option("BLOCK", block_which, "Height, 'latest' or a 0x block hash")
      ->capture_default_str();
  on(block_cmd, "block", [&](Session& s) { return ShowBlock(s, block_which); });

  EventsArgs events;
  CLI::App* events_cmd = app.add_subcommand(
      "events", "List events, filtered by contract, name and block range");
  events_cmd->add_option("--contract", events.contract,
                         "Only events of this contract");
  events_cmd->add_option("--name", events.name,
                         "Only events of this name (e.g. TransferEvent)");
  events_cmd->add_option("--from-block", events.from_block,
                         "First block height (inclusive)");
  events_cmd->add_option("--to-block", events.to_block,
                         "Last block height (inclusive)");
  events_cmd->add_option("--limit", events.limit, "At most this many events");
  on(events_cmd, "events", [&](Session& s) { return Events(s, events); });

  CLI::App* status_cmd =
      app.add_subcommand("status", "Show the node's chain and head");
  on(status_cmd, "status", [&](Session& s) { return Status(s); });

  std::string account_who;
  CLI::App* account_cmd =
      app.add_subcommand("account", "Show an account's nonce");
  account_cmd->add_option("ACCOUNT", account_who, "Address or key name")
      ->required();
  on(account_cmd, "account",
     [&](Session& s) { return Account(s, account_who); });

  std::string contract_address;
  CLI::App* contract_cmd = app.add_subcommand(
      "contract", "Show a contract: code hash, creator, methods, events");
  contract_cmd->add_option("ADDRESS", contract_address, "Contract address")
      ->required();
  on(contract_cmd, "contract",
     [&](Session& s) { return Contract(s, contract_address); });

  // proof
  CLI::App* proof = app.add_subcommand(
      "proof", "Prove accounts and storage against a signed header; verify");
  proof->require_subcommand(1);
  std::optional<uint64_t> proof_height;
  std::string proof_account;
  CLI::App* proof_account_cmd = proof->add_subcommand(
      "account", "Fetch a proof of an account's record (its nonce)");
  proof_account_cmd->add_option("ACCOUNT", proof_account, "Address or key name")
      ->required();
  AddHeight(proof_account_cmd, proof_height);
  on(proof_account_cmd, "proof account",
     [&](Session& s) { return ProveAccount(s, proof_account, proof_height); });
  std::string proof_contract;
  std::vector<std::string> proof_keys;
  CLI::App* proof_storage_cmd = proof->add_subcommand(
      "storage",
      "Fetch one proof document of storage keys (present or absent) of a "
      "contract");
  proof_storage_cmd->add_option("CONTRACT", proof_contract, "Contract address")
      ->required();
  proof_storage_cmd
      ->add_option("KEY", proof_keys, "Raw storage keys in hex (0x optional)")
      ->required();
  AddHeight(proof_storage_cmd, proof_height);
  on(proof_storage_cmd, "proof storage", [&](Session& s) {
    return ProveStorage(s, proof_contract, proof_keys, proof_height);
  });
  VerifyProofArgs verify;
  CLI::App* proof_verify_cmd = proof->add_subcommand(
      "verify",
      "Check a saved proof document offline (no node): the header's hash, "
      "signatures by trusted producer keys, the chain id, each proof");
  proof_verify_cmd->add_option("FILE", verify.file, "The proof document")
      ->required();
  proof_verify_cmd->add_option(
      "--producer", verify.producers,
      "A trusted producer public key (hex); repeat for several. Required");
  proof_verify_cmd
      ->add_option("--threshold", verify.threshold,
                   "How many distinct trusted keys must have signed")
      ->capture_default_str();
  proof_verify_cmd->add_option("--chain-id", verify.chain_id,
                               "The chain the header must belong to");
  on(proof_verify_cmd, "proof verify",
     [&](Session& s) { return VerifyProof(s, verify); });

  // Command groups that live in their own files.
  RegisterDevCommands(app, on);
  RegisterKeeperCommands(app, on);
  RegisterSimulateCommands(app, on);
  RegisterChainsCommands(app, on);
  RegisterBridgeCommands(app, on);
  RegisterRedeemCommands(app, on);
  RegisterAuctionCommands(app, on);
  // system, vault, oracle, faucet, reserves (tools/cli/vault_cli.h)
  std::shared_ptr<void> vault_options = AddVaultCommands(app, on, AddTxOptions);

  if (argc <= 1) {
    std::cerr << app.help();
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ballast: " << e.what()
              << "\nRun 'ballast --help' (or 'ballast COMMAND --help') for "
                 "usage.\n";
    if (global.json) {
      std::cout << api::DumpJson(nlohmann::json{{"error",
                                                 {{"code", "INVALID_ARGUMENT"},
                                                  {"message", e.what()}}}},
                                 2)
                << "\n";
    }
    return kExitUsage;
  }
  if (!action) {  // e.g. "ballast keys" without a keys command
    std::cerr << app.help();
    return kExitUsage;
  }

  Session session(global, std::cout);
  absl::Status status = action(session);
  if (status.ok()) return 0;
  if (global.json && !session.emitted()) {
    std::cout << api::DumpJson(
                     nlohmann::json{
                         {"error",
                          {{"code", api::StatusCodeName(status.code())},
                           {"message", std::string(status.message())}}}},
                     2)
              << "\n";
  }
  std::cerr << "ballast: " << command << ": " << status.message() << "\n";
  return api::ExitCodeOf(status);
}

}  // namespace
}  // namespace ballast::cli

int main(int argc, char** argv) { return ballast::cli::Main(argc, argv); }
