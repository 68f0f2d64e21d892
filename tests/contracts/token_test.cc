// The token contract's rules, run as the chain runs them: the real
// token.wasm built by em++, in the runtime on wabt's interpreter. Every
// failure aborts with a message and changes nothing.

#include <functional>

#include "contracts/token/token.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "rapidcheck/gtest.h"
#include "tests/contracts/contract_fixture.h"

namespace ballast::token {
namespace {

using test::Addr;
using wasm::CallOutcome;
using wasm::FailureKind;

const std::string kToken = Addr('T');
const std::string kAlice = Addr('a');
const std::string kBob = Addr('b');
const std::string kCarol = Addr('c');
const std::string kMinter = Addr('m');

InitRequest StandardInit() {
  InitRequest init;
  init.set_name("Ballast Dollar");
  init.set_symbol("BUSD");
  init.set_decimals(6);
  init.add_minters(kMinter);
  init.set_initial_holder(kAlice);
  init.set_initial_supply(1000);
  return init;
}

// The fixture's calls, all to the one token at kToken.
class TokenTest : public test::ContractTest {
 protected:
  void SetUp() override { Install(kToken, "token"); }

  CallOutcome Run(const std::string& sender, const std::string& method,
                  const google::protobuf::Message& request,
                  bool deploy = false) {
    return ContractTest::Run(sender, kToken, method, request, deploy);
  }

  // Expects success, applies the writes, returns the outcome.
  CallOutcome Ok(const std::string& sender, const std::string& method,
                 const google::protobuf::Message& request,
                 bool deploy = false) {
    return ContractTest::Ok(sender, kToken, method, request, deploy);
  }

  // Expects an abort with exactly `message` and no change to state.
  void Refused(const std::string& sender, const std::string& method,
               const google::protobuf::Message& request,
               const std::string& message, bool deploy = false) {
    CallOutcome out =
        ContractTest::Refused(sender, kToken, method, request, message, deploy);
    EXPECT_EQ(out.status.message(), "contract " + ToHex(kToken) + " method " +
                                        method + ": aborted: " + message);
  }

  void Init(const InitRequest& init = StandardInit()) {
    Ok(kAlice, "init", init, /*deploy=*/true);
  }

  uint64_t Balance(const std::string& owner) {
    BalanceOfRequest req;
    req.set_owner(owner);
    BalanceOfResponse resp;
    EXPECT_TRUE(resp.ParseFromString(Ok(kAlice, "balance_of", req).output));
    return resp.balance();
  }

  uint64_t Supply() {
    TotalSupplyResponse resp;
    EXPECT_TRUE(resp.ParseFromString(
        Ok(kAlice, "total_supply", TotalSupplyRequest()).output));
    return resp.total_supply();
  }

  uint64_t Allowance(const std::string& owner, const std::string& spender) {
    AllowanceRequest req;
    req.set_owner(owner);
    req.set_spender(spender);
    AllowanceResponse resp;
    EXPECT_TRUE(resp.ParseFromString(Ok(kAlice, "allowance", req).output));
    return resp.allowance();
  }

  CallOutcome Transfer(const std::string& from, const std::string& to,
                       uint64_t amount) {
    TransferRequest req;
    req.set_to(to);
    req.set_amount(amount);
    return Ok(from, "transfer", req);
  }

  static TransferRequest TransferOf(const std::string& to, uint64_t amount) {
    TransferRequest req;
    req.set_to(to);
    req.set_amount(amount);
    return req;
  }
};

TEST_F(TokenTest, InitFixesMetadataAndMintsTheInitialSupply) {
  Init();
  NameResponse name;
  ASSERT_TRUE(name.ParseFromString(Ok(kBob, "name", NameRequest()).output));
  EXPECT_EQ(name.name(), "Ballast Dollar");
  SymbolResponse symbol;
  ASSERT_TRUE(
      symbol.ParseFromString(Ok(kBob, "symbol", SymbolRequest()).output));
  EXPECT_EQ(symbol.symbol(), "BUSD");
  DecimalsResponse decimals;
  ASSERT_TRUE(
      decimals.ParseFromString(Ok(kBob, "decimals", DecimalsRequest()).output));
  EXPECT_EQ(decimals.decimals(), 6u);
  MintersResponse minters;
  ASSERT_TRUE(
      minters.ParseFromString(Ok(kBob, "minters", MintersRequest()).output));
  EXPECT_THAT(minters.minters(), ::testing::ElementsAre(kMinter));
  EXPECT_EQ(Supply(), 1000u);
  EXPECT_EQ(Balance(kAlice), 1000u);
  EXPECT_EQ(Balance(kBob), 0u);
}

TEST_F(TokenTest, InitEmitsAMintEvent) {
  CallOutcome out = Ok(kAlice, "init", StandardInit(), /*deploy=*/true);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].name, "MintEvent");
  MintEvent e;
  ASSERT_TRUE(e.ParseFromString(out.events[0].data));
  EXPECT_EQ(e.minter(), kAlice);
  EXPECT_EQ(e.to(), kAlice);
  EXPECT_EQ(e.amount(), 1000u);
}

TEST_F(TokenTest, InitRefusesBadParameters) {
  struct Case {
    std::function<void(InitRequest*)> change;
    std::string message;
  } cases[] = {
      {[](InitRequest* r) { r->set_name(""); },
       "init: name must be 1 to 64 bytes"},
      {[](InitRequest* r) { r->set_name(std::string(65, 'n')); },
       "init: name must be 1 to 64 bytes"},
      {[](InitRequest* r) { r->set_symbol(std::string(17, 's')); },
       "init: symbol must be 1 to 16 bytes"},
      {[](InitRequest* r) { r->set_decimals(19); },
       "init: decimals must be at most 18"},
      {[](InitRequest* r) { r->add_minters(kMinter); },
       "init: duplicate minter"},
      {[](InitRequest* r) { r->add_minters("short"); },
       "init: minters: address must be 20 bytes, got 5"},
      {[](InitRequest* r) {
         r->clear_minters();
         for (char c = 'A'; c < 'A' + 17; ++c) r->add_minters(Addr(c));
       },
       "init: at most 16 minters"},
      {[](InitRequest* r) { r->set_initial_supply(0); },
       "init: initial_holder given without initial_supply"},
      {[](InitRequest* r) { r->clear_initial_holder(); },
       "init: initial_holder: address must be 20 bytes, got 0"},
  };
  for (const Case& c : cases) {
    InitRequest init = StandardInit();
    c.change(&init);
    Refused(kAlice, "init", init, c.message, /*deploy=*/true);
  }
}

TEST_F(TokenTest, QueriesBeforeInitAbort) {
  Refused(kAlice, "name", NameRequest(), "token: not initialized");
}

TEST_F(TokenTest, TransferMovesBalanceAndEmits) {
  Init();
  CallOutcome out = Transfer(kAlice, kBob, 300);
  EXPECT_EQ(Balance(kAlice), 700u);
  EXPECT_EQ(Balance(kBob), 300u);
  EXPECT_EQ(Supply(), 1000u);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].name, "TransferEvent");
  TransferEvent e;
  ASSERT_TRUE(e.ParseFromString(out.events[0].data));
  EXPECT_EQ(e.from(), kAlice);
  EXPECT_EQ(e.to(), kBob);
  EXPECT_EQ(e.amount(), 300u);
  // To oneself and of everything one has are fine.
  Transfer(kBob, kBob, 300);
  Transfer(kBob, kCarol, 300);
  EXPECT_EQ(Balance(kBob), 0u);
  EXPECT_EQ(Balance(kCarol), 300u);
}

TEST_F(TokenTest, TransferFailures) {
  Init();
  Refused(kAlice, "transfer", TransferOf(kBob, 1001),
          "transfer: insufficient balance (have 1000, need 1001)");
  Refused(kBob, "transfer", TransferOf(kAlice, 1),
          "transfer: insufficient balance (have 0, need 1)");
  Refused(kAlice, "transfer", TransferOf("not an address", 1),
          "transfer: to: address must be 20 bytes, got 14");
}

TEST_F(TokenTest, ApproveReplacesAndTransferFromConsumes) {
  Init();
  ApproveRequest approve;
  approve.set_spender(kBob);
  approve.set_amount(500);
  CallOutcome out = Ok(kAlice, "approve", approve);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].name, "ApprovalEvent");
  EXPECT_EQ(Allowance(kAlice, kBob), 500u);
  approve.set_amount(200);  // replaces, does not add
  Ok(kAlice, "approve", approve);
  EXPECT_EQ(Allowance(kAlice, kBob), 200u);

  TransferFromRequest tf;
  tf.set_from(kAlice);
  tf.set_to(kCarol);
  tf.set_amount(150);
  Ok(kBob, "transfer_from", tf);
  EXPECT_EQ(Allowance(kAlice, kBob), 50u);
  EXPECT_EQ(Balance(kAlice), 850u);
  EXPECT_EQ(Balance(kCarol), 150u);

  Refused(kBob, "transfer_from", tf,
          "transfer_from: insufficient allowance (have 50, need 150)");
  tf.set_from(kCarol);  // bob has no allowance from carol
  tf.set_amount(1);
  Refused(kBob, "transfer_from", tf,
          "transfer_from: insufficient allowance (have 0, need 1)");
}

TEST_F(TokenTest, TransferFromNeedsBalanceAsWellAsAllowance) {
  Init();
  ApproveRequest approve;
  approve.set_spender(kBob);
  approve.set_amount(5000);
  Ok(kAlice, "approve", approve);
  TransferFromRequest tf;
  tf.set_from(kAlice);
  tf.set_to(kBob);
  tf.set_amount(2000);
  Refused(kBob, "transfer_from", tf,
          "transfer_from: insufficient balance (have 1000, need 2000)");
  EXPECT_EQ(Allowance(kAlice, kBob), 5000u);
}

TEST_F(TokenTest, OnlyMintersMint) {
  Init();
  MintRequest mint;
  mint.set_to(kBob);
  mint.set_amount(50);
  Refused(kAlice, "mint", mint, "mint: caller is not a minter");
  CallOutcome out = Ok(kMinter, "mint", mint);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].name, "MintEvent");
  EXPECT_EQ(Balance(kBob), 50u);
  EXPECT_EQ(Supply(), 1050u);
}

TEST_F(TokenTest, MintOverflowIsRefusedNotWrapped) {
  Init();
  MintRequest mint;
  mint.set_to(kBob);
  mint.set_amount(UINT64_MAX - 1000);
  Ok(kMinter, "mint", mint);
  EXPECT_EQ(Supply(), UINT64_MAX);
  mint.set_amount(1);
  Refused(kMinter, "mint", mint, "mint: total supply: overflow");
}

TEST_F(TokenTest, BurnByMinterOwnAndWithAllowance) {
  InitRequest init = StandardInit();
  init.set_initial_holder(kMinter);
  Init(init);
  BurnRequest burn;
  burn.set_from(kMinter);
  burn.set_amount(100);
  CallOutcome out = Ok(kMinter, "burn", burn);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].name, "BurnEvent");
  EXPECT_EQ(Supply(), 900u);

  Transfer(kMinter, kBob, 400);
  burn.set_from(kBob);
  Refused(kMinter, "burn", burn,
          "burn: insufficient allowance (have 0, need 100)");
  ApproveRequest approve;
  approve.set_spender(kMinter);
  approve.set_amount(100);
  Ok(kBob, "approve", approve);
  Ok(kMinter, "burn", burn);
  EXPECT_EQ(Balance(kBob), 300u);
  EXPECT_EQ(Allowance(kBob, kMinter), 0u);
  EXPECT_EQ(Supply(), 800u);

  burn.set_from(kMinter);
  burn.set_amount(501);
  Refused(kMinter, "burn", burn,
          "burn: insufficient balance (have 500, need 501)");
  Refused(kBob, "burn", burn, "burn: caller is not a minter");
}

TEST_F(TokenTest, InitCannotRunAgain) {
  Init();
  CallOutcome out = Run(kAlice, "init", StandardInit());
  EXPECT_EQ(out.failure, FailureKind::kInvalid);
}

// Conservation: whatever sequence of operations runs, and whichever of
// them fail, the total supply equals the sum of all balances.
RC_GTEST_FIXTURE_PROP(TokenTest, SupplyEqualsSumOfBalances, ()) {
  ResetChain();
  Init();
  const std::string holders[] = {kAlice, kBob, kCarol, kMinter};
  auto holder = [&] { return holders[*rc::gen::inRange(0, 4)]; };
  auto apply = [&](const CallOutcome& out) {
    if (out.status.ok()) Apply(out);
  };
  int ops = *rc::gen::inRange(1, 16);
  for (int i = 0; i < ops; ++i) {
    uint64_t amount = *rc::gen::inRange<uint64_t>(0, 1500);
    std::string from = holder(), to = holder();
    switch (*rc::gen::inRange(0, 5)) {
      case 0:
        apply(Run(from, "transfer", TransferOf(to, amount)));
        break;
      case 1: {
        MintRequest m;
        m.set_to(to);
        m.set_amount(amount);
        apply(Run(from, "mint", m));
        break;
      }
      case 2: {
        BurnRequest b;
        b.set_from(to);
        b.set_amount(amount);
        apply(Run(from, "burn", b));
        break;
      }
      case 3: {
        ApproveRequest a;
        a.set_spender(to);
        a.set_amount(amount);
        apply(Run(from, "approve", a));
        break;
      }
      default: {
        TransferFromRequest tf;
        tf.set_from(to);
        tf.set_to(holder());
        tf.set_amount(amount);
        apply(Run(from, "transfer_from", tf));
        break;
      }
    }
  }
  uint64_t sum = 0;
  for (const std::string& h : holders) sum += Balance(h);
  RC_ASSERT(sum == Supply());
}

}  // namespace
}  // namespace ballast::token
