#include "tests/contracts/contract_fixture.h"

#include "gmock/gmock.h"
#include "ledger/base/bytes.h"
#include "tests/testing/engine.h"
#include "tests/testing/files.h"
#include "wasm/wabt_engine.h"

namespace ballast::test {

std::string Addr(char c) { return std::string(kAddressSize, c); }

std::string ContractWasm(std::string_view name) {
  return ReadFileOrDie(std::string(BALLAST_CONTRACTS_DIR) + "/" +
                       std::string(name) + ".wasm");
}

ContractTest::ContractTest() : runtime_(test::NewEngineUnderTest()) {
  if (EngineUnderTestName() != "interp") {
    reference_ =
        std::make_unique<wasm::Runtime>(wasm::NewWabtInterpreterEngine());
  }
}

void ContractTest::TearDown() {
  if (reference_ != nullptr) {
    EXPECT_EQ(chain_.Dump(), reference_chain_.Dump())
        << "the compiled engine's chain differs from the interpreter's";
  }
}

void ContractTest::InstallOnEachChain(const std::string& address,
                                      std::string_view name) {
  const std::string wasm = ContractWasm(name);
  absl::Status status = chain_.Install(runtime_, address, wasm);
  ASSERT_TRUE(status.ok()) << name << ": " << status;
  if (reference_ != nullptr) {
    status = reference_chain_.Install(*reference_, address, wasm);
    ASSERT_TRUE(status.ok()) << name << ": " << status;
  }
}

void ContractTest::Install(const std::string& address, std::string_view name) {
  InstallOnEachChain(address, name);
  installed_.emplace_back(address, std::string(name));
}

void ContractTest::ResetChain() {
  chain_ = wasm::MemoryChainState();
  reference_chain_ = wasm::MemoryChainState();
  for (const auto& [address, name] : installed_) {
    InstallOnEachChain(address, name);
  }
  block_ = wasm::BlockInfo();
  events_.clear();
}

void ContractTest::SetBlock(uint64_t height, int64_t time_ms) {
  block_ = wasm::BlockInfo{.height = height, .time_ms = time_ms};
}

void ContractTest::Advance(int64_t seconds) {
  block_.height += 1;
  block_.time_ms += seconds * 1000;
}

wasm::CallOutcome ContractTest::Run(const std::string& sender,
                                    const std::string& contract,
                                    const std::string& method,
                                    const google::protobuf::Message& request,
                                    bool deploy) {
  wasm::CallRequest req;
  req.contract = contract;
  req.method = method;
  req.input = request.SerializeAsString();
  req.sender = sender;
  req.gas_limit = gas_limit_;
  req.block = block_;
  req.is_deploy = deploy;
  wasm::CallOutcome out = runtime_.Call(req, chain_);
  last_gas_ = out.gas_used;
  if (reference_ != nullptr) {
    EXPECT_EQ(RenderOutcome(out),
              RenderOutcome(reference_->Call(req, reference_chain_)))
        << method << ": the compiled engine (left) differs from the "
        << "interpreter (right)";
  }
  return out;
}

void ContractTest::Apply(const wasm::CallOutcome& out) {
  chain_.Apply(out);
  if (reference_ != nullptr) reference_chain_.Apply(out);
}

wasm::CallOutcome ContractTest::Deploy(
    const std::string& sender, const std::string& contract,
    const google::protobuf::Message& request) {
  return Ok(sender, contract, "init", request, /*deploy=*/true);
}

wasm::CallOutcome ContractTest::Ok(const std::string& sender,
                                   const std::string& contract,
                                   const std::string& method,
                                   const google::protobuf::Message& request,
                                   bool deploy) {
  wasm::CallOutcome out = Run(sender, contract, method, request, deploy);
  EXPECT_TRUE(out.status.ok()) << method << ": " << out.status;
  if (out.status.ok()) {
    Apply(out);
    events_ = out.events;
  }
  return out;
}

wasm::CallOutcome ContractTest::Fails(const std::string& sender,
                                      const std::string& contract,
                                      const std::string& method,
                                      const google::protobuf::Message& request,
                                      wasm::FailureKind kind,
                                      std::string_view message, bool deploy) {
  std::string before = chain_.Dump();
  wasm::CallOutcome out = Run(sender, contract, method, request, deploy);
  EXPECT_FALSE(out.status.ok()) << method << " succeeded";
  EXPECT_EQ(out.failure, kind) << out.status;
  EXPECT_THAT(std::string(out.status.message()),
              ::testing::HasSubstr(std::string(message)));
  EXPECT_TRUE(out.writes.empty());
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(chain_.Dump(), before);
  return out;
}

wasm::CallOutcome ContractTest::Refused(
    const std::string& sender, const std::string& contract,
    const std::string& method, const google::protobuf::Message& request,
    std::string_view message, bool deploy) {
  return Fails(sender, contract, method, request, wasm::FailureKind::kAbort,
               message, deploy);
}

std::vector<std::string> ContractTest::EventNames() const {
  std::vector<std::string> names;
  for (const wasm::Event& event : events_) names.push_back(event.name);
  return names;
}

}  // namespace ballast::test
