// VaultTest: the vault engine's test fixture. The real vault.wasm with the
// real oracle.wasm, the auction.wasm of its one collateral type and two
// instances of token.wasm (the stable token, minted only by the engine,
// and a collateral token, "tETH" with 8 decimals) in the runtime, set up as
// a deployment would: the oracle's ETH feed at $2,000, the engine with the
// stable token set and type ETH-A (liquidation ratio 1.5, penalty 1.13,
// dust 100) bound to its auction, alice holding 900 tETH and bob 100, both
// having approved the engine for both tokens.
//
// ExpectBooksBalance() checks the books' identity exactly:
//   stable supply * RAY + surplus = debt + debt under auction + bad debt
//                                   + settled (0 until shutdown).

#ifndef BALLAST_TESTS_CONTRACTS_VAULT_FIXTURE_H_
#define BALLAST_TESTS_CONTRACTS_VAULT_FIXTURE_H_

#include <cstdint>
#include <string>

#include "contracts/auction/auction.pb.h"
#include "contracts/oracle/oracle.pb.h"
#include "contracts/token/token.pb.h"
#include "contracts/vault/vault.pb.h"
#include "gtest/gtest.h"
#include "tests/contracts/contract_fixture.h"
#include "tests/contracts/vault_config.h"

namespace ballast::vault {

using test::Addr;

inline const std::string kVault = Addr('V');
inline const std::string kOracle = Addr('O');
inline const std::string kStable = Addr('S');
inline const std::string kColl = Addr('C');
inline const std::string kAdmin = Addr('A');
inline const std::string kReporter = Addr('R');
inline const std::string kAlice = Addr('a');
inline const std::string kBob = Addr('b');
inline const std::string kAuction = Addr('U');
inline const std::string kKeeper = Addr('k');

class VaultTest : public test::ContractTest {
 protected:
  void SetUp() override {
    Install(kOracle, "oracle");
    Install(kVault, "vault");
    Install(kStable, "token");
    Install(kColl, "token");
    Install(kAuction, "auction");
    SetBlock(1, 1'700'000'000'000);
    SetUpOracle();

    InitRequest init;
    init.set_admin(kAdmin);
    init.set_oracle(kOracle);
    init.set_line(50'000'000 * kUsd);
    init.set_hole(20'000'000 * kUsd);
    Deploy(kAdmin, kVault, init);

    token::InitRequest stable;
    stable.set_name("Ballast Dollar");
    stable.set_symbol("BUSD");
    stable.set_decimals(6);
    stable.add_minters(kVault);
    Deploy(kAdmin, kStable, stable);

    token::InitRequest coll;
    coll.set_name("Test Ether");
    coll.set_symbol("tETH");
    coll.set_decimals(8);
    coll.set_initial_holder(kAlice);
    coll.set_initial_supply(1000 * kEth);
    Deploy(kAdmin, kColl, coll);
    Transfer(kColl, kAlice, kBob, 100 * kEth);

    SetStableRequest set_stable;
    set_stable.set_token(kStable);
    Ok(kAdmin, kVault, "set_stable", set_stable);

    auction::InitRequest sales;
    sales.set_engine(kVault);
    sales.set_type(1);
    sales.set_token(kColl);
    sales.set_oracle(kOracle);
    sales.set_feed("ETH");
    sales.set_admin(kAdmin);
    *sales.mutable_config() = StandardAuctionConfig();
    Deploy(kAdmin, kAuction, sales);

    AddTypeRequest add;
    add.set_name("ETH-A");
    add.set_token(kColl);
    add.set_feed("ETH");
    add.set_auction(kAuction);
    *add.mutable_config() = StandardConfig();
    type_ = Ok<AddTypeResponse>(kAdmin, kVault, "add_type", add).type();
    Approve(kColl, kAlice, kVault, ~uint64_t{0});
    Approve(kColl, kBob, kVault, ~uint64_t{0});
    Approve(kStable, kAlice, kVault, ~uint64_t{0});
    Approve(kStable, kBob, kVault, ~uint64_t{0});
  }

  // One feed, "ETH", one reporter, quorum 1, an hour's max age, no delay,
  // at $2,000.
  void SetUpOracle() {
    oracle::InitRequest init;
    init.set_admin(kAdmin);
    Deploy(kAdmin, kOracle, init);
    oracle::AddFeedRequest feed;
    feed.set_feed("ETH");
    oracle::FeedConfig* config = feed.mutable_config();
    config->add_reporters(kReporter);
    config->set_quorum(1);
    config->set_max_age_s(3600);
    config->set_max_step("0");
    config->set_delay_s(0);
    config->set_min_price("1");
    config->set_max_price(Ray("1000000"));
    Ok(kAdmin, kOracle, "add_feed", feed);
    Post("2000");
  }

  // A report at the next second (a reporter's reports must be newer than
  // its last).
  void Post(const std::string& usd) {
    Advance(1);
    oracle::PostRequest post;
    post.set_feed("ETH");
    post.set_price(PriceOf(usd));
    post.set_time_ms(now_ms());
    Ok(kReporter, kOracle, "post", post);
  }

  void Transfer(const std::string& token, const std::string& from,
                const std::string& to, uint64_t amount) {
    token::TransferRequest req;
    req.set_to(to);
    req.set_amount(amount);
    Ok(from, token, "transfer", req);
  }

  void Approve(const std::string& token, const std::string& owner,
               const std::string& spender, uint64_t amount) {
    token::ApproveRequest req;
    req.set_spender(spender);
    req.set_amount(amount);
    Ok(owner, token, "approve", req);
  }

  uint64_t Balance(const std::string& token, const std::string& owner) {
    token::BalanceOfRequest req;
    req.set_owner(owner);
    return Ok<token::BalanceOfResponse>(owner, token, "balance_of", req)
        .balance();
  }

  uint64_t Open(const std::string& owner, uint64_t coll, uint64_t amount) {
    OpenAndMintRequest req;
    req.set_type(type_);
    req.set_collateral(coll);
    req.set_amount(amount);
    uint64_t id = Ok<OpenResponse>(owner, kVault, "open_and_mint", req).id();
    ExpectBooksBalance();
    return id;
  }

  AmountRequest Amount(uint64_t id, uint64_t amount) {
    AmountRequest req;
    req.set_id(id);
    req.set_amount(amount);
    return req;
  }

  PositionView Position(uint64_t id) {
    PositionRequest req;
    req.set_id(id);
    return Ok<PositionView>(kBob, kVault, "position", req);
  }

  AccountingView Books() {
    return Ok<AccountingView>(kBob, kVault, "accounting", AccountingRequest());
  }

  // supply * RAY + surplus == debt + auction debt + bad debt + settled,
  // exactly (settled is 0 until shutdown).
  void ExpectBooksBalance() {
    AccountingView books = Books();
    Big left = Big(books.stable_supply()) * kRayBig + Big(books.surplus());
    Big right = Big(books.debt()) + Big(books.auction_debt()) +
                Big(books.bad_debt()) + Big(books.settled());
    EXPECT_EQ(left, right) << "supply " << books.stable_supply() << " surplus "
                           << books.surplus() << " debt " << books.debt();
  }

  void SetFee(const std::string& fee) {
    SetTypeRequest req;
    req.set_type(type_);
    *req.mutable_config() = StandardConfig();
    req.mutable_config()->set_fee(fee);
    Ok(kAdmin, kVault, "set_type", req);
  }

  void SetLine(uint64_t line) {
    SetTypeRequest req;
    req.set_type(type_);
    *req.mutable_config() = StandardConfig();
    req.mutable_config()->set_line(line);
    Ok(kAdmin, kVault, "set_type", req);
  }

  uint32_t type_ = 0;
};

}  // namespace ballast::vault

#endif  // BALLAST_TESTS_CONTRACTS_VAULT_FIXTURE_H_
