// Oracle: feeds of prices, each the median of its reporters' reports, with
// a quorum, a maximum age, a circuit breaker and an optional delay.
// Interface and rules: oracle.proto. Storage layout: keys.h.
//
// Every write path first checks everything it can, then writes; a failure
// anywhere aborts the call, which drops all of its writes and events.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/contract.h"
#include "ballast/fixed.h"
#include "ballast/uint.h"
#include "oracle/keys.h"
#include "oracle/oracle.ballast.h"

namespace ballast::oracle {
namespace {

// ---- Limits -----------------------------------------------------------------

constexpr size_t kMaxFeedName = 32;
constexpr size_t kMaxFeeds = 64;
constexpr size_t kMaxReporters = 16;
constexpr size_t kMaxPending = 32;
// Pending medians coalesce per slot of ceil(delay / kSlots): at most
// kSlots + 1 slots meet any window of one delay.
constexpr int64_t kSlots = 30;
constexpr uint64_t kMaxAgeS = 31'536'000;  // a year

// ---- Names and messages -----------------------------------------------------

bool ValidFeedName(std::string_view feed) {
  if (feed.empty() || feed.size() > kMaxFeedName) return false;
  for (char c : feed) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

constexpr std::string_view kBadFeedName =
    "feed name must be 1 to 32 bytes of [A-Za-z0-9/_-]";

void RequireFeedName(std::string_view feed, std::string_view method) {
  if (!ValidFeedName(feed)) Abort({method, ": ", kBadFeedName});
}

std::string Seconds(int64_t ms) { return ToDecimal(uint64_t(ms / 1000)); }

std::string Decimal(int64_t v) {
  if (v < 0) return "-" + ToDecimal(uint64_t(0) - uint64_t(v));
  return ToDecimal(uint64_t(v));
}

// v as a percentage of a RAY fraction (10^27 = 100%), two decimals.
std::string Percent(u128 ray_fraction) {
  return ToFixed(ray_fraction, 25, 2) + "%";
}

// ---- Configuration ----------------------------------------------------------

// A feed's configuration, checked and parsed.
struct Rules {
  std::vector<Address> reporters;
  uint32_t quorum = 0;
  uint64_t max_age_s = 0;
  uint64_t delay_s = 0;
  int64_t max_age_ms = 0;
  int64_t delay_ms = 0;
  int64_t window_ms = 0;  // max_age - delay: how long a report is fresh
  u128 max_step = 0;
  u128 min_price = 0;
  u128 max_price = 0;
};

// The checks every configuration passes before it is stored (`what` starts
// the messages).
void CheckRules(const Rules& rules, std::string_view what) {
  size_t n = rules.reporters.size();
  if (n < 1 || n > kMaxReporters) {
    Abort({what, "1 to 16 reporters required, got ", ToDecimal(uint64_t(n))});
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (rules.reporters[i] == rules.reporters[j]) {
        Abort({what, "duplicate reporter"});
      }
    }
  }
  if (rules.quorum < 1 || rules.quorum > n) {
    Abort({what, "quorum must be 1 to ", ToDecimal(uint64_t(n)),
           " (the number of reporters), got ",
           ToDecimal(uint64_t(rules.quorum))});
  }
  if (rules.max_age_s < 1 || rules.max_age_s > kMaxAgeS) {
    Abort({what, "max_age_s must be 1 to 31536000, got ",
           ToDecimal(rules.max_age_s)});
  }
  if (rules.delay_s >= rules.max_age_s) {
    Abort({what, "delay_s must be below max_age_s (",
           ToDecimal(rules.max_age_s), "), got ", ToDecimal(rules.delay_s)});
  }
  if (rules.max_price == 0) Abort({what, "max_price must be positive"});
  if (rules.min_price > rules.max_price) {
    Abort({what, "min_price must not exceed max_price"});
  }
}

void SetTimes(Rules& rules) {
  rules.max_age_ms = int64_t(rules.max_age_s) * 1000;
  rules.delay_ms = int64_t(rules.delay_s) * 1000;
  rules.window_ms = rules.max_age_ms - rules.delay_ms;
}

// A configuration from a request; aborts "<method>: config: ...".
Rules CheckConfig(const std::optional<FeedConfig>& given,
                  std::string_view method) {
  std::string what = std::string(method) + ": config: ";
  if (!given) Abort({what, "missing"});
  const FeedConfig& config = *given;
  Rules rules;
  if (config.reporters.size() > kMaxReporters) {
    Abort({what, "1 to 16 reporters required, got ",
           ToDecimal(uint64_t(config.reporters.size()))});
  }
  for (const std::string& bytes : config.reporters) {
    rules.reporters.push_back(ParseAddress(bytes, what + "reporters"));
  }
  rules.quorum = config.quorum;
  rules.max_age_s = config.max_age_s;
  rules.delay_s = config.delay_s;
  rules.max_step = ParseU128(config.max_step, what + "max_step");
  rules.min_price = ParseU128(config.min_price, what + "min_price");
  rules.max_price = ParseU128(config.max_price, what + "max_price");
  CheckRules(rules, what);
  SetTimes(rules);
  return rules;
}

FeedConfig ConfigOf(const Rules& rules) {
  FeedConfig config{.quorum = rules.quorum,
                    .max_age_s = rules.max_age_s,
                    .max_step = ToDecimal(rules.max_step),
                    .delay_s = rules.delay_s,
                    .min_price = ToDecimal(rules.min_price),
                    .max_price = ToDecimal(rules.max_price)};
  for (const Address& r : rules.reporters) config.reporters.push_back(r.str());
  return config;
}

u128 StoredU128(std::string_view bytes) {
  u128 v = 0;
  if (!DecodeU128(bytes, &v)) Abort("storage: corrupt u128");
  return v;
}

// Loads the rules of `feed`; aborts "<prefix>feed X: unknown feed".
__attribute__((noinline)) Rules LoadRules(std::string_view feed,
                                          std::string_view prefix) {
  FeedParams params;
  if (!LoadMessage(keys::Config(feed), &params)) {
    Abort({prefix, "feed ", feed, ": unknown feed"});
  }
  Rules rules;
  std::string_view all = params.reporters;
  if (all.size() % Address::kSize != 0 ||
      all.size() > kMaxReporters * Address::kSize) {
    Abort("storage: corrupt reporters");
  }
  for (size_t i = 0; i < all.size(); i += Address::kSize) {
    rules.reporters.push_back(
        *Address::FromBytes(all.substr(i, Address::kSize)));
  }
  rules.quorum = params.quorum;
  rules.max_age_s = params.max_age_s;
  rules.delay_s = params.delay_s;
  rules.max_step = StoredU128(params.max_step);
  rules.min_price = StoredU128(params.min_price);
  rules.max_price = StoredU128(params.max_price);
  SetTimes(rules);
  return rules;
}

__attribute__((noinline)) void StoreRules(std::string_view feed,
                                          const Rules& rules) {
  FeedParams params{.quorum = rules.quorum,
                    .max_age_s = rules.max_age_s,
                    .delay_s = rules.delay_s,
                    .max_step = EncodeU128(rules.max_step),
                    .min_price = EncodeU128(rules.min_price),
                    .max_price = EncodeU128(rules.max_price)};
  for (const Address& r : rules.reporters) params.reporters.append(r.bytes());
  StoreMessage(keys::Config(feed), params);
}

bool IsReporter(const Rules& rules, const Address& who) {
  for (const Address& r : rules.reporters) {
    if (r == who) return true;
  }
  return false;
}

Address Admin() {
  std::optional<std::string> bytes = Load(keys::kAdmin);
  if (!bytes) Abort("oracle: not initialized");
  return ParseAddress(*bytes, "storage: admin");
}

__attribute__((noinline)) void RequireAdmin(std::string_view method) {
  if (Caller() != Admin()) Abort({method, ": not the admin"});
}

// ---- Reports and medians ----------------------------------------------------

bool LoadReport(std::string_view feed, const Address& reporter, Report* out) {
  return LoadMessage(keys::Report(feed, reporter), out);
}

bool Fresh(const Report& report, const Rules& rules, int64_t now) {
  return report.time_ms >= now - rules.window_ms;
}

uint32_t FreshCount(std::string_view feed, const Rules& rules, int64_t now) {
  uint32_t fresh = 0;
  for (const Address& reporter : rules.reporters) {
    Report report;
    if (LoadReport(feed, reporter, &report) && Fresh(report, rules, now)) {
      ++fresh;
    }
  }
  return fresh;
}

struct Median {
  u128 price = 0;
  int64_t as_of_ms = 0;
  uint32_t reports = 0;
};

// The lower median of the fresh reports of the feed's reporters, if at least
// a quorum of them are fresh.
std::optional<Median> ComputeMedian(std::string_view feed, const Rules& rules,
                                    int64_t now) {
  u128 prices[kMaxReporters];
  size_t n = 0;
  int64_t oldest = 0;
  for (const Address& reporter : rules.reporters) {
    Report report;
    if (!LoadReport(feed, reporter, &report) || !Fresh(report, rules, now)) {
      continue;
    }
    if (n == 0 || report.time_ms < oldest) oldest = report.time_ms;
    // Insertion sort: at most 16 values.
    u128 price = StoredU128(report.price);
    size_t i = n++;
    while (i > 0 && prices[i - 1] > price) {
      prices[i] = prices[i - 1];
      --i;
    }
    prices[i] = price;
  }
  if (n == 0 || n < rules.quorum) return std::nullopt;
  return Median{
      .price = prices[(n - 1) / 2], .as_of_ms = oldest, .reports = uint32_t(n)};
}

Snapshot ShowMedian(const StoredMedian& m) {
  return Snapshot{.price = ToDecimal(StoredU128(m.price)),
                  .as_of_ms = m.as_of_ms,
                  .computed_ms = m.computed_ms};
}

// ---- Medians over time: the delay queue and the breaker --------------------

// Makes current every pending median whose delay has passed.
void Advance(FeedState& state, const Rules& rules, int64_t now) {
  size_t done = 0;
  while (done < state.pending.size() &&
         state.pending[done].computed_ms <= now - rules.delay_ms) {
    state.current = state.pending[done];
    ++done;
  }
  state.pending.erase(state.pending.begin(), state.pending.begin() + done);
}

// The newest median so far, pending or current.
const StoredMedian* Latest(const FeedState& state) {
  if (!state.pending.empty()) return &state.pending.back();
  if (state.current) return &*state.current;
  return nullptr;
}

// Floor division for a slot number (computed_ms may in principle be < 0).
int64_t SlotOf(int64_t ms, int64_t width) {
  int64_t q = ms / width;
  return (ms % width != 0 && ms < 0) ? q - 1 : q;
}

void Enqueue(FeedState& state, const Rules& rules, const StoredMedian& m) {
  if (rules.delay_ms == 0) {
    state.current = m;
    state.pending.clear();
    return;
  }
  int64_t width = (rules.delay_ms + kSlots - 1) / kSlots;
  if (!state.pending.empty() &&
      (state.pending.size() >= kMaxPending ||
       SlotOf(state.pending.back().computed_ms, width) ==
           SlotOf(m.computed_ms, width))) {
    // Coalesce: the new median replaces the newest pending one, with its own
    // (later) computed_ms, so no delay is shortened.
    state.pending.back() = m;
  } else {
    state.pending.push_back(m);
  }
}

struct Outcome {
  bool new_median = false;
  bool tripped = false;
};

// Recomputes the feed's median at `now` and queues it or trips the breaker.
__attribute__((noinline)) Outcome Recompute(std::string_view feed,
                                            FeedState& state,
                                            const Rules& rules, int64_t now) {
  Advance(state, rules, now);
  Outcome outcome{.tripped = state.tripped.has_value()};
  if (state.tripped) return outcome;  // frozen until reset_breaker
  std::optional<Median> median = ComputeMedian(feed, rules, now);
  if (!median) return outcome;
  StoredMedian m{.price = EncodeU128(median->price),
                 .as_of_ms = median->as_of_ms,
                 .computed_ms = now};
  const StoredMedian* latest = Latest(state);
  if (latest != nullptr && latest->price == m.price &&
      latest->as_of_ms == m.as_of_ms) {
    return outcome;  // nothing new
  }
  std::string price = ToDecimal(median->price);
  if (latest != nullptr && rules.max_step != 0) {
    u128 last = StoredU128(latest->price);
    u128 diff =
        median->price > last ? median->price - last : last - median->price;
    // diff / last > max_step, exactly: diff * RAY > max_step * last.
    if (Mul(diff, kRay) > Mul(rules.max_step, last)) {
      std::optional<u128> moved = MulDiv(diff, kRay, last, Round::kDown);
      std::string last_price = ToDecimal(last);
      std::string reason = "median " + price + " moved " +
                           (moved ? Percent(*moved) : "over 10^13%") +
                           " from " + last_price + " (limit " +
                           Percent(rules.max_step) + ")";
      Emit(BreakerTrippedEvent{.feed = std::string(feed),
                               .price = price,
                               .as_of_ms = m.as_of_ms,
                               .last_price = last_price,
                               .reason = reason});
      state.tripped = m;
      state.reason = reason;
      return Outcome{.tripped = true};
    }
  }
  Enqueue(state, rules, m);
  Emit(MedianEvent{.feed = std::string(feed),
                   .price = price,
                   .as_of_ms = m.as_of_ms,
                   .computed_ms = m.computed_ms,
                   .current_ms = m.computed_ms + rules.delay_ms,
                   .reports = median->reports});
  return Outcome{.new_median = true};
}

__attribute__((noinline)) FeedState LoadState(std::string_view feed) {
  FeedState state;
  LoadMessage(keys::State(feed), &state);
  return state;
}

// Writes the state only if it changed (a write costs gas per byte).
__attribute__((noinline)) void StoreState(std::string_view feed,
                                          const FeedState& state) {
  std::string key = keys::State(feed);
  std::string bytes = state.Encode();
  std::optional<std::string> old = Load(key);
  if (!old || *old != bytes) Store(key, bytes);
}

// Why price() fails at `now` for a state already advanced to `now`, or ""
// if the feed is usable.
std::string Unusable(std::string_view feed, const FeedState& state,
                     const Rules& rules, int64_t now) {
  std::string name = "feed " + std::string(feed) + ": ";
  if (state.tripped) return name + "circuit breaker tripped: " + state.reason;
  if (!state.current) return name + "no price yet";
  int64_t age = now - state.current->as_of_ms;
  if (age <= rules.max_age_ms) return "";
  uint32_t fresh = FreshCount(feed, rules, now);
  if (fresh < rules.quorum) {
    return name + "no quorum: " + ToDecimal(uint64_t(fresh)) +
           (fresh == 1 ? " fresh report, " : " fresh reports, ") +
           ToDecimal(uint64_t(rules.quorum)) + " required";
  }
  return name + "stale: newest usable price is " + Seconds(age) +
         " s old (max age " + Seconds(rules.max_age_ms) + " s)";
}

// Removes `reporter`'s report (it no longer counts).
void DropReport(std::string_view feed, const Address& reporter) {
  std::string key = keys::Report(feed, reporter);
  if (Load(key)) Remove(key);
}

}  // namespace

InitResponse Oracle::init(const InitRequest& request) {
  Require(!Load(keys::kAdmin), "init: already initialized");
  Address admin = ParseAddress(request.admin, "init: admin");
  Store(keys::kAdmin, admin.bytes());
  Emit(AdminEvent{.old_admin = "", .new_admin = admin.str()});
  return {};
}

AddFeedResponse Oracle::add_feed(const AddFeedRequest& request) {
  RequireAdmin("add_feed");
  RequireFeedName(request.feed, "add_feed");
  if (Load(keys::Config(request.feed))) {
    Abort({"add_feed: feed ", request.feed, " already exists"});
  }
  Rules rules = CheckConfig(request.config, "add_feed");
  FeedList list;
  LoadMessage(keys::kFeeds, &list);
  Require(list.feeds.size() < kMaxFeeds, "add_feed: at most 64 feeds");
  list.feeds.push_back(request.feed);
  StoreMessage(keys::kFeeds, list);
  StoreRules(request.feed, rules);
  Emit(FeedAddedEvent{.feed = request.feed, .config = ConfigOf(rules)});
  return {};
}

SetConfigResponse Oracle::set_config(const SetConfigRequest& request) {
  RequireAdmin("set_config");
  RequireFeedName(request.feed, "set_config");
  std::string_view feed = request.feed;
  Rules old_rules = LoadRules(feed, "set_config: ");
  Rules rules = CheckConfig(request.config, "set_config");
  int64_t now = BlockTime();
  FeedState state = LoadState(feed);
  // Medians whose delay passed under the old rules are current already.
  Advance(state, old_rules, now);
  for (const Address& reporter : old_rules.reporters) {
    if (!IsReporter(rules, reporter)) DropReport(feed, reporter);
  }
  StoreRules(feed, rules);
  Emit(FeedConfigEvent{.feed = request.feed, .config = ConfigOf(rules)});
  Recompute(feed, state, rules, now);
  StoreState(feed, state);
  return {};
}

ReporterResponse Oracle::add_reporter(const ReporterRequest& request) {
  RequireAdmin("add_reporter");
  RequireFeedName(request.feed, "add_reporter");
  Rules rules = LoadRules(request.feed, "add_reporter: ");
  Address reporter = ParseAddress(request.reporter, "add_reporter: reporter");
  if (IsReporter(rules, reporter)) {
    Abort({"add_reporter: already a reporter of feed ", request.feed});
  }
  if (rules.reporters.size() >= kMaxReporters) {
    Abort({"add_reporter: feed ", request.feed, " has 16 reporters already"});
  }
  rules.reporters.push_back(reporter);
  StoreRules(request.feed, rules);
  Emit(ReporterAddedEvent{.feed = request.feed, .reporter = reporter.str()});
  return {};
}

ReporterResponse Oracle::remove_reporter(const ReporterRequest& request) {
  RequireAdmin("remove_reporter");
  RequireFeedName(request.feed, "remove_reporter");
  std::string_view feed = request.feed;
  Rules rules = LoadRules(feed, "remove_reporter: ");
  Address reporter =
      ParseAddress(request.reporter, "remove_reporter: reporter");
  if (!IsReporter(rules, reporter)) {
    Abort({"remove_reporter: not a reporter of feed ", feed});
  }
  if (rules.reporters.size() - 1 < rules.quorum) {
    Abort({"remove_reporter: feed ", feed, " would have ",
           ToDecimal(uint64_t(rules.reporters.size() - 1)),
           " reporters, below its quorum of ",
           ToDecimal(uint64_t(rules.quorum)),
           " (change both with set_config)"});
  }
  std::vector<Address> kept;
  for (const Address& r : rules.reporters) {
    if (r != reporter) kept.push_back(r);
  }
  rules.reporters = std::move(kept);
  DropReport(feed, reporter);
  StoreRules(feed, rules);
  Emit(ReporterRemovedEvent{.feed = request.feed, .reporter = reporter.str()});
  FeedState state = LoadState(feed);
  Recompute(feed, state, rules, BlockTime());
  StoreState(feed, state);
  return {};
}

ResetBreakerResponse Oracle::reset_breaker(const ResetBreakerRequest& request) {
  RequireAdmin("reset_breaker");
  RequireFeedName(request.feed, "reset_breaker");
  std::string_view feed = request.feed;
  Rules rules = LoadRules(feed, "reset_breaker: ");
  FeedState state = LoadState(feed);
  if (!state.tripped) {
    Abort({"reset_breaker: feed ", feed, ": circuit breaker not tripped"});
  }
  Advance(state, rules, BlockTime());
  StoredMedian tripped = *state.tripped;
  if (request.accept) {
    // Newer than every pending median: it replaces them all, now.
    state.current = tripped;
    state.pending.clear();
  }
  state.tripped.reset();
  state.reason.clear();
  StoreState(feed, state);
  Emit(BreakerResetEvent{.feed = request.feed,
                         .accepted = request.accept,
                         .price = ToDecimal(StoredU128(tripped.price))});
  return {};
}

SetAdminResponse Oracle::set_admin(const SetAdminRequest& request) {
  RequireAdmin("set_admin");
  Address admin = ParseAddress(request.admin, "set_admin: admin");
  Address old = Admin();
  Store(keys::kAdmin, admin.bytes());
  Emit(AdminEvent{.old_admin = old.str(), .new_admin = admin.str()});
  return {};
}

PostResponse Oracle::post(const PostRequest& request) {
  RequireFeedName(request.feed, "post");
  std::string_view feed = request.feed;
  Rules rules = LoadRules(feed, "post: ");
  Address reporter = Caller();
  if (!IsReporter(rules, reporter)) {
    Abort({"post: not a reporter of feed ", feed});
  }

  u128 price = ParseU128(request.price, "post: price");
  if (price == 0) Abort("post: price must be positive");
  if (price < rules.min_price) {
    Abort({"post: price ", request.price, " is below the feed's minimum ",
           ToDecimal(rules.min_price)});
  }
  if (price > rules.max_price) {
    Abort({"post: price ", request.price, " is above the feed's maximum ",
           ToDecimal(rules.max_price)});
  }
  int64_t now = BlockTime();
  int64_t time = request.time_ms;
  if (time > now) {
    Abort({"post: time_ms ", Decimal(time), " is after the block time ",
           Decimal(now)});
  }
  Report previous;
  if (LoadReport(feed, reporter, &previous) && time <= previous.time_ms) {
    Abort({"post: time_ms ", Decimal(time),
           " is not after this reporter's previous report (",
           Decimal(previous.time_ms), ")"});
  }
  if (time < now - rules.window_ms) {
    Abort({"post: time_ms ", Decimal(time), " is more than ",
           Seconds(rules.window_ms), " s before the block time ", Decimal(now),
           " (stale on arrival)"});
  }

  StoreMessage(keys::Report(feed, reporter),
               Report{.price = EncodeU128(price), .time_ms = time});
  Emit(ReportEvent{.feed = request.feed,
                   .reporter = reporter.str(),
                   .price = request.price,
                   .time_ms = time});
  FeedState state = LoadState(feed);
  Outcome outcome = Recompute(feed, state, rules, now);
  StoreState(feed, state);
  return {.new_median = outcome.new_median, .tripped = outcome.tripped};
}

PokeResponse Oracle::poke(const PokeRequest& request) {
  RequireFeedName(request.feed, "poke");
  std::string_view feed = request.feed;
  Rules rules = LoadRules(feed, "poke: ");
  FeedState state = LoadState(feed);
  Outcome outcome = Recompute(feed, state, rules, BlockTime());
  StoreState(feed, state);
  return {.new_median = outcome.new_median, .tripped = outcome.tripped};
}

PriceResponse Oracle::price(const PriceRequest& request) {
  if (!ValidFeedName(request.feed)) Abort({"price: ", kBadFeedName});
  std::string_view feed = request.feed;
  Rules rules = LoadRules(feed, "");
  int64_t now = BlockTime();
  FeedState state = LoadState(feed);
  Advance(state, rules, now);
  std::string why = Unusable(feed, state, rules, now);
  if (!why.empty()) Abort(why);
  PriceResponse response{.price = ToDecimal(StoredU128(state.current->price)),
                         .as_of_ms = state.current->as_of_ms};
  if (!state.pending.empty()) {
    const StoredMedian& next = state.pending.back();
    response.next_price = ToDecimal(StoredU128(next.price));
    response.next_as_of_ms = next.as_of_ms;
    response.next_current_ms = next.computed_ms + rules.delay_ms;
  }
  return response;
}

StatusResponse Oracle::status(const StatusRequest& request) {
  int64_t now = BlockTime();
  StatusResponse response{.now_ms = now};
  if (!ValidFeedName(request.feed)) {
    response.reason = std::string(kBadFeedName);
    return response;
  }
  std::string_view feed = request.feed;
  if (!Load(keys::Config(feed))) {
    response.reason = "feed " + request.feed + ": unknown feed";
    return response;
  }
  Rules rules = LoadRules(feed, "");
  FeedState state = LoadState(feed);
  Advance(state, rules, now);
  response.known = true;
  response.reason = Unusable(feed, state, rules, now);
  response.usable = response.reason.empty();
  if (state.current) response.current = ShowMedian(*state.current);
  for (const StoredMedian& m : state.pending) {
    response.pending.push_back(ShowMedian(m));
  }
  if (state.tripped) response.tripped = ShowMedian(*state.tripped);
  for (const Address& reporter : rules.reporters) {
    ReportView view{.reporter = reporter.str()};
    Report report;
    if (LoadReport(feed, reporter, &report)) {
      view.price = ToDecimal(StoredU128(report.price));
      view.time_ms = report.time_ms;
      view.fresh = Fresh(report, rules, now);
      if (view.fresh) ++response.fresh_count;
    }
    response.reports.push_back(view);
  }
  response.config = ConfigOf(rules);
  return response;
}

InfoResponse Oracle::info(const InfoRequest&) {
  FeedList list;
  LoadMessage(keys::kFeeds, &list);
  return {.admin = Admin().str(), .feeds = list.feeds};
}

}  // namespace ballast::oracle
