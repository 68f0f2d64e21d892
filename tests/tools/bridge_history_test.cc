// The audit's identity (tools/cli/bridge_history.h BalancePath) on histories
// built by hand: each term, and the mismatches it must report.

#include "tools/cli/bridge_history.h"

#include <string>

#include "gtest/gtest.h"

namespace ballast::cli {
namespace {

constexpr char kDenom[] = "0x1111111111111111111111111111111111111111";
constexpr char kPrefix[] = "wasm.bb/channel-0/";

// FungibleTokenPacketData{denom, amount} by hand (fields 1 and 2).
std::string Data(const std::string& denom, uint64_t amount) {
  std::string out;
  out += char(0x0a);
  out += char(denom.size());
  out += denom;
  out += char(0x10);
  while (amount >= 0x80) {
    out += char((amount & 0x7f) | 0x80);
    amount >>= 7;
  }
  out += char(amount);
  return out;
}

PacketRecord Rec(uint64_t seq, const std::string& denom, uint64_t amount) {
  PacketRecord r;
  r.packet.set_sequence(seq);
  r.packet.set_data(Data(denom, amount));
  r.ack.set_result("ok");
  return r;
}

TEST(BridgeHistoryTest, DecodesTransferDataAndAcks) {
  auto t = DecodeTransferData(Data(kDenom, 300));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->denom, kDenom);
  EXPECT_EQ(t->amount, 300u);
  EXPECT_FALSE(DecodeTransferData("\xff\xff").has_value());
  bridge::Acknowledgement ack;
  ack.set_result(std::string("\x0a\x00", 2));  // TransferAck{token: ""}
  EXPECT_FALSE(AckError(ack).has_value());
  ack.set_result(std::string("\x12\x04nope", 6));  // TransferAck{error}
  EXPECT_EQ(AckError(ack).value_or(""), "nope");
  ack.set_error("refused");
  EXPECT_EQ(AckError(ack).value_or(""), "refused");
}

TEST(BridgeHistoryTest, SettledPathsBalanceExactly) {
  ChannelHistory a, b;
  PacketRecord sent = Rec(1, kDenom, 100);
  sent.done = true;
  a.sent[1] = sent;
  b.received[1] = Rec(1, kDenom, 100);
  EXPECT_TRUE(BalancePath(a, b, kDenom, kPrefix, 100, 100).ok);
  // A voucher more than the escrow: minted without a lock (Qubit).
  EXPECT_FALSE(BalancePath(a, b, kDenom, kPrefix, 100, 101).ok);
  // Escrow released twice, or never locked.
  EXPECT_FALSE(BalancePath(a, b, kDenom, kPrefix, 99, 100).ok);
}

TEST(BridgeHistoryTest, EveryPacketInFlightIsCountedOnce) {
  ChannelHistory a, b;
  // A -> B, not yet received: escrowed, not minted.
  a.sent[1] = Rec(1, kDenom, 10);
  // A -> B, received on B, ack not yet back on A: minted, still committed.
  a.sent[2] = Rec(2, kDenom, 20);
  b.received[2] = Rec(2, kDenom, 20);
  // A -> B refused by B (error ack), not yet back: escrowed, not minted.
  a.sent[3] = Rec(3, kDenom, 30);
  b.received[3] = Rec(3, kDenom, 30);
  b.received[3].ack.set_error("no");
  // B -> A, burnt on B, not yet released on A.
  b.sent[1] = Rec(1, std::string(kPrefix) + kDenom, 5);
  // A -> B sent after A was read, already minted on B.
  b.received[4] = Rec(4, kDenom, 7);
  const PathBalance p =
      BalancePath(a, b, kDenom, kPrefix, /*escrow=*/10 + 20 + 30 + 5,
                  /*supply=*/20 + 7);
  EXPECT_EQ(p.in_flight_a_to_b, 40u);
  EXPECT_EQ(p.in_flight_b_to_a, 5u);
  EXPECT_EQ(p.sent_after_a, 7u);
  EXPECT_TRUE(p.ok);
  // Another denomination's packets do not count.
  a.sent[9] = Rec(9, "0x2222222222222222222222222222222222222222", 1000);
  EXPECT_TRUE(BalancePath(a, b, kDenom, kPrefix, 65, 27).ok);
  // A return released on A (receipt, success) is no longer in flight.
  a.received[1] = Rec(1, std::string(kPrefix) + kDenom, 5);
  EXPECT_FALSE(BalancePath(a, b, kDenom, kPrefix, 65, 27).ok);
  EXPECT_TRUE(BalancePath(a, b, kDenom, kPrefix, 60, 27).ok);
}

}  // namespace
}  // namespace ballast::cli
