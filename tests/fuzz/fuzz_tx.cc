// Fuzz target "tx": transaction admission as the node does it on POST
// /v1/tx, before the mempool: the request body parsed as JSON and converted
// to a SignedTransaction (ParseJson, JsonToProto, as api_server.cc's
// ParseBody), then Executor::CheckTransaction (size, decode, chain id, key,
// signature, gas limit, kind, address), then the transaction's view as GET
// /v1/tx renders it. The first input byte picks the form of the rest:
//   even: the JSON body itself;
//   odd:  Transaction bytes, which the target signs with a fixed key (after
//         setting the sender key and, if the second byte is odd, the chain
//         id when they parse), so the checks after the signature run too.
// A transaction CheckTransaction accepts must re-check the same (hash,
// sender) after a JSON round trip of its SignedTransaction.

#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <memory>
#include <string>

#include "ledger/ballast.pb.h"
#include "ledger/crypto.h"
#include "ledger/store.h"
#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "node/api/proto_json.h"
#include "node/api/views.h"
#include "node/executor.h"
#include "tests/fuzz/fuzz_check.h"
#include "wasm/runtime.h"
#include "wasm/wabt_engine.h"

namespace {

using namespace ballast;  // NOLINT

constexpr char kChainId[] = "fuzz-1";

struct World {
  std::unique_ptr<leveldb::Env> env{
      leveldb::NewMemEnv(leveldb::Env::Default())};
  std::unique_ptr<ledger::Store> store;
  wasm::Runtime runtime{wasm::NewWabtInterpreterEngine()};
  std::unique_ptr<node::Executor> executor;
  KeyPair key = *KeyPairFromSeed(std::string(32, '\x07'));

  World() {
    ledger::StoreOptions options;
    options.env = env.get();
    options.sync = false;
    store = *ledger::Store::Open("/fuzz-tx", options);
    executor =
        std::make_unique<node::Executor>(store.get(), &runtime, kChainId);
  }
};

World& TheWorld() {
  static World* world = new World;
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static google::protobuf::LogSilencer* silence =
      new google::protobuf::LogSilencer;  // libprotobuf logs bad UTF-8
  (void)silence;
  World& w = TheWorld();
  test::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  ledger::SignedTransaction stx;
  if (mode % 2 == 0) {
    auto j = api::ParseJson(in.Rest());
    if (!j.ok()) return 0;
    if (!api::JsonToProto(*j, &stx).ok()) return 0;
  } else {
    const bool fix_chain = in.Byte() % 2 == 1;
    std::string bytes = in.Rest();
    ledger::Transaction tx;
    if (tx.ParseFromString(bytes)) {
      tx.set_sender_pubkey(w.key.public_key);
      if (fix_chain) tx.set_chain_id(kChainId);
      bytes = tx.SerializeAsString();
    }
    stx.set_tx(bytes);
    stx.set_signature(Sign(w.key, bytes));
  }
  auto checked = w.executor->CheckTransaction(stx);
  api::TransactionView view = api::TransactionViewOf(stx, nullptr);
  auto printed = api::ProtoToJson(view);
  FUZZ_CHECK(printed.ok());
  if (!checked.ok()) {
    FUZZ_CHECK(checked.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  auto j = api::ProtoToJson(stx);
  FUZZ_CHECK(j.ok());
  ledger::SignedTransaction back;
  FUZZ_CHECK(api::JsonToProto(*j, &back).ok());
  auto again = w.executor->CheckTransaction(back);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->hash == checked->hash && again->sender == checked->sender);
  return 0;
}
