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

// A FeedConfig, checked and parsed.
struct Rules {
  std::vector<Address> reporters;
  uint32_t quorum = 0;
  int64_t max_age_ms = 0;
  int64_t delay_ms = 0;
  int64_t window_ms = 0;  // max_age - delay: how long a report is fresh
  u128 max_step = 0;
  u128 min_price = 0;
  u128 max_price = 0;
};

// Checks a configuration from a request; aborts "<method>: config: ...".
Rules CheckConfig(const std::optional<FeedConfig>& given,
                  std::string_view method) {
  if (!given) Abort({method, ": config: missing"});
  const FeedConfig& config = *given;
  std::string what = std::string(method) + ": config: ";
  Rules rules;
  size_t n = config.reporters.size();
  if (n < 1 || n > kMaxReporters) {
    Abort({what, "1 to 16 reporters required, got ", ToDecimal(uint64_t(n))});
  }
  for (const std::string& bytes : config.reporters) {
    Address reporter = ParseAddress(bytes, what + "reporters");
    for (const Address& seen : rules.reporters) {
      if (seen == reporter) Abort({what, "duplicate reporter"});
    }
    rules.reporters.push_back(reporter);
  }
  if (config.quorum < 1 || config.quorum > n) {
    Abort({what, "quorum must be 1 to ", ToDecimal(uint64_t(n)),
           " (the number of reporters), got ",
           ToDecimal(uint64_t(config.quorum))});
  }
  rules.quorum = config.quorum;
  if (config.max_age_s < 1 || config.max_age_s > kMaxAgeS) {
    Abort({what, "max_age_s must be 1 to 31536000, got ",
           ToDecimal(config.max_age_s)});
  }
  if (config.delay_s >= config.max_age_s) {
    Abort({what, "delay_s must be below max_age_s (",
           ToDecimal(config.max_age_s), "), got ", ToDecimal(config.delay_s)});
  }
  rules.max_age_ms = int64_t(config.max_age_s) * 1000;
  rules.delay_ms = int64_t(config.delay_s) * 1000;
  rules.window_ms = rules.max_age_ms - rules.delay_ms;
  rules.max_step = ParseU128(config.max_step, what + "max_step");
  rules.min_price = ParseU128(config.min_price, what + "min_price");
  rules.max_price = ParseU128(config.max_price, what + "max_price");
  if (rules.max_price == 0) Abort({what, "max_price must be positive"});
  if (rules.min_price > rules.max_price) {
    Abort({what, "min_price must not exceed max_price"});
  }
  return rules;
}

// A stored configuration (checked when it was stored).
Rules RulesOf(const FeedConfig& config) {
  return CheckConfig(config, "storage");
}

// The feed's configuration; aborts "<prefix>feed X: unknown feed".
FeedConfig LoadConfig(std::string_view feed, std::string_view prefix) {
  FeedConfig config;
  if (!LoadMessage(keys::Config(feed), &config)) {
    Abort({prefix, "feed ", feed, ": unknown feed"});
  }
  return config;
}

Address Admin() {
  std::optional<std::string> bytes = Load(keys::kAdmin);
  if (!bytes) Abort("oracle: not initialized");
  return ParseAddress(*bytes, "storage: admin");
}

void RequireAdmin(std::string_view method) {
  if (Caller() != Admin()) Abort({method, ": not the admin"});
}

// ---- Reports and medians ----------------------------------------------------

bool LoadReport(std::string_view feed, const Address& reporter, Report* out) {
  return LoadMessage(keys::Report(feed, reporter), out);
}

u128 StoredPrice(std::string_view text) {
  u128 v = 0;
  if (!ParseU128(text, &v)) Abort("storage: corrupt price");
  return v;
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
    u128 price = StoredPrice(report.price);
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
const Snapshot* Latest(const FeedState& state) {
  if (!state.pending.empty()) return &state.pending.back();
  if (state.current) return &*state.current;
  return nullptr;
}

// Floor division for a slot number (computed_ms may in principle be < 0).
int64_t SlotOf(int64_t ms, int64_t width) {
  int64_t q = ms / width;
  return (ms % width != 0 && ms < 0) ? q - 1 : q;
}

void Enqueue(FeedState& state, const Rules& rules, const Snapshot& snap) {
  if (rules.delay_ms == 0) {
    state.current = snap;
    state.pending.clear();
    return;
  }
  int64_t width = (rules.delay_ms + kSlots - 1) / kSlots;
  if (!state.pending.empty() &&
      (state.pending.size() >= kMaxPending ||
       SlotOf(state.pending.back().computed_ms, width) ==
           SlotOf(snap.computed_ms, width))) {
    // Coalesce: the new median replaces the newest pending one, with its own
    // (later) computed_ms, so no delay is shortened.
    state.pending.back() = snap;
  } else {
    state.pending.push_back(snap);
  }
}

struct Outcome {
  bool new_median = false;
  bool tripped = false;
};

// Recomputes the feed's median at `now` and queues it or trips the breaker.
Outcome Recompute(std::string_view feed, FeedState& state, const Rules& rules,
                  int64_t now) {
  Advance(state, rules, now);
  Outcome outcome{.tripped = state.tripped.has_value()};
  if (state.tripped) return outcome;  // frozen until reset_breaker
  std::optional<Median> median = ComputeMedian(feed, rules, now);
  if (!median) return outcome;
  Snapshot snap{.price = ToDecimal(median->price),
                .as_of_ms = median->as_of_ms,
                .computed_ms = now};
  const Snapshot* latest = Latest(state);
  if (latest != nullptr && latest->price == snap.price &&
      latest->as_of_ms == snap.as_of_ms) {
    return outcome;  // nothing new
  }
  if (latest != nullptr && rules.max_step != 0) {
    u128 last = StoredPrice(latest->price);
    u128 diff =
        median->price > last ? median->price - last : last - median->price;
    // diff / last > max_step, exactly: diff * RAY > max_step * last.
    if (Mul(diff, kRay) > Mul(rules.max_step, last)) {
      std::optional<u128> moved = MulDiv(diff, kRay, last, Round::kDown);
      std::string reason = "median " + snap.price + " moved " +
                           (moved ? Percent(*moved) : "over 10^13%") +
                           " from " + latest->price + " (limit " +
                           Percent(rules.max_step) + ")";
      Emit(BreakerTrippedEvent{.feed = std::string(feed),
                               .price = snap.price,
                               .as_of_ms = snap.as_of_ms,
                               .last_price = latest->price,
                               .reason = reason});
      state.tripped = snap;
      state.reason = reason;
      return Outcome{.tripped = true};
    }
  }
  Enqueue(state, rules, snap);
  Emit(MedianEvent{.feed = std::string(feed),
                   .price = snap.price,
                   .as_of_ms = snap.as_of_ms,
                   .computed_ms = snap.computed_ms,
                   .current_ms = snap.computed_ms + rules.delay_ms,
                   .reports = median->reports});
  return Outcome{.new_median = true};
}

FeedState LoadState(std::string_view feed) {
  FeedState state;
  LoadMessage(keys::State(feed), &state);
  return state;
}

// Writes the state only if it changed (a write costs gas per byte).
void StoreState(std::string_view feed, const FeedState& state) {
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
  CheckConfig(request.config, "add_feed");
  FeedList list;
  LoadMessage(keys::kFeeds, &list);
  Require(list.feeds.size() < kMaxFeeds, "add_feed: at most 64 feeds");
  list.feeds.push_back(request.feed);
  StoreMessage(keys::kFeeds, list);
  StoreMessage(keys::Config(request.feed), *request.config);
  Emit(FeedAddedEvent{.feed = request.feed, .config = request.config});
  return {};
}

SetConfigResponse Oracle::set_config(const SetConfigRequest& request) {
  RequireAdmin("set_config");
  RequireFeedName(request.feed, "set_config");
  std::string_view feed = request.feed;
  Rules old_rules = RulesOf(LoadConfig(feed, "set_config: "));
  Rules rules = CheckConfig(request.config, "set_config");
  int64_t now = BlockTime();
  FeedState state = LoadState(feed);
  // Medians whose delay passed under the old rules are current already.
  Advance(state, old_rules, now);
  for (const Address& reporter : old_rules.reporters) {
    bool kept = false;
    for (const Address& r : rules.reporters) kept = kept || r == reporter;
    if (!kept) DropReport(feed, reporter);
  }
  StoreMessage(keys::Config(feed), *request.config);
  Emit(FeedConfigEvent{.feed = request.feed, .config = request.config});
  Recompute(feed, state, rules, now);
  StoreState(feed, state);
  return {};
}

ReporterResponse Oracle::add_reporter(const ReporterRequest& request) {
  RequireAdmin("add_reporter");
  RequireFeedName(request.feed, "add_reporter");
  FeedConfig config = LoadConfig(request.feed, "add_reporter: ");
  Address reporter = ParseAddress(request.reporter, "add_reporter: reporter");
  for (const std::string& r : config.reporters) {
    if (r == reporter.bytes()) {
      Abort({"add_reporter: already a reporter of feed ", request.feed});
    }
  }
  if (config.reporters.size() >= kMaxReporters) {
    Abort({"add_reporter: feed ", request.feed, " has 16 reporters already"});
  }
  config.reporters.push_back(reporter.str());
  StoreMessage(keys::Config(request.feed), config);
  Emit(ReporterAddedEvent{.feed = request.feed, .reporter = reporter.str()});
  return {};
}

ReporterResponse Oracle::remove_reporter(const ReporterRequest& request) {
  RequireAdmin("remove_reporter");
  RequireFeedName(request.feed, "remove_reporter");
  std::string_view feed = request.feed;
  FeedConfig config = LoadConfig(feed, "remove_reporter: ");
  Address reporter =
      ParseAddress(request.reporter, "remove_reporter: reporter");
  std::vector<std::string> kept;
  for (const std::string& r : config.reporters) {
    if (r != reporter.bytes()) kept.push_back(r);
  }
  if (kept.size() == config.reporters.size()) {
    Abort({"remove_reporter: not a reporter of feed ", feed});
  }
  if (kept.size() < config.quorum) {
    Abort({"remove_reporter: feed ", feed, " would have ",
           ToDecimal(uint64_t(kept.size())), " reporters, below its quorum of ",
           ToDecimal(uint64_t(config.quorum)),
           " (change both with set_config)"});
  }
  config.reporters = std::move(kept);
  Rules rules = RulesOf(config);
  DropReport(feed, reporter);
  StoreMessage(keys::Config(feed), config);
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
  Rules rules = RulesOf(LoadConfig(feed, "reset_breaker: "));
  FeedState state = LoadState(feed);
  if (!state.tripped) {
    Abort({"reset_breaker: feed ", feed, ": circuit breaker not tripped"});
  }
  Advance(state, rules, BlockTime());
  Snapshot tripped = *state.tripped;
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
                         .price = tripped.price});
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
  Rules rules = RulesOf(LoadConfig(feed, "post: "));
  Address reporter = Caller();
  bool listed = false;
  for (const Address& r : rules.reporters) listed = listed || r == reporter;
  if (!listed) Abort({"post: not a reporter of feed ", feed});

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

  Report report{.price = ToDecimal(price), .time_ms = time};
  StoreMessage(keys::Report(feed, reporter), report);
  Emit(ReportEvent{.feed = request.feed,
                   .reporter = reporter.str(),
                   .price = report.price,
                   .time_ms = time});
  FeedState state = LoadState(feed);
  Outcome outcome = Recompute(feed, state, rules, now);
  StoreState(feed, state);
  return {.new_median = outcome.new_median, .tripped = outcome.tripped};
}

PokeResponse Oracle::poke(const PokeRequest& request) {
  RequireFeedName(request.feed, "poke");
  std::string_view feed = request.feed;
  Rules rules = RulesOf(LoadConfig(feed, "poke: "));
  FeedState state = LoadState(feed);
  Outcome outcome = Recompute(feed, state, rules, BlockTime());
  StoreState(feed, state);
  return {.new_median = outcome.new_median, .tripped = outcome.tripped};
}

PriceResponse Oracle::price(const PriceRequest& request) {
  if (!ValidFeedName(request.feed)) Abort({"price: ", kBadFeedName});
  std::string_view feed = request.feed;
  Rules rules = RulesOf(LoadConfig(feed, ""));
  int64_t now = BlockTime();
  FeedState state = LoadState(feed);
  Advance(state, rules, now);
  std::string why = Unusable(feed, state, rules, now);
  if (!why.empty()) Abort(why);
  PriceResponse response{.price = state.current->price,
                         .as_of_ms = state.current->as_of_ms};
  if (!state.pending.empty()) {
    const Snapshot& next = state.pending.back();
    response.next_price = next.price;
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
  FeedConfig config;
  if (!LoadMessage(keys::Config(feed), &config)) {
    response.reason = "feed " + request.feed + ": unknown feed";
    return response;
  }
  Rules rules = RulesOf(config);
  FeedState state = LoadState(feed);
  Advance(state, rules, now);
  response.known = true;
  response.reason = Unusable(feed, state, rules, now);
  response.usable = response.reason.empty();
  response.current = state.current;
  response.pending = state.pending;
  response.tripped = state.tripped;
  for (const Address& reporter : rules.reporters) {
    ReportView view{.reporter = reporter.str()};
    Report report;
    if (LoadReport(feed, reporter, &report)) {
      view.price = report.price;
      view.time_ms = report.time_ms;
      view.fresh = Fresh(report, rules, now);
      if (view.fresh) ++response.fresh_count;
    }
    response.reports.push_back(view);
  }
  response.config = config;
  return response;
}

InfoResponse Oracle::info(const InfoRequest&) {
  FeedList list;
  LoadMessage(keys::kFeeds, &list);
  return {.admin = Admin().str(), .feeds = list.feeds};
}

}  // namespace ballast::oracle
