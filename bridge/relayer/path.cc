#include "bridge/relayer/path.h"

#include "bridge/core/channels.h"
#include "bridge/core/keys.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"

namespace ballast::relayer {
namespace {

// A record of `from`'s bridge table proved at `from`'s head, with `to`'s
// client of `from` brought to that height first.
struct Proved {
  uint64_t height = 0;
  std::string proof;
};

absl::StatusOr<Proved> ProveTo(Chain& from, Chain& to,
                               const std::string& client_on_to,
                               const std::string& key) {
  ASSIGN_OR_RETURN(Head head, from.ReadHead());
  ASSIGN_OR_RETURN(api::ProofResponse doc, from.Prove({key}, head.height));
  ASSIGN_OR_RETURN(Head to_head, to.ReadHead());
  ASSIGN_OR_RETURN(std::optional<bridge::ClientState> client,
                   ReadRecord<bridge::ClientState>(
                       to, bridge::ClientKey(client_on_to), to_head.height));
  if (!client.has_value()) {
    return absl::NotFoundError(
        StrCat(to.id(), " has no client '", client_on_to, "'"));
  }
  if (client->latest_height() < head.height) {
    RETURN_IF_ERROR(
        to.Run(Chain::UpdateOf(client_on_to, doc), "update client").status());
  } else if (client->latest_height() > head.height) {
    return absl::UnavailableError(
        StrCat(to.id(), "'s client '", client_on_to, "' is at height ",
               client->latest_height(), ", past ", from.id(),
               "'s head as read; try again"));
  }
  return Proved{head.height, doc.entries(0).proof()};
}

absl::StatusOr<std::string> CreateClient(Chain& on, Chain& of) {
  ASSIGN_OR_RETURN(api::BlockView block, of.node().LatestBlock());
  bridge::Msg msg;
  bridge::CreateClient* create = msg.mutable_create_client();
  create->set_chain_id(of.id());
  for (const std::string& k : of.trusted_keys()) create->add_trusted_keys(k);
  create->set_threshold(of.threshold());
  *create->mutable_header()->mutable_header() = block.header();
  *create->mutable_header()->mutable_signatures() = block.signatures();
  ASSIGN_OR_RETURN(bridge::MsgResult r, on.Run(msg, "create client"));
  return r.client();
}

}  // namespace

template <typename M>
absl::StatusOr<std::optional<M>> ReadRecord(Chain& chain,
                                            const std::string& key,
                                            uint64_t height) {
  ASSIGN_OR_RETURN(api::ProofResponse doc, chain.Prove({key}, height));
  if (!doc.entries(0).has_value()) return std::nullopt;
  M m;
  if (!m.ParseFromString(doc.entries(0).value())) {
    return absl::DataLossError(
        StrCat("a bridge record of ", chain.id(), " does not parse"));
  }
  return m;
}

template absl::StatusOr<std::optional<bridge::ClientState>> ReadRecord(
    Chain&, const std::string&, uint64_t);
template absl::StatusOr<std::optional<bridge::ConnectionEnd>> ReadRecord(
    Chain&, const std::string&, uint64_t);
template absl::StatusOr<std::optional<bridge::ChannelEnd>> ReadRecord(
    Chain&, const std::string&, uint64_t);

absl::StatusOr<Path> Link(Chain& a, Chain& b, const std::string& port_a,
                          const std::string& port_b, const std::string& version,
                          std::string client_a, std::string client_b) {
  Path path;
  PathEnd& ea = path.end[0];
  PathEnd& eb = path.end[1];
  ea.chain_id = a.id();
  eb.chain_id = b.id();
  ea.port = port_a;
  eb.port = port_b;
  if (client_a.empty()) {
    ASSIGN_OR_RETURN(client_a, CreateClient(a, b));
  }
  if (client_b.empty()) {
    ASSIGN_OR_RETURN(client_b, CreateClient(b, a));
  }
  ea.client = client_a;
  eb.client = client_b;

  // ICS-03: init on A, try on B, ack on A, confirm on B.
  bridge::Msg init;
  init.mutable_conn_open_init()->set_client(ea.client);
  init.mutable_conn_open_init()->set_counterparty_client(eb.client);
  ASSIGN_OR_RETURN(bridge::MsgResult r, a.Run(init, "conn open init"));
  ea.connection = r.connection();

  ASSIGN_OR_RETURN(
      Proved p, ProveTo(a, b, eb.client, bridge::ConnectionKey(ea.connection)));
  bridge::Msg try_msg;
  bridge::ConnOpenTry* t = try_msg.mutable_conn_open_try();
  t->set_client(eb.client);
  t->set_counterparty_client(ea.client);
  t->set_counterparty_connection(ea.connection);
  t->set_proof_height(p.height);
  t->set_proof(p.proof);
  ASSIGN_OR_RETURN(r, b.Run(try_msg, "conn open try"));
  eb.connection = r.connection();

  ASSIGN_OR_RETURN(
      p, ProveTo(b, a, ea.client, bridge::ConnectionKey(eb.connection)));
  bridge::Msg ack;
  bridge::ConnOpenAck* k = ack.mutable_conn_open_ack();
  k->set_connection(ea.connection);
  k->set_counterparty_connection(eb.connection);
  k->set_proof_height(p.height);
  k->set_proof(p.proof);
  RETURN_IF_ERROR(a.Run(ack, "conn open ack").status());

  ASSIGN_OR_RETURN(
      p, ProveTo(a, b, eb.client, bridge::ConnectionKey(ea.connection)));
  bridge::Msg confirm;
  bridge::ConnOpenConfirm* c = confirm.mutable_conn_open_confirm();
  c->set_connection(eb.connection);
  c->set_proof_height(p.height);
  c->set_proof(p.proof);
  RETURN_IF_ERROR(b.Run(confirm, "conn open confirm").status());

  // ICS-04: the same four steps for the channel.
  bridge::Msg cinit;
  bridge::ChanOpenInit* i = cinit.mutable_chan_open_init();
  i->set_port(port_a);
  i->set_connection(ea.connection);
  i->set_counterparty_port(port_b);
  i->set_version(version);
  ASSIGN_OR_RETURN(r, a.Run(cinit, "chan open init"));
  ea.channel = r.channel();

  ASSIGN_OR_RETURN(
      p, ProveTo(a, b, eb.client, bridge::ChannelKey(port_a, ea.channel)));
  bridge::Msg ctry;
  bridge::ChanOpenTry* ct = ctry.mutable_chan_open_try();
  ct->set_port(port_b);
  ct->set_connection(eb.connection);
  ct->set_counterparty_port(port_a);
  ct->set_counterparty_channel(ea.channel);
  ct->set_version(version);
  ct->set_proof_height(p.height);
  ct->set_proof(p.proof);
  ASSIGN_OR_RETURN(r, b.Run(ctry, "chan open try"));
  eb.channel = r.channel();

  ASSIGN_OR_RETURN(
      p, ProveTo(b, a, ea.client, bridge::ChannelKey(port_b, eb.channel)));
  bridge::Msg cack;
  bridge::ChanOpenAck* ck = cack.mutable_chan_open_ack();
  ck->set_port(port_a);
  ck->set_channel(ea.channel);
  ck->set_counterparty_channel(eb.channel);
  ck->set_proof_height(p.height);
  ck->set_proof(p.proof);
  RETURN_IF_ERROR(a.Run(cack, "chan open ack").status());

  ASSIGN_OR_RETURN(
      p, ProveTo(a, b, eb.client, bridge::ChannelKey(port_a, ea.channel)));
  bridge::Msg cconfirm;
  bridge::ChanOpenConfirm* cc = cconfirm.mutable_chan_open_confirm();
  cc->set_port(port_b);
  cc->set_channel(eb.channel);
  cc->set_proof_height(p.height);
  cc->set_proof(p.proof);
  RETURN_IF_ERROR(b.Run(cconfirm, "chan open confirm").status());
  return path;
}

namespace {

// One end of channel `channel` on `chain`, open, with its connection and
// client; the client must follow `other`.
absl::StatusOr<std::pair<PathEnd, bridge::ChannelEnd>> ReadEnd(
    Chain& chain, const std::string& channel, const std::string& other) {
  RETURN_IF_ERROR(bridge::CheckId("channel", channel));
  ASSIGN_OR_RETURN(Head head, chain.ReadHead());
  ASSIGN_OR_RETURN(api::ProofResponse doc,
                   chain.Prove({bridge::ChannelPortKey(channel)}, head.height));
  if (!doc.entries(0).has_value()) {
    return absl::NotFoundError(
        StrCat(chain.id(), " has no channel '", channel, "'"));
  }
  PathEnd end;
  end.chain_id = chain.id();
  end.channel = channel;
  end.port = doc.entries(0).value();
  ASSIGN_OR_RETURN(
      std::optional<bridge::ChannelEnd> ch,
      ReadRecord<bridge::ChannelEnd>(
          chain, bridge::ChannelKey(end.port, channel), head.height));
  if (!ch.has_value() || ch->state() != bridge::STATE_OPEN) {
    return absl::FailedPreconditionError(
        StrCat(chain.id(), "'s channel '", channel, "' is not open"));
  }
  end.connection = ch->connection();
  ASSIGN_OR_RETURN(
      std::optional<bridge::ConnectionEnd> conn,
      ReadRecord<bridge::ConnectionEnd>(
          chain, bridge::ConnectionKey(end.connection), head.height));
  if (!conn.has_value()) {
    return absl::DataLossError(
        StrCat(chain.id(), "'s connection '", end.connection, "' is missing"));
  }
  end.client = conn->client();
  ASSIGN_OR_RETURN(std::optional<bridge::ClientState> client,
                   ReadRecord<bridge::ClientState>(
                       chain, bridge::ClientKey(end.client), head.height));
  if (!client.has_value() || client->chain_id() != other) {
    return absl::FailedPreconditionError(StrCat(chain.id(), "'s channel '",
                                                channel, "' does not lead to '",
                                                other, "'"));
  }
  return std::make_pair(end, *ch);
}

}  // namespace

absl::StatusOr<Path> Resolve(Chain& a, const std::string& channel_a, Chain& b) {
  ASSIGN_OR_RETURN(auto ea, ReadEnd(a, channel_a, b.id()));
  ASSIGN_OR_RETURN(auto eb,
                   ReadEnd(b, ea.second.counterparty_channel(), a.id()));
  if (eb.second.counterparty_channel() != channel_a ||
      eb.second.counterparty_port() != ea.first.port ||
      ea.second.counterparty_port() != eb.first.port) {
    return absl::FailedPreconditionError(
        StrCat("the ends of ", a.id(), ":", channel_a, " and ", b.id(), ":",
               eb.first.channel, " are not bound to each other"));
  }
  Path path;
  path.end[0] = ea.first;
  path.end[1] = eb.first;
  return path;
}

}  // namespace ballast::relayer
