// Test support: two in-process chains and a relay the test drives, as
// ibc-go's coordinator does: headers and state proofs read from one chain's
// store, bridge transactions committed on the other. Everything is real
// (LevelDB, signatures, proofs, contracts); only the transport is a
// function call.
//
//   Coordinator c(&a, &b);
//   ASSERT_TRUE(c.Link(port_a, port_b, "ping-1").ok());
//   ledger::Receipt sent = a.Submit(a.CallTx(...));   // a contract sends
//   for (const bridge::Packet& p : Coordinator::SentPackets(sent)) {
//     ledger::Receipt got = c.Recv(0, p);           // A -> B
//     c.Acknowledge(0, p, Coordinator::WrittenAck(got));  // B -> A
//   }

#ifndef BALLAST_TESTS_NODE_BRIDGE_COORDINATOR_H_
#define BALLAST_TESTS_NODE_BRIDGE_COORDINATOR_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bridge/core/bridge.pb.h"
#include "tests/node/chain_fixture.h"

namespace ballast::node {

class Coordinator {
 public:
  struct Side {
    TestChain* chain = nullptr;
    std::string client;      // its client of the other chain
    std::string connection;  // its end of the connection
    std::string port;
    std::string channel;
  };

  // Both chains must hold some state already (an empty chain's root is all
  // zero, which no light client accepts).
  Coordinator(TestChain* a, TestChain* b);

  Side& side(int i) { return sides_[i]; }
  TestChain& chain(int i) { return *sides_[i].chain; }
  const KeyPair& relayer() const { return relayer_; }

  // Clients both ways, the connection handshake, and the channel handshake
  // between the two ports.
  absl::Status Link(const std::string& port_a, const std::string& port_b,
                    const std::string& version);
  absl::Status CreateClients();
  absl::Status OpenConnection();
  absl::Status OpenChannel(const std::string& port_a, const std::string& port_b,
                           const std::string& version);

  // Brings the other side's client of chain `from` to `from`'s head
  // (which it commits first if the client already holds it); returns the
  // height.
  absl::StatusOr<uint64_t> UpdateClient(int from);
  // The state proof of `raw_key` of chain `from`'s bridge table at
  // `height`, encoded.
  std::string Proof(int from, uint64_t height, std::string_view raw_key);

  // A bridge message from the relayer on chain `on`.
  ledger::Receipt Submit(int on, const bridge::Msg& msg,
                         uint64_t gas = 50'000'000);

  // The packet `p`, sent on chain `from`, relayed to the other chain.
  ledger::Receipt Recv(int from, const bridge::Packet& p);
  // The acknowledgement of `p` (sent on chain `from`), relayed back to it.
  ledger::Receipt Acknowledge(int from, const bridge::Packet& p,
                              const bridge::Acknowledgement& ack);
  // The timeout of `p` (sent on chain `from`), proved from the other chain.
  ledger::Receipt Timeout(int from, const bridge::Packet& p);

  // The packets a receipt's SendPacketEvents carry, in order.
  static std::vector<bridge::Packet> SentPackets(const ledger::Receipt& r);
  // The acknowledgement a receipt's WriteAckEvent carries.
  static bridge::Acknowledgement WrittenAck(const ledger::Receipt& r);

 private:
  std::array<Side, 2> sides_;
  KeyPair relayer_ = DevKey('r');
};

}  // namespace ballast::node

#endif  // BALLAST_TESTS_NODE_BRIDGE_COORDINATOR_H_
