// The `ballast` CLI's commands, one function each, independent of argument
// parsing (main.cc wires them to CLI11). A command either succeeds after
// emitting its result once, or returns a status whose message says what went
// wrong; main prints that as "ballast: <command>: <message>".
//
// Output: in --json mode a command emits exactly one JSON document on stdout
// (on failure main emits {"error": {"code", "message"}}, unless the command
// already emitted its document, e.g. the receipt of a failed call); otherwise
// readable text.

#ifndef BALLAST_TOOLS_CLI_COMMANDS_H_
#define BALLAST_TOOLS_CLI_COMMANDS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "node/api/client.h"
#include "node/api/contract_interface.h"
#include "tools/cli/keystore.h"

namespace ballast::cli {

using api::kDefaultNodeUrl;
// The gas limit of a transaction when --gas is not given.
inline constexpr uint64_t kDefaultGas = 10'000'000;
// How long deploy and call wait for the receipt when --timeout is not given.
inline constexpr double kDefaultTimeoutSeconds = 30;

struct GlobalOptions {
  std::string node_url = kDefaultNodeUrl;
  bool json = false;
  std::string keys_dir;  // empty: Keystore::DefaultDir()
};

// What one invocation runs with: the options, stdout, and the node
// connection (opened on first use).
class Session {
 public:
  Session(GlobalOptions options, std::ostream& out);

  const GlobalOptions& options() const { return options_; }
  bool json() const { return options_.json; }
  absl::StatusOr<api::Client*> Node();
  Keystore Keys() const;

  // Writes the result: `doc` (pretty JSON) in --json mode, else `text`.
  void Emit(const nlohmann::json& doc, std::string_view text);
  bool emitted() const { return emitted_; }

 private:
  GlobalOptions options_;
  std::ostream& out_;
  std::unique_ptr<api::Client> node_;
  bool emitted_ = false;
};

// Options of the commands that send a transaction.
struct TxOptions {
  std::string from;  // key name
  uint64_t gas = kDefaultGas;
  double timeout_seconds = kDefaultTimeoutSeconds;
  bool async = false;  // print the hash and return without waiting
};

absl::Status KeysNew(Session& s, const std::string& name, bool encrypt);
// Reads a hex ed25519 seed (32 bytes) or secret key (64 bytes) from `in`.
absl::Status KeysImport(Session& s, const std::string& name, std::istream& in,
                        bool encrypt);
absl::Status KeysList(Session& s);
absl::Status KeysShow(Session& s, const std::string& name);

struct DeployArgs {
  std::string wasm_path;
  std::string proto_path;  // .proto, or a serialized FileDescriptorSet
  std::vector<std::string> include_dirs;
  std::optional<std::string> init_json;
  TxOptions tx;
};
absl::Status Deploy(Session& s, const DeployArgs& args);

struct CallArgs {
  std::string contract;  // hex address, 0x optional
  std::string method;
  std::string args_json;  // empty means {}
  TxOptions tx;
};
absl::Status Call(Session& s, const CallArgs& args);
// query: runs a method read-only on the state after block `height`
// (default: the head), at that block's height and time.
absl::Status Query(Session& s, const std::string& contract,
                   const std::string& method, const std::string& args_json,
                   std::optional<uint64_t> height = std::nullopt);

absl::Status ShowTx(Session& s, const std::string& hash);
// `which`: "latest", a height, or a 0x block hash.
absl::Status ShowBlock(Session& s, const std::string& which);

struct EventsArgs {
  std::string contract;
  std::string name;
  std::optional<uint64_t> from_block;
  std::optional<uint64_t> to_block;
  std::optional<uint64_t> limit;
};
absl::Status Events(Session& s, const EventsArgs& args);

absl::Status Status(Session& s);
// `who`: an address or a key name.
absl::Status Account(Session& s, const std::string& who);
absl::Status Contract(Session& s, const std::string& address);

// proof account / proof storage: fetch a proof document of an account (an
// address or a key name), or of storage keys (hex, 0x optional) of one
// contract, at `height` (default: the head). With --json the document is
// printed as is, to save and verify offline.
absl::Status ProveAccount(Session& s, const std::string& who,
                          std::optional<uint64_t> height);
absl::Status ProveStorage(Session& s, const std::string& contract,
                          const std::vector<std::string>& keys,
                          std::optional<uint64_t> height);

// proof verify: checks a saved proof document offline (node/api/proof.h),
// with no node: OK only if everything it claims holds.
struct VerifyProofArgs {
  std::string file;
  std::vector<std::string> producers;  // hex ed25519 public keys
  size_t threshold = 1;
  std::optional<std::string> chain_id;
};
absl::Status VerifyProof(Session& s, const VerifyProofArgs& args);

// Raw bytes of an address given as 40 hex digits, with or without "0x".
absl::StatusOr<std::string> ParseAddress(std::string_view text);

// ---- Building blocks of the commands in other files (system, vault) ----

// Calls `method` of `contract` (raw address) with JSON `args`, encoded
// through the interface the node holds for it, signed by `from`; waits for
// the receipt. Returns the decoded result (null if none). A failed call is
// the receipt's error (exit code 1), prefixed by `what`. `tx_hash` (if
// given) gets the raw hash of the committed transaction, failed or not.
absl::StatusOr<nlohmann::json> Transact(
    Session& s, const StoredKey& from, std::string_view contract,
    std::string_view method, const nlohmann::json& args, const TxOptions& tx,
    std::string_view what, std::string* tx_hash = nullptr);
// A call of `method` on `contract` (raw address) with JSON `args` encoded
// through `iface`, unsigned (what prefixes an encoding error).
absl::StatusOr<ledger::Transaction> CallTx(const api::ContractInterface& iface,
                                           std::string_view contract,
                                           std::string_view method,
                                           const nlohmann::json& args,
                                           std::string_view what);
// `tx` with chain id, `from`'s public key, nonce and gas limit set, signed
// by `from`: what SendTx submits, and what a driver that signs ahead of time
// (the vault benchmark) submits itself.
ledger::SignedTransaction SignTx(const StoredKey& from, ledger::Transaction tx,
                                 const std::string& chain_id, uint64_t nonce,
                                 uint64_t gas);
// The interface the node holds for the contract at raw `address`.
absl::StatusOr<api::ContractInterface> FetchInterface(api::Client& node,
                                                      std::string_view address);
// Like Transact, but returns the raw hash as soon as the node has accepted
// the transaction into its mempool; the receipt is not awaited (for a
// driver that mines the blocks itself, as `ballast simulate` does).
absl::StatusOr<std::string> TransactAsync(Session& s, const StoredKey& from,
                                          std::string_view contract,
                                          std::string_view method,
                                          const nlohmann::json& args,
                                          const TxOptions& tx,
                                          std::string_view what);
// Deploys `code` with its interface (a FileDescriptorSet) and init `args`;
// waits; returns the new contract's raw address.
absl::StatusOr<std::string> DeployCode(Session& s, const StoredKey& from,
                                       std::string code, std::string desc,
                                       const nlohmann::json& init_args,
                                       const TxOptions& tx,
                                       std::string_view what);
// Runs a query with JSON `args` at `height` (default: the head).
absl::StatusOr<api::QueryResponse> QueryMethod(Session& s,
                                               std::string_view contract,
                                               std::string_view method,
                                               const nlohmann::json& args,
                                               std::optional<uint64_t> height);
// The decoded result of a query as JSON (Internal if the node could not
// decode it).
absl::StatusOr<nlohmann::json> QueryResult(const api::QueryResponse& r);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_COMMANDS_H_
