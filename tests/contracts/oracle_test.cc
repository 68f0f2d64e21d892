// The oracle's rules (contracts/oracle/oracle.proto), run as the chain runs
// them: the real oracle.wasm in the runtime, with block times set per call.
// Every refusal is checked for its message and for changing nothing.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "ballast/uint.h"
#include "contracts/oracle/oracle.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "rapidcheck/gtest.h"
#include "tests/contracts/contract_fixture.h"

namespace ballast::oracle {
namespace {

using test::Addr;
using ::testing::ElementsAre;

const std::string kOracle = Addr('O');
const std::string kAdmin = Addr('A');
const std::string kBob = Addr('b');
const std::string kR1 = Addr('1');
const std::string kR2 = Addr('2');
const std::string kR3 = Addr('3');
const std::string kR4 = Addr('4');
const std::string kR5 = Addr('5');

constexpr int64_t kT0 = 1'700'000'000'000;  // ms
constexpr int64_t kSecond = 1000;

// 10% as a RAY fraction.
const std::string kTenPercent = "100000000000000000000000000";
const std::string kU128Max = "340282366920938463463374607431768211455";
const std::string kTwoTo128 = "340282366920938463463374607431768211456";

FeedConfig Config(const std::vector<std::string>& reporters, uint32_t quorum,
                  uint64_t max_age_s = 3600, uint64_t delay_s = 0,
                  const std::string& max_step = "0") {
  FeedConfig config;
  for (const std::string& r : reporters) config.add_reporters(r);
  config.set_quorum(quorum);
  config.set_max_age_s(max_age_s);
  config.set_delay_s(delay_s);
  config.set_max_step(max_step);
  config.set_min_price("1");
  config.set_max_price("1000000");
  return config;
}

PostRequest PostOf(const std::string& feed, const std::string& price,
                   int64_t time_ms) {
  PostRequest req;
  req.set_feed(feed);
  req.set_price(price);
  req.set_time_ms(time_ms);
  return req;
}

PriceRequest PriceOf(const std::string& feed) {
  PriceRequest req;
  req.set_feed(feed);
  return req;
}

ReporterRequest ReporterOf(const std::string& feed,
                           const std::string& reporter) {
  ReporterRequest req;
  req.set_feed(feed);
  req.set_reporter(reporter);
  return req;
}

class OracleTest : public test::ContractTest {
 protected:
  void SetUp() override {
    Install(kOracle, "oracle");
    SetBlock(1, kT0);
    InitRequest init;
    init.set_admin(kAdmin);
    Deploy(kAdmin, kOracle, init);
  }

  void AddFeed(const std::string& feed, const FeedConfig& config) {
    AddFeedRequest req;
    req.set_feed(feed);
    *req.mutable_config() = config;
    Ok(kAdmin, kOracle, "add_feed", req);
  }

  void SetConfig(const std::string& feed, const FeedConfig& config) {
    SetConfigRequest req;
    req.set_feed(feed);
    *req.mutable_config() = config;
    Ok(kAdmin, kOracle, "set_config", req);
  }

  // A report stamped with the block time.
  PostResponse Post(const std::string& reporter, const std::string& price,
                    const std::string& feed = "ETH") {
    return Ok<PostResponse>(reporter, kOracle, "post",
                            PostOf(feed, price, now_ms()));
  }

  PriceResponse Price(const std::string& feed = "ETH") {
    return Ok<PriceResponse>(kBob, kOracle, "price", PriceOf(feed));
  }

  // price() aborts with exactly `message`.
  void PriceFails(const std::string& message, const std::string& feed = "ETH") {
    wasm::CallOutcome out =
        Refused(kBob, kOracle, "price", PriceOf(feed), message);
    EXPECT_EQ(out.status.message(), "contract " + ToHex(kOracle) +
                                        " method price: aborted: " + message);
  }

  StatusResponse Status(const std::string& feed = "ETH") {
    StatusRequest req;
    req.set_feed(feed);
    return Ok<StatusResponse>(kBob, kOracle, "status", req);
  }

  bool PokeNew(const std::string& feed = "ETH") {
    PokeRequest req;
    req.set_feed(feed);
    return Ok<PokeResponse>(kBob, kOracle, "poke", req).new_median();
  }

  void ResetBreaker(bool accept, const std::string& feed = "ETH") {
    ResetBreakerRequest req;
    req.set_feed(feed);
    req.set_accept(accept);
    Ok(kAdmin, kOracle, "reset_breaker", req);
  }
};

// ---- Administration ---------------------------------------------------------

TEST_F(OracleTest, InitNamesTheAdmin) {
  InfoResponse info = Ok<InfoResponse>(kBob, kOracle, "info", InfoRequest());
  EXPECT_EQ(info.admin(), kAdmin);
  EXPECT_TRUE(info.feeds().empty());
  AddFeed("ETH", Config({kR1}, 1));
  AddFeed("WBTC/USD", Config({kR1}, 1));
  info = Ok<InfoResponse>(kBob, kOracle, "info", InfoRequest());
  EXPECT_THAT(info.feeds(), ElementsAre("ETH", "WBTC/USD"));
}

TEST_F(OracleTest, InitRefusesABadAdminAndCannotRunTwice) {
  InitRequest init;
  init.set_admin("short");
  ResetChain();
  Refused(kAdmin, kOracle, "init", init,
          "init: admin: address must be 20 bytes, got 5", /*deploy=*/true);
  init.set_admin(kAdmin);
  Deploy(kAdmin, kOracle, init);
  EXPECT_THAT(EventNames(), ElementsAre("AdminEvent"));
  Refused(kAdmin, kOracle, "init", init, "init: already initialized",
          /*deploy=*/true);
  Fails(kAdmin, kOracle, "init", init, wasm::FailureKind::kInvalid, "init");
}

TEST_F(OracleTest, AdminOnlyMethodsRefuseEveryoneElse) {
  AddFeed("ETH", Config({kR1, kR2}, 1));
  AddFeedRequest add;
  add.set_feed("BTC");
  *add.mutable_config() = Config({kR1}, 1);
  Refused(kBob, kOracle, "add_feed", add, "add_feed: not the admin");
  SetConfigRequest set;
  set.set_feed("ETH");
  *set.mutable_config() = Config({kR1}, 1);
  Refused(kBob, kOracle, "set_config", set, "set_config: not the admin");
  Refused(kR1, kOracle, "add_reporter", ReporterOf("ETH", kR3),
          "add_reporter: not the admin");
  Refused(kR1, kOracle, "remove_reporter", ReporterOf("ETH", kR2),
          "remove_reporter: not the admin");
  ResetBreakerRequest reset;
  reset.set_feed("ETH");
  Refused(kBob, kOracle, "reset_breaker", reset,
          "reset_breaker: not the admin");
  SetAdminRequest admin;
  admin.set_admin(kBob);
  Refused(kBob, kOracle, "set_admin", admin, "set_admin: not the admin");
}

TEST_F(OracleTest, SetAdminHandsOverControl) {
  SetAdminRequest req;
  req.set_admin(kBob);
  Ok(kAdmin, kOracle, "set_admin", req);
  auto events = EventsOf<AdminEvent>();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].old_admin(), kAdmin);
  EXPECT_EQ(events[0].new_admin(), kBob);
  AddFeedRequest add;
  add.set_feed("ETH");
  *add.mutable_config() = Config({kR1}, 1);
  Refused(kAdmin, kOracle, "add_feed", add, "add_feed: not the admin");
  Ok(kBob, kOracle, "add_feed", add);
  EXPECT_THAT(EventNames(), ElementsAre("FeedAddedEvent"));
  EXPECT_EQ(Ok<InfoResponse>(kBob, kOracle, "info", InfoRequest()).admin(),
            kBob);
}

TEST_F(OracleTest, FeedNamesAreChecked) {
  for (const std::string& name :
       {std::string(""), std::string(33, 'A'), std::string("ETH USD"),
        std::string("ETH\n"), std::string("ÉTH"), std::string("a.b")}) {
    AddFeedRequest add;
    add.set_feed(name);
    *add.mutable_config() = Config({kR1}, 1);
    Refused(kAdmin, kOracle, "add_feed", add,
            "add_feed: feed name must be 1 to 32 bytes of [A-Za-z0-9/_-]");
    Refused(kBob, kOracle, "price", PriceOf(name),
            "price: feed name must be 1 to 32 bytes of [A-Za-z0-9/_-]");
  }
  AddFeed(std::string(32, 'z'), Config({kR1}, 1));
  AddFeed("a-b_c/D9", Config({kR1}, 1));
  AddFeedRequest again;
  again.set_feed("a-b_c/D9");
  *again.mutable_config() = Config({kR1}, 1);
  Refused(kAdmin, kOracle, "add_feed", again,
          "add_feed: feed a-b_c/D9 already exists");
}

TEST_F(OracleTest, ConfigurationIsChecked) {
  struct Case {
    std::function<void(FeedConfig*)> change;
    std::string message;
  } cases[] = {
      {[](FeedConfig* c) { c->clear_reporters(); },
       "config: 1 to 16 reporters required, got 0"},
      {[](FeedConfig* c) {
         c->clear_reporters();
         for (char ch = 'a'; ch < 'a' + 17; ++ch) c->add_reporters(Addr(ch));
       },
       "config: 1 to 16 reporters required, got 17"},
      {[](FeedConfig* c) { c->add_reporters(kR1); },
       "config: duplicate reporter"},
      {[](FeedConfig* c) { c->add_reporters("x"); },
       "config: reporters: address must be 20 bytes, got 1"},
      {[](FeedConfig* c) { c->set_quorum(0); },
       "config: quorum must be 1 to 2 (the number of reporters), got 0"},
      {[](FeedConfig* c) { c->set_quorum(3); },
       "config: quorum must be 1 to 2 (the number of reporters), got 3"},
      {[](FeedConfig* c) { c->set_max_age_s(0); },
       "config: max_age_s must be 1 to 31536000, got 0"},
      {[](FeedConfig* c) { c->set_max_age_s(31'536'001); },
       "config: max_age_s must be 1 to 31536000, got 31536001"},
      {[](FeedConfig* c) { c->set_delay_s(3600); },
       "config: delay_s must be below max_age_s (3600), got 3600"},
      {[](FeedConfig* c) { c->set_max_step("-1"); },
       "config: max_step: not a canonical non-negative integer below 2^128"},
      {[](FeedConfig* c) { c->set_min_price(""); },
       "config: min_price: not a canonical non-negative integer below 2^128"},
      {[](FeedConfig* c) { c->set_max_price("1e6"); },
       "config: max_price: not a canonical non-negative integer below 2^128"},
      {[](FeedConfig* c) {
         c->set_min_price("0");
         c->set_max_price("0");
       },
       "config: max_price must be positive"},
      {[](FeedConfig* c) { c->set_min_price("1000001"); },
       "config: min_price must not exceed max_price"},
  };
  AddFeed("ETH", Config({kR1, kR2}, 1));
  for (const Case& c : cases) {
    FeedConfig config = Config({kR1, kR2}, 1);
    c.change(&config);
    AddFeedRequest add;
    add.set_feed("BTC");
    *add.mutable_config() = config;
    Refused(kAdmin, kOracle, "add_feed", add, "add_feed: " + c.message);
    SetConfigRequest set;
    set.set_feed("ETH");
    *set.mutable_config() = config;
    Refused(kAdmin, kOracle, "set_config", set, "set_config: " + c.message);
  }
  AddFeedRequest missing;
  missing.set_feed("BTC");
  Refused(kAdmin, kOracle, "add_feed", missing, "add_feed: config: missing");
  SetConfigRequest unknown;
  unknown.set_feed("XRP");
  *unknown.mutable_config() = Config({kR1}, 1);
  Refused(kAdmin, kOracle, "set_config", unknown,
          "set_config: feed XRP: unknown feed");
}

TEST_F(OracleTest, AtMost64Feeds) {
  for (int i = 0; i < 64; ++i)
    AddFeed("F" + std::to_string(i), Config({kR1}, 1));
  AddFeedRequest add;
  add.set_feed("ONE_MORE");
  *add.mutable_config() = Config({kR1}, 1);
  Refused(kAdmin, kOracle, "add_feed", add, "add_feed: at most 64 feeds");
}

TEST_F(OracleTest, FeedsAreIndependent) {
  AddFeed("ETH", Config({kR1}, 1));
  AddFeed("BTC", Config({kR2}, 1));
  Post(kR1, "2000", "ETH");
  Refused(kR1, kOracle, "post", PostOf("BTC", "30000", now_ms()),
          "post: not a reporter of feed BTC");
  Post(kR2, "30000", "BTC");
  EXPECT_EQ(Price("ETH").price(), "2000");
  EXPECT_EQ(Price("BTC").price(), "30000");
}

TEST_F(OracleTest, EveryAdminChangeEmitsItsEvent) {
  AddFeed("ETH", Config({kR1, kR2}, 1));
  auto added = EventsOf<FeedAddedEvent>();
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].feed(), "ETH");
  EXPECT_EQ(added[0].config().quorum(), 1u);
  EXPECT_THAT(added[0].config().reporters(), ElementsAre(kR1, kR2));

  Ok(kAdmin, kOracle, "add_reporter", ReporterOf("ETH", kR3));
  auto radded = EventsOf<ReporterAddedEvent>();
  ASSERT_EQ(radded.size(), 1u);
  EXPECT_EQ(radded[0].reporter(), kR3);

  Ok(kAdmin, kOracle, "remove_reporter", ReporterOf("ETH", kR1));
  auto removed = EventsOf<ReporterRemovedEvent>();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reporter(), kR1);

  SetConfig("ETH", Config({kR2, kR3}, 2, 7200));
  auto changed = EventsOf<FeedConfigEvent>();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].config().max_age_s(), 7200u);
  StatusResponse status = Status();
  EXPECT_EQ(status.config().quorum(), 2u);
  EXPECT_THAT(status.config().reporters(), ElementsAre(kR2, kR3));
}

TEST_F(OracleTest, ReporterListRules) {
  AddFeed("ETH", Config({kR1, kR2}, 2));
  Refused(kAdmin, kOracle, "add_reporter", ReporterOf("ETH", kR1),
          "add_reporter: already a reporter of feed ETH");
  Refused(kAdmin, kOracle, "add_reporter", ReporterOf("ETH", "abc"),
          "add_reporter: reporter: address must be 20 bytes, got 3");
  Refused(kAdmin, kOracle, "add_reporter", ReporterOf("XRP", kR3),
          "add_reporter: feed XRP: unknown feed");
  Refused(kAdmin, kOracle, "remove_reporter", ReporterOf("ETH", kR3),
          "remove_reporter: not a reporter of feed ETH");
  Refused(kAdmin, kOracle, "remove_reporter", ReporterOf("ETH", kR1),
          "remove_reporter: feed ETH would have 1 reporters, below its "
          "quorum of 2 (change both with set_config)");
  for (char c = 'c'; c < 'c' + 14; ++c) {
    Ok(kAdmin, kOracle, "add_reporter", ReporterOf("ETH", Addr(c)));
  }
  Refused(kAdmin, kOracle, "add_reporter", ReporterOf("ETH", kR3),
          "add_reporter: feed ETH has 16 reporters already");
}

// ---- Reports ----------------------------------------------------------------

TEST_F(OracleTest, OnlyReportersOfTheFeedPost) {
  AddFeed("ETH", Config({kR1}, 1));
  Refused(kBob, kOracle, "post", PostOf("ETH", "100", now_ms()),
          "post: not a reporter of feed ETH");
  Refused(kAdmin, kOracle, "post", PostOf("ETH", "100", now_ms()),
          "post: not a reporter of feed ETH");
  Refused(kR1, kOracle, "post", PostOf("XRP", "100", now_ms()),
          "post: feed XRP: unknown feed");
  PostResponse resp = Post(kR1, "100");
  EXPECT_TRUE(resp.new_median());
  auto reports = EventsOf<ReportEvent>();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].feed(), "ETH");
  EXPECT_EQ(reports[0].reporter(), kR1);
  EXPECT_EQ(reports[0].price(), "100");
  EXPECT_EQ(reports[0].time_ms(), kT0);
  EXPECT_THAT(EventNames(), ElementsAre("ReportEvent", "MedianEvent"));
}

TEST_F(OracleTest, ReportsFromTheFutureThePastOrAgainAreRefused) {
  AddFeed("ETH", Config({kR1}, 1));
  Refused(kR1, kOracle, "post", PostOf("ETH", "100", kT0 + 1),
          "post: time_ms 1700000000001 is after the block time 1700000000000");
  Refused(kR1, kOracle, "post", PostOf("ETH", "100", kT0 - 3600 * kSecond - 1),
          "post: time_ms 1699996399999 is more than 3600 s before the block "
          "time 1700000000000 (stale on arrival)");
  Ok(kR1, kOracle, "post", PostOf("ETH", "100", kT0 - 3600 * kSecond));
  Ok(kR1, kOracle, "post", PostOf("ETH", "101", kT0 - 10));
  // The same report again, or an older one: replay and reordering.
  Refused(kR1, kOracle, "post", PostOf("ETH", "101", kT0 - 10),
          "post: time_ms 1699999999990 is not after this reporter's previous "
          "report (1699999999990)");
  Refused(kR1, kOracle, "post", PostOf("ETH", "102", kT0 - 20),
          "post: time_ms 1699999999980 is not after this reporter's previous "
          "report (1699999999990)");
  Ok(kR1, kOracle, "post", PostOf("ETH", "102", kT0));
  EXPECT_EQ(Price().price(), "102");
}

TEST_F(OracleTest, ReportsOutsideTheBoundsAreRefused) {
  FeedConfig config = Config({kR1}, 1);
  config.set_min_price("10");
  config.set_max_price("1000");
  AddFeed("ETH", config);
  Refused(kR1, kOracle, "post", PostOf("ETH", "9", kT0),
          "post: price 9 is below the feed's minimum 10");
  Refused(kR1, kOracle, "post", PostOf("ETH", "1001", kT0),
          "post: price 1001 is above the feed's maximum 1000");
  config.set_min_price("0");
  SetConfig("ETH", config);
  Refused(kR1, kOracle, "post", PostOf("ETH", "0", kT0),
          "post: price must be positive");
  Ok(kR1, kOracle, "post", PostOf("ETH", "1000", kT0));
}

TEST_F(OracleTest, MalformedPriceStringsAreRefused) {
  FeedConfig config = Config({kR1}, 1);
  config.set_max_price(kU128Max);
  AddFeed("ETH", config);
  for (const std::string& bad :
       {std::string("-1"), std::string("1.5"), std::string(""),
        std::string("0x10"), kTwoTo128, std::string(" 1"), std::string("1 "),
        std::string("+1"), std::string("01"), std::string("1e3"),
        std::string(100, '9')}) {
    Refused(kR1, kOracle, "post", PostOf("ETH", bad, kT0),
            "post: price: not a canonical non-negative integer below 2^128");
  }
  Ok(kR1, kOracle, "post", PostOf("ETH", kU128Max, kT0));
  EXPECT_EQ(Price().price(), kU128Max);
}

// ---- Medians ----------------------------------------------------------------

TEST_F(OracleTest, MedianOfAnOddCountAndItsAsOfIsTheOldestReport) {
  AddFeed("ETH", Config({kR1, kR2, kR3}, 3));
  Ok(kR1, kOracle, "post", PostOf("ETH", "300", kT0 - 50 * kSecond));
  Ok(kR2, kOracle, "post", PostOf("ETH", "100", kT0 - 20 * kSecond));
  Ok(kR3, kOracle, "post", PostOf("ETH", "200", kT0 - 30 * kSecond));
  auto medians = EventsOf<MedianEvent>();
  ASSERT_EQ(medians.size(), 1u);
  EXPECT_EQ(medians[0].price(), "200");
  EXPECT_EQ(medians[0].as_of_ms(), kT0 - 50 * kSecond);
  EXPECT_EQ(medians[0].computed_ms(), kT0);
  EXPECT_EQ(medians[0].current_ms(), kT0);
  EXPECT_EQ(medians[0].reports(), 3u);
  PriceResponse price = Price();
  EXPECT_EQ(price.price(), "200");
  EXPECT_EQ(price.as_of_ms(), kT0 - 50 * kSecond);
  EXPECT_EQ(price.next_price(), "");
}

TEST_F(OracleTest, MedianOfAnEvenCountIsTheLowerMiddleValue) {
  AddFeed("ETH", Config({kR1, kR2, kR3, kR4}, 2));
  Post(kR1, "400");
  Post(kR2, "100");
  EXPECT_EQ(Price().price(), "100");  // of {100, 400}
  Post(kR3, "300");
  EXPECT_EQ(Price().price(), "300");  // of {100, 300, 400}
  Post(kR4, "200");
  EXPECT_EQ(Price().price(), "200");  // of {100, 200, 300, 400}
}

TEST_F(OracleTest, AQuorumOfFreshReportsIsRequired) {
  AddFeed("ETH", Config({kR1, kR2, kR3}, 3));
  EXPECT_FALSE(Post(kR1, "100").new_median());
  EXPECT_FALSE(Post(kR2, "100").new_median());
  PriceFails("feed ETH: no price yet");
  EXPECT_TRUE(Post(kR3, "100").new_median());
  EXPECT_EQ(Price().price(), "100");
}

TEST_F(OracleTest, NoPriceYetAndUnknownFeeds) {
  PriceFails("feed ETH: unknown feed");
  AddFeed("ETH", Config({kR1}, 1));
  PriceFails("feed ETH: no price yet");
  StatusResponse status = Status("XRP");
  EXPECT_FALSE(status.known());
  EXPECT_FALSE(status.usable());
  EXPECT_EQ(status.reason(), "feed XRP: unknown feed");
  status = Status("not a name");
  EXPECT_FALSE(status.known());
  EXPECT_EQ(status.reason(),
            "feed name must be 1 to 32 bytes of [A-Za-z0-9/_-]");
}

TEST_F(OracleTest, OneReporterCannotMoveTheMedianOutOfTheHonestRange) {
  // Five reporters, quorum 3: one dishonest reporter is less than half a
  // quorum.
  AddFeed("ETH", Config({kR1, kR2, kR3, kR4, kR5}, 3));
  Post(kR1, "1000");
  Post(kR2, "1010");
  Post(kR3, "990");
  Post(kR4, "1020");
  for (const char* evil : {"1", "1000000", "995", "1015", "5000"}) {
    Advance(1);
    Post(kR5, evil);
    u128 median = 0;
    ASSERT_TRUE(ParseU128(Price().price(), &median));
    EXPECT_GE(median, u128{990}) << evil;
    EXPECT_LE(median, u128{1020}) << evil;
  }
  // With only three honest reporters fresh, the attacker's report is one of
  // four, and the lower median is still an honest value or between them.
  Advance(3601);
  Post(kR1, "1000");
  Post(kR2, "1010");
  Post(kR3, "990");
  Post(kR5, "1");
  EXPECT_EQ(Price().price(), "990");
  Advance(1);
  Post(kR1, "1001");
  Post(kR5, "1000000");
  EXPECT_EQ(Price().price(), "1001");
}

// The same for any honest prices, any attacker prices and any number of
// attackers below half the quorum: the median stays within the honest
// reports' range.
RC_GTEST_FIXTURE_PROP(OracleTest, FewerThanHalfAQuorumCannotMoveTheMedian, ()) {
  ResetChain();
  SetBlock(1, kT0);
  InitRequest init;
  init.set_admin(kAdmin);
  Deploy(kAdmin, kOracle, init);
  const uint32_t quorum = *rc::gen::inRange<uint32_t>(1, 9);
  const size_t honest = *rc::gen::inRange<size_t>(quorum, 10);
  const size_t attackers = *rc::gen::inRange<size_t>(0, (quorum + 1) / 2);
  RC_PRE(2 * attackers < quorum);
  std::vector<std::string> reporters;
  for (size_t i = 0; i < honest + attackers; ++i) {
    reporters.push_back(Addr(char('a' + i)));
  }
  AddFeed("ETH", Config(reporters, quorum));
  uint64_t lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < honest; ++i) {
    uint64_t p = *rc::gen::inRange<uint64_t>(900, 1100);
    lo = std::min(lo, p);
    hi = std::max(hi, p);
    Post(reporters[i], std::to_string(p));
  }
  for (size_t i = honest; i < honest + attackers; ++i) {
    Post(reporters[i], std::to_string(*rc::gen::inRange<uint64_t>(1, 1000000)));
  }
  u128 median = 0;
  RC_ASSERT(ParseU128(Price().price(), &median));
  RC_ASSERT(median >= u128{lo});
  RC_ASSERT(median <= u128{hi});
}

TEST_F(OracleTest, ARemovedReporterStopsCountingAtOnce) {
  AddFeed("ETH", Config({kR1, kR2, kR3}, 2));
  Post(kR1, "100");
  Post(kR2, "200");
  Post(kR3, "900");
  EXPECT_EQ(Price().price(), "200");
  EXPECT_EQ(Status().fresh_count(), 3u);
  Advance(1);
  Ok(kAdmin, kOracle, "remove_reporter", ReporterOf("ETH", kR2));
  EXPECT_THAT(EventNames(), ElementsAre("ReporterRemovedEvent", "MedianEvent"));
  EXPECT_EQ(Price().price(), "100");  // of {100, 900}
  StatusResponse status = Status();
  EXPECT_EQ(status.fresh_count(), 2u);
  ASSERT_EQ(status.reports_size(), 2);
  EXPECT_EQ(status.reports(0).reporter(), kR1);
  EXPECT_EQ(status.reports(1).reporter(), kR3);
  Refused(kR2, kOracle, "post", PostOf("ETH", "200", now_ms()),
          "post: not a reporter of feed ETH");
  // Back again, it starts from nothing: its old report is gone.
  Ok(kAdmin, kOracle, "add_reporter", ReporterOf("ETH", kR2));
  status = Status();
  EXPECT_EQ(status.fresh_count(), 2u);
  EXPECT_EQ(status.reports(2).price(), "");
  EXPECT_FALSE(status.reports(2).fresh());
}

TEST_F(OracleTest, SetConfigDropsReportsOfReportersItRemovesAndRecomputes) {
  AddFeed("ETH", Config({kR1, kR2, kR3}, 1));
  Post(kR1, "100");
  Post(kR2, "200");
  Post(kR3, "300");
  EXPECT_EQ(Price().price(), "200");
  Advance(1);
  SetConfig("ETH", Config({kR3, kR4}, 1));
  EXPECT_THAT(EventNames(), ElementsAre("FeedConfigEvent", "MedianEvent"));
  EXPECT_EQ(Price().price(), "300");
  // kR1 and kR2 added back have no reports.
  SetConfig("ETH", Config({kR1, kR2, kR3}, 1));
  StatusResponse status = Status();
  EXPECT_EQ(status.fresh_count(), 1u);
  EXPECT_EQ(status.reports(0).price(), "");
}

TEST_F(OracleTest, ARepeatedMedianIsNotQueuedAgain) {
  AddFeed("ETH", Config({kR1, kR2}, 2));
  Post(kR1, "100");
  Post(kR2, "100");
  EXPECT_EQ(EventsOf<MedianEvent>().size(), 1u);
  Advance(10);
  EXPECT_FALSE(PokeNew());  // same reports: nothing new
  EXPECT_TRUE(events().empty());
}

// ---- Staleness --------------------------------------------------------------

TEST_F(OracleTest, StalenessFollowsTheBlockTimeAndPokeRecomputes) {
  AddFeed("ETH", Config({kR1, kR2, kR3}, 2));
  Post(kR1, "100");
  Post(kR2, "100");
  Post(kR3, "100");
  EXPECT_EQ(Price().as_of_ms(), kT0);
  // R1 and R2 report again; R3's old report keeps the median's as_of at T0.
  Advance(3000);
  Post(kR1, "100");
  Post(kR2, "100");
  EXPECT_EQ(Price().as_of_ms(), kT0);
  Advance(600);
  EXPECT_EQ(Price().price(), "100");  // exactly max_age old: still usable
  Advance(1);
  PriceFails(
      "feed ETH: stale: newest usable price is 3601 s old (max age 3600 s)");
  StatusResponse status = Status();
  EXPECT_FALSE(status.usable());
  EXPECT_EQ(status.fresh_count(), 2u);
  // Anyone recomputes: the median of the two fresh reports.
  EXPECT_TRUE(PokeNew());
  EXPECT_EQ(Price().as_of_ms(), kT0 + 3000 * kSecond);
  // Reporters stop: without a quorum of fresh reports the message says so.
  Advance(3600);
  PriceFails("feed ETH: no quorum: 0 fresh reports, 2 required");
  Post(kR3, "100");
  PriceFails("feed ETH: no quorum: 1 fresh report, 2 required");
  EXPECT_FALSE(PokeNew());
  Post(kR1, "100");
  EXPECT_EQ(Price().as_of_ms(), now_ms());
}

// ---- Circuit breaker --------------------------------------------------------

TEST_F(OracleTest, ABigMoveTripsTheBreakerAndAcceptTakesIt) {
  AddFeed("ETH", Config({kR1}, 1, 3600, 0, kTenPercent));
  Post(kR1, "1000");
  Advance(1);
  Post(kR1, "1100");  // exactly 10%: allowed
  Advance(1);
  PostResponse resp = Post(kR1, "1321");  // 20.09% from 1100
  EXPECT_TRUE(resp.tripped());
  EXPECT_FALSE(resp.new_median());
  EXPECT_THAT(EventNames(), ElementsAre("ReportEvent", "BreakerTrippedEvent"));
  auto tripped = EventsOf<BreakerTrippedEvent>();
  ASSERT_EQ(tripped.size(), 1u);
  EXPECT_EQ(tripped[0].price(), "1321");
  EXPECT_EQ(tripped[0].last_price(), "1100");
  const std::string reason = "median 1321 moved 20.09% from 1100 (limit 10%)";
  EXPECT_EQ(tripped[0].reason(), reason);
  PriceFails("feed ETH: circuit breaker tripped: " + reason);
  StatusResponse status = Status();
  EXPECT_EQ(status.reason(), "feed ETH: circuit breaker tripped: " + reason);
  EXPECT_EQ(status.tripped().price(), "1321");
  EXPECT_EQ(status.current().price(), "1100");

  // Reports are still taken while tripped, but no median is computed.
  Advance(1);
  resp = Post(kR1, "1330");
  EXPECT_TRUE(resp.tripped());
  EXPECT_THAT(EventNames(), ElementsAre("ReportEvent"));
  EXPECT_FALSE(PokeNew());

  ResetBreaker(/*accept=*/true);
  auto reset = EventsOf<BreakerResetEvent>();
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_TRUE(reset[0].accepted());
  EXPECT_EQ(reset[0].price(), "1321");
  EXPECT_EQ(Price().price(), "1321");
  ResetBreakerRequest again;
  again.set_feed("ETH");
  Refused(kAdmin, kOracle, "reset_breaker", again,
          "reset_breaker: feed ETH: circuit breaker not tripped");
  // The next median is compared with the accepted one.
  Advance(1);
  Post(kR1, "1400");
  EXPECT_EQ(Price().price(), "1400");
}

TEST_F(OracleTest, ABreakerRejectDropsTheMedian) {
  AddFeed("ETH", Config({kR1, kR2, kR3}, 2, 3600, 0, kTenPercent));
  Post(kR1, "1000");
  Post(kR2, "1000");
  Post(kR3, "1000");
  // Two reporters (a quorum's worth of majority) crash the price by half.
  Advance(1);
  Post(kR1, "500");
  EXPECT_TRUE(Post(kR2, "500").tripped());
  PriceFails(
      "feed ETH: circuit breaker tripped: median 500 moved 50% from 1000 "
      "(limit 10%)");
  // The admin removes the bad reporters' power and rejects the median.
  SetConfig("ETH", Config({kR3, kR4}, 1, 3600, 0, kTenPercent));
  ResetBreaker(/*accept=*/false);
  auto reset = EventsOf<BreakerResetEvent>();
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_FALSE(reset[0].accepted());
  EXPECT_EQ(reset[0].price(), "500");
  EXPECT_EQ(Price().price(), "1000");
  Advance(1);
  Post(kR4, "1050");
  EXPECT_EQ(Price().price(), "1000");  // lower median of {1000, 1050}
}

TEST_F(OracleTest, TheBreakerWorksDownwardsAndIsOffAtZero) {
  AddFeed("ETH", Config({kR1}, 1, 3600, 0, kTenPercent));
  Post(kR1, "1000");
  Advance(1);
  EXPECT_TRUE(Post(kR1, "899").tripped());  // 10.1% down
  ResetBreaker(false);
  SetConfig("ETH", Config({kR1}, 1));  // max_step "0": off
  Advance(1);
  Post(kR1, "1");
  EXPECT_EQ(Price().price(), "1");
}

// ---- Delay (OSM) ------------------------------------------------------------

TEST_F(OracleTest, ADelayedPriceIsPendingForTheDelayThenCurrent) {
  AddFeed("ETH", Config({kR1}, 1, 3600, 600));
  Post(kR1, "1000");
  auto medians = EventsOf<MedianEvent>();
  ASSERT_EQ(medians.size(), 1u);
  EXPECT_EQ(medians[0].current_ms(), kT0 + 600 * kSecond);
  PriceFails("feed ETH: no price yet");
  StatusResponse status = Status();
  ASSERT_EQ(status.pending_size(), 1);
  EXPECT_EQ(status.pending(0).price(), "1000");
  EXPECT_FALSE(status.has_current());

  Advance(599);
  PriceFails("feed ETH: no price yet");
  Advance(1);
  EXPECT_EQ(Price().price(), "1000");
  EXPECT_EQ(Price().next_price(), "");

  Advance(100);  // T0 + 700 s
  Post(kR1, "1200");
  PriceResponse price = Price();
  EXPECT_EQ(price.price(), "1000");
  EXPECT_EQ(price.next_price(), "1200");
  EXPECT_EQ(price.next_as_of_ms(), kT0 + 700 * kSecond);
  EXPECT_EQ(price.next_current_ms(), kT0 + 1300 * kSecond);
  Advance(599);
  EXPECT_EQ(Price().price(), "1000");
  Advance(1);
  price = Price();
  EXPECT_EQ(price.price(), "1200");
  EXPECT_EQ(price.next_price(), "");
  // Status shows the queue as of the block time (reads write nothing).
  EXPECT_EQ(Status().pending_size(), 0);
}

TEST_F(OracleTest, WithADelayReportsCountOnlyWhileTheyWillBeFreshWhenCurrent) {
  // max_age 3600 s, delay 600 s: a report counts for 3000 s, so a median
  // is never stale when it becomes current.
  AddFeed("ETH", Config({kR1, kR2}, 1, 3600, 600));
  Refused(kR1, kOracle, "post", PostOf("ETH", "100", kT0 - 3000 * kSecond - 1),
          "post: time_ms 1699996999999 is more than 3000 s before the block "
          "time 1700000000000 (stale on arrival)");
  Ok(kR1, kOracle, "post", PostOf("ETH", "100", kT0 - 3000 * kSecond));
  Advance(600);
  // Current now, at exactly max_age.
  EXPECT_EQ(Price().as_of_ms(), kT0 - 3000 * kSecond);
  EXPECT_EQ(Status().fresh_count(), 0u);
  Advance(1);
  PriceFails("feed ETH: no quorum: 0 fresh reports, 1 required");
}

TEST_F(OracleTest, CoalescedMediansKeepTheirFullDelay) {
  // delay 300 s: slots of 10 s.
  AddFeed("ETH", Config({kR1}, 1, 3600, 300));
  SetBlock(2, kT0 - kT0 % (10 * kSecond));  // the start of a slot
  int64_t start = now_ms();
  Post(kR1, "1000");
  Advance(4);
  Post(kR1, "1001");  // same slot: replaces 1000
  StatusResponse status = Status();
  ASSERT_EQ(status.pending_size(), 1);
  EXPECT_EQ(status.pending(0).price(), "1001");
  EXPECT_EQ(status.pending(0).computed_ms(), start + 4 * kSecond);
  SetBlock(3, start + 300 * kSecond);
  PriceFails("feed ETH: no price yet");  // 1000's delay would be over
  SetBlock(4, start + 304 * kSecond);
  EXPECT_EQ(Price().price(), "1001");
  // Next slot: a second pending median.
  SetBlock(5, start + 310 * kSecond);
  Post(kR1, "1002");
  SetBlock(6, start + 311 * kSecond);
  Post(kR1, "1003");
  SetBlock(7, start + 320 * kSecond);
  Post(kR1, "1004");
  status = Status();
  ASSERT_EQ(status.pending_size(), 2);
  EXPECT_EQ(status.pending(0).price(), "1003");
  EXPECT_EQ(status.pending(1).price(), "1004");
}

TEST_F(OracleTest, ThePendingQueueIsBounded) {
  AddFeed("ETH", Config({kR1}, 1, 3600, 300));
  // A new median every 5 s for twice the delay: never more than 31 pending
  // (one per 10 s slot), each becoming current a full delay after it was
  // computed.
  size_t most = 0;
  for (int i = 0; i < 120; ++i) {
    Advance(5);
    Post(kR1, std::to_string(1000 + i));
    StatusResponse status = Status();
    most = std::max<size_t>(most, status.pending_size());
    ASSERT_LE(status.pending_size(), 31);
    if (status.has_current()) {
      EXPECT_LE(status.current().computed_ms() + 300 * kSecond, now_ms());
    }
    for (const Snapshot& s : status.pending()) {
      EXPECT_GT(s.computed_ms() + 300 * kSecond, now_ms());
    }
  }
  EXPECT_GE(most, 30u);

  // Raising the delay tenfold makes the slots ten times wider, but the
  // medians already queued keep their slots: the hard bound of 32 holds,
  // the newest pending median being replaced.
  SetConfig("ETH", Config({kR1}, 1, 36000, 3000));
  for (int i = 0; i < 10; ++i) {
    Advance(100);
    Post(kR1, std::to_string(2000 + i));
    ASSERT_LE(Status().pending_size(), 32);
  }
  StatusResponse status = Status();
  EXPECT_EQ(status.pending_size(), 32);
  EXPECT_EQ(status.pending(31).price(), "2009");
  EXPECT_EQ(status.pending(31).computed_ms(), now_ms());
}

// ---- Gas --------------------------------------------------------------------

TEST_F(OracleTest, GasOfPostAndPriceAtSixteenReporters) {
  std::vector<std::string> reporters;
  for (int i = 0; i < 16; ++i) reporters.push_back(Addr(char('a' + i)));
  AddFeed("ETH", Config(reporters, 9, 3600, 600, kTenPercent));
  uint64_t post_gas = 0;
  for (int i = 0; i < 16; ++i) {
    Post(reporters[i], std::to_string(2000 + i));
    post_gas = std::max(post_gas, last_gas());
  }
  Advance(600);
  Price();
  uint64_t price_gas = last_gas();
  Advance(1);
  Post(reporters[0], "2001");
  uint64_t post_with_advance = last_gas();
  Status();
  uint64_t status_gas = last_gas();
  Ok(kBob, kOracle, "info", InfoRequest());
  uint64_t info_gas = last_gas();
  AddFeed("ONE", Config({kR1}, 1));
  Post(kR1, "100", "ONE");
  uint64_t post_one = last_gas();
  Price("ONE");
  uint64_t price_one = last_gas();
  // A RAY-scaled price (2000 stable per unit, 6 vs 8 decimals: 2e28) costs
  // its parsing in post (ballast::ParseU128) and formatting in price.
  FeedConfig wide = Config({kR1}, 1);
  wide.set_max_price(kU128Max);
  AddFeed("RAY", wide);
  Post(kR1, "20000000000000000000000000000", "RAY");
  uint64_t post_ray = last_gas();
  Price("RAY");
  uint64_t price_ray = last_gas();
  std::cout << "[ gas      ] oracle at 16 reporters: post (max) " << post_gas
            << ", post queueing after a delay " << post_with_advance
            << ", price " << price_gas << ", status " << status_gas
            << "; at 1 reporter: post " << post_one << ", price " << price_one
            << "; at 1 reporter with a 29-digit price: post " << post_ray
            << ", price " << price_ray << "; info (mostly instantiation) "
            << info_gas << "\n";
  RecordProperty("post_gas", std::to_string(post_gas));
  RecordProperty("price_gas", std::to_string(price_gas));
  // Well within the CLI's default transaction gas (10^7).
  EXPECT_LT(post_gas, 1'000'000u);
  EXPECT_LT(price_gas, 500'000u);
}

}  // namespace
}  // namespace ballast::oracle
