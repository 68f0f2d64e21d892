// The faucet's rules (contracts/faucet/faucet.proto) on the real
// faucet.wasm, minting through real token.wasm instances: a failed mint
// fails the whole drip with the token's message and changes nothing.

#include <cstdint>
#include <functional>
#include <iostream>
#include <string>

#include "contracts/faucet/faucet.pb.h"
#include "contracts/token/token.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "tests/contracts/contract_fixture.h"

namespace ballast::faucet {
namespace {

using test::Addr;
using ::testing::ElementsAre;

const std::string kFaucet = Addr('F');
const std::string kGold = Addr('G');    // the faucet is a minter
const std::string kSilver = Addr('S');  // the faucet is a minter
const std::string kLead = Addr('L');    // the faucet is NOT a minter
const std::string kAdmin = Addr('A');
const std::string kAlice = Addr('a');
const std::string kBob = Addr('b');

constexpr int64_t kT0 = 1'700'000'000'000;

std::string Hex(const std::string& address) { return "0x" + ToHex(address); }

FaucetToken Entry(const std::string& token, uint64_t amount,
                  uint64_t period_s) {
  FaucetToken entry;
  entry.set_token(token);
  entry.set_amount(amount);
  entry.set_period_s(period_s);
  return entry;
}

DripRequest DripOf(const std::string& token) {
  DripRequest req;
  req.set_token(token);
  return req;
}

class FaucetTest : public test::ContractTest {
 protected:
  void SetUp() override {
    Install(kFaucet, "faucet");
    Install(kGold, "token");
    Install(kSilver, "token");
    Install(kLead, "token");
    SetBlock(1, kT0);
    DeployToken(kGold, "GOLD", kFaucet);
    DeployToken(kSilver, "SILV", kFaucet);
    DeployToken(kLead, "LEAD", kAdmin);
  }

  void DeployToken(const std::string& address, const std::string& symbol,
                   const std::string& minter) {
    token::InitRequest init;
    init.set_name(symbol + " test token");
    init.set_symbol(symbol);
    init.set_decimals(8);
    init.add_minters(minter);
    Deploy(kAdmin, address, init);
  }

  InitRequest StandardInit() {
    InitRequest init;
    init.set_admin(kAdmin);
    *init.add_tokens() = Entry(kGold, 100, 3600);
    *init.add_tokens() = Entry(kSilver, 5, 60);
    *init.add_tokens() = Entry(kLead, 7, 60);
    return init;
  }

  void Init() { Deploy(kAdmin, kFaucet, StandardInit()); }

  uint64_t Balance(const std::string& token, const std::string& owner) {
    token::BalanceOfRequest req;
    req.set_owner(owner);
    return Ok<token::BalanceOfResponse>(kBob, token, "balance_of", req)
        .balance();
  }

  NextDripResponse NextDrip(const std::string& account,
                            const std::string& token) {
    NextDripRequest req;
    req.set_account(account);
    req.set_token(token);
    return Ok<NextDripResponse>(kBob, kFaucet, "next_drip", req);
  }
};

TEST_F(FaucetTest, DripMintsToTheCallerOncePerPeriod) {
  Init();
  DripResponse resp = Ok<DripResponse>(kAlice, kFaucet, "drip", DripOf(kGold));
  EXPECT_EQ(resp.amount(), 100u);
  EXPECT_EQ(resp.next_drip_ms(), kT0 + 3600 * 1000);
  EXPECT_EQ(Balance(kGold, kAlice), 100u);

  EXPECT_EQ(NextDrip(kAlice, kGold).wait_s(), 3600u);
  EXPECT_EQ(NextDrip(kAlice, kGold).next_drip_ms(), kT0 + 3600 * 1000);
  EXPECT_EQ(NextDrip(kBob, kGold).next_drip_ms(), 0);
  EXPECT_EQ(NextDrip(kBob, kGold).wait_s(), 0u);
  EXPECT_EQ(NextDrip(kBob, kGold).amount(), 100u);

  Refused(kAlice, kFaucet, "drip", DripOf(kGold),
          "faucet: next drip for " + Hex(kGold) + " in 3600 s");
  SetBlock(2, kT0 + 3599 * 1000 + 1);
  Refused(kAlice, kFaucet, "drip", DripOf(kGold),
          "faucet: next drip for " + Hex(kGold) + " in 1 s");
  // Other callers and other tokens have their own periods.
  Ok(kBob, kFaucet, "drip", DripOf(kGold));
  Ok(kAlice, kFaucet, "drip", DripOf(kSilver));
  SetBlock(3, kT0 + 3600 * 1000);
  Ok(kAlice, kFaucet, "drip", DripOf(kGold));
  EXPECT_EQ(Balance(kGold, kAlice), 200u);
  EXPECT_EQ(Balance(kGold, kBob), 100u);
  EXPECT_EQ(Balance(kSilver, kAlice), 5u);
}

TEST_F(FaucetTest, DripEmitsTheTokensMintAndItsOwnEvent) {
  Init();
  Ok(kAlice, kFaucet, "drip", DripOf(kGold));
  std::cout << "[ gas      ] faucet drip (faucet and token frames) "
            << last_gas() << "\n";
  EXPECT_LT(last_gas(), 1'000'000u);
  EXPECT_THAT(EventNames(), ElementsAre("MintEvent", "DripEvent"));
  auto mints = EventsOf<token::MintEvent>(kGold);
  ASSERT_EQ(mints.size(), 1u);
  EXPECT_EQ(mints[0].minter(), kFaucet);
  EXPECT_EQ(mints[0].to(), kAlice);
  EXPECT_EQ(mints[0].amount(), 100u);
  auto drips = EventsOf<DripEvent>(kFaucet);
  ASSERT_EQ(drips.size(), 1u);
  EXPECT_EQ(drips[0].token(), kGold);
  EXPECT_EQ(drips[0].to(), kAlice);
  EXPECT_EQ(drips[0].amount(), 100u);
}

TEST_F(FaucetTest, AFaucetThatIsNotAMinterFailsWithTheTokensMessage) {
  Init();
  wasm::CallOutcome out = Refused(
      kAlice, kFaucet, "drip", DripOf(kLead),
      "faucet: mint of " + Hex(kLead) + " failed: contract " + ToHex(kLead) +
          " method mint: aborted: mint: caller is not a minter");
  // Nothing partial: the caller may still drip (no period was recorded).
  EXPECT_EQ(NextDrip(kAlice, kLead).next_drip_ms(), 0);
  EXPECT_EQ(Balance(kLead, kAlice), 0u);
}

TEST_F(FaucetTest, ATokensOverflowFailsTheDripAndWritesNothing) {
  InitRequest init;
  init.set_admin(kAdmin);
  *init.add_tokens() = Entry(kGold, UINT64_MAX, 1);
  Deploy(kAdmin, kFaucet, init);
  Ok(kAlice, kFaucet, "drip", DripOf(kGold));
  Refused(kBob, kFaucet, "drip", DripOf(kGold),
          "method mint: aborted: mint: total supply: overflow");
  EXPECT_EQ(NextDrip(kBob, kGold).next_drip_ms(), 0);
}

TEST_F(FaucetTest, UnknownTokensAndBadAddressesAreRefused) {
  Init();
  Refused(kAlice, kFaucet, "drip", DripOf(kAdmin),
          "faucet: " + Hex(kAdmin) + " is not a faucet token");
  Refused(kAlice, kFaucet, "drip", DripOf("xyz"),
          "drip: token: address must be 20 bytes, got 3");
  NextDripRequest req;
  req.set_account(kAlice);
  req.set_token(kAdmin);
  Refused(kAlice, kFaucet, "next_drip", req,
          "faucet: " + Hex(kAdmin) + " is not a faucet token");
}

TEST_F(FaucetTest, InitChecksTheTokens) {
  struct Case {
    std::function<void(InitRequest*)> change;
    std::string message;
  } cases[] = {
      {[](InitRequest* r) { r->clear_admin(); },
       "init: admin: address must be 20 bytes, got 0"},
      {[](InitRequest* r) { *r->add_tokens() = Entry(kGold, 1, 1); },
       "init: duplicate token"},
      {[](InitRequest* r) { *r->add_tokens() = Entry("g", 1, 1); },
       "init: tokens: token: address must be 20 bytes, got 1"},
      {[](InitRequest* r) { *r->add_tokens() = Entry(kAlice, 0, 1); },
       "init: tokens: amount must be positive"},
      {[](InitRequest* r) { *r->add_tokens() = Entry(kAlice, 1, 0); },
       "init: tokens: period_s must be 1 to 31536000, got 0"},
      {[](InitRequest* r) { *r->add_tokens() = Entry(kAlice, 1, 31'536'001); },
       "init: tokens: period_s must be 1 to 31536000, got 31536001"},
      {[](InitRequest* r) {
         for (char c = 'c'; c < 'c' + 14; ++c) {
           *r->add_tokens() = Entry(Addr(c), 1, 1);
         }
       },
       "init: at most 16 tokens"},
  };
  for (const Case& c : cases) {
    InitRequest init = StandardInit();
    c.change(&init);
    Refused(kAdmin, kFaucet, "init", init, c.message, /*deploy=*/true);
  }
  Init();
  EXPECT_THAT(EventNames(),
              ElementsAre("TokenSetEvent", "TokenSetEvent", "TokenSetEvent"));
  InfoResponse info = Ok<InfoResponse>(kBob, kFaucet, "info", InfoRequest());
  EXPECT_EQ(info.admin(), kAdmin);
  ASSERT_EQ(info.tokens_size(), 3);
  EXPECT_EQ(info.tokens(0).token(), kGold);
  EXPECT_EQ(info.tokens(0).amount(), 100u);
  EXPECT_EQ(info.tokens(0).period_s(), 3600u);
}

TEST_F(FaucetTest, TheAdminAddsAndChangesTokens) {
  Init();
  SetTokenRequest req;
  *req.mutable_token() = Entry(kGold, 50, 10);
  Refused(kAlice, kFaucet, "set_token", req, "set_token: not the admin");
  Ok(kAdmin, kFaucet, "set_token", req);
  auto set = EventsOf<TokenSetEvent>();
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].amount(), 50u);
  EXPECT_EQ(set[0].period_s(), 10u);
  EXPECT_EQ(Ok<DripResponse>(kAlice, kFaucet, "drip", DripOf(kGold)).amount(),
            50u);
  Refused(kAlice, kFaucet, "drip", DripOf(kGold),
          "faucet: next drip for " + Hex(kGold) + " in 10 s");

  *req.mutable_token() = Entry(kGold, 0, 10);
  Refused(kAdmin, kFaucet, "set_token", req,
          "set_token: amount must be positive");
  Refused(kAdmin, kFaucet, "set_token", SetTokenRequest(),
          "set_token: token: missing");
  for (char c = 'c'; c < 'c' + 13; ++c) {
    *req.mutable_token() = Entry(Addr(c), 1, 1);
    Ok(kAdmin, kFaucet, "set_token", req);
  }
  *req.mutable_token() = Entry(kAlice, 1, 1);
  Refused(kAdmin, kFaucet, "set_token", req, "set_token: at most 16 tokens");
  EXPECT_EQ(
      Ok<InfoResponse>(kBob, kFaucet, "info", InfoRequest()).tokens_size(), 16);
}

}  // namespace
}  // namespace ballast::faucet
