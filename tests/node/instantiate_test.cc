// Contracts created by contracts (bl_instantiate, wasm/host_abi.h): from a
// deployed template, at an address fixed by the creator and a salt, with
// the template's code and interface; nothing is created if the init or the
// creating call fails.

#include "contracts/testing/probe/probe.pb.h"
#include "contracts/token/token.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/node/chain_fixture.h"
#include "wasm/gas.h"
#include "wasm/runtime.h"

namespace ballast::node {
namespace {

using ::testing::HasSubstr;

class InstantiateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token::InitRequest init;
    init.set_name("Template");
    init.set_symbol("TPL");
    ledger::Receipt r =
        chain_.Submit(chain_.Deploy(alice_, "token", init.SerializeAsString()));
    ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    template_ = r.contract_address();
    r = chain_.Submit(chain_.Deploy(alice_, "probe", InitProbe("")));
    ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
    probe_ = r.contract_address();
  }

  std::string TokenInit(const std::string& name) {
    token::InitRequest init;
    init.set_name(name);
    init.set_symbol("V");
    init.add_minters(probe_);
    return init.SerializeAsString();
  }

  // The probe instantiates; returns the receipt and fills `out`.
  ledger::Receipt Instantiate(const probe::InstantiateRequest& req,
                              probe::InstantiateResponse* out = nullptr) {
    ledger::Receipt r = chain_.Submit(
        chain_.CallTx(alice_, probe_, "instantiate", req.SerializeAsString()));
    if (out != nullptr && r.status() == ledger::RECEIPT_STATUS_SUCCESS) {
      EXPECT_TRUE(out->ParseFromString(r.output()));
    }
    return r;
  }

  std::optional<ledger::ContractInfo> Info(const std::string& address) {
    auto info = chain_.store().GetContract(address);
    EXPECT_TRUE(info.ok());
    return info.ok() ? *info : std::nullopt;
  }

  TestChain chain_;
  KeyPair alice_ = DevKey('a');
  std::string template_, probe_;
};

TEST_F(InstantiateTest, AContractCreatesAnotherFromATemplate) {
  probe::InstantiateRequest req;
  req.set_template_contract(template_);
  req.set_init(TokenInit("Voucher"));
  req.set_salt("channel-0/uatom");
  req.set_then_method("name");  // callable in the same transaction
  probe::InstantiateResponse out;
  ledger::Receipt r = Instantiate(req, &out);
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  ASSERT_EQ(out.status(), 0u) << out.output();
  EXPECT_EQ(out.address(), wasm::InstantiatedAddress(probe_, req.salt()));
  token::NameResponse name;
  ASSERT_TRUE(name.ParseFromString(out.output()));
  EXPECT_EQ(name.name(), "Voucher");
  EXPECT_GT(r.gas_used(), static_cast<uint64_t>(wasm::kGasCreateContract));

  std::optional<ledger::ContractInfo> created = Info(out.address());
  std::optional<ledger::ContractInfo> tmpl = Info(template_);
  ASSERT_TRUE(created.has_value() && tmpl.has_value());
  EXPECT_EQ(created->code_hash(), tmpl->code_hash());
  EXPECT_EQ(created->executable_hash(), tmpl->executable_hash());
  EXPECT_EQ(created->creator(), probe_);
  EXPECT_EQ(created->interface_of(), template_);
  EXPECT_TRUE(created->interface().empty());
  // A contract like any other: its own storage, its minter the probe.
  ledger::Receipt direct =
      chain_.Submit(chain_.CallTx(alice_, out.address(), "symbol",
                                  token::SymbolRequest().SerializeAsString()));
  ASSERT_EQ(direct.status(), ledger::RECEIPT_STATUS_SUCCESS) << direct.error();
  token::SymbolResponse symbol;
  ASSERT_TRUE(symbol.ParseFromString(direct.output()));
  EXPECT_EQ(symbol.symbol(), "V");
  // Its init ran once, at creation: never again.
  ledger::Receipt again = chain_.Submit(
      chain_.CallTx(alice_, out.address(), "init", TokenInit("Again")));
  EXPECT_EQ(again.status(), ledger::RECEIPT_STATUS_REJECTED);
}

TEST_F(InstantiateTest, ASaltGivesOneContractOnly) {
  probe::InstantiateRequest req;
  req.set_template_contract(template_);
  req.set_init(TokenInit("One"));
  req.set_salt("s");
  probe::InstantiateResponse out;
  ASSERT_EQ(Instantiate(req, &out).status(), ledger::RECEIPT_STATUS_SUCCESS);
  ASSERT_EQ(out.status(), 0u);
  req.set_init(TokenInit("Two"));
  ASSERT_EQ(Instantiate(req, &out).status(), ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_EQ(out.status(), 1u);
  EXPECT_THAT(out.output(), HasSubstr("already lives at"));
}

TEST_F(InstantiateTest, NothingIsCreatedWhenAnythingFails) {
  probe::InstantiateRequest req;
  req.set_template_contract(std::string(20, '\x42'));  // no contract
  req.set_salt("a");
  probe::InstantiateResponse out;
  ASSERT_EQ(Instantiate(req, &out).status(), ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_EQ(out.status(), 1u);
  EXPECT_THAT(out.output(), HasSubstr("no contract at template"));

  // The init aborts (a token refuses an empty name).
  req.set_template_contract(template_);
  req.set_init(TokenInit(""));
  ASSERT_EQ(Instantiate(req, &out).status(), ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_EQ(out.status(), 1u);
  EXPECT_FALSE(Info(wasm::InstantiatedAddress(probe_, "a")).has_value());

  // The creating call fails after the creation.
  req.set_init(TokenInit("Gone"));
  req.set_abort_after(true);
  ledger::Receipt r = Instantiate(req);
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
  EXPECT_FALSE(Info(wasm::InstantiatedAddress(probe_, "a")).has_value());
  // The salt is still free.
  req.set_abort_after(false);
  ASSERT_EQ(Instantiate(req, &out).status(), ledger::RECEIPT_STATUS_SUCCESS);
  EXPECT_EQ(out.status(), 0u);
}

// A created contract as a template: the record names the deployed
// contract whose interface it has, never a chain.
TEST_F(InstantiateTest, TemplatesOfTemplatesNameTheDeployedOne) {
  probe::InstantiateRequest req;
  req.set_template_contract(template_);
  req.set_init(TokenInit("First"));
  req.set_salt("1");
  probe::InstantiateResponse first;
  ASSERT_EQ(Instantiate(req, &first).status(), ledger::RECEIPT_STATUS_SUCCESS);
  req.set_template_contract(first.address());
  req.set_salt("2");
  probe::InstantiateResponse second;
  ASSERT_EQ(Instantiate(req, &second).status(), ledger::RECEIPT_STATUS_SUCCESS);
  ASSERT_EQ(second.status(), 0u) << second.output();
  EXPECT_EQ(Info(second.address())->interface_of(), template_);
}

// A deploy whose init creates a contract from itself: the template's
// records go in first, so the block builds (a missing template record would
// fail the block, not the transaction).
TEST_F(InstantiateTest, ADeployMayCloneItselfInItsInit) {
  probe::InitRequest init;
  init.set_clone_salt("me");
  ledger::Receipt r =
      chain_.Submit(chain_.Deploy(alice_, "probe", init.SerializeAsString()));
  ASSERT_EQ(r.status(), ledger::RECEIPT_STATUS_SUCCESS) << r.error();
  const std::string clone =
      wasm::InstantiatedAddress(r.contract_address(), "me");
  std::optional<ledger::ContractInfo> info = Info(clone);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->interface_of(), r.contract_address());
  EXPECT_EQ(info->creator(), r.contract_address());
  // A failed deploy leaves neither.
  init.set_fail(true);
  r = chain_.Submit(chain_.Deploy(alice_, "probe", init.SerializeAsString()));
  EXPECT_EQ(r.status(), ledger::RECEIPT_STATUS_ABORTED);
}

}  // namespace
}  // namespace ballast::node
