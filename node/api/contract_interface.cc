#include "node/api/contract_interface.h"

#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/proto_json.h"

namespace ballast::api {
namespace {

namespace pb = google::protobuf;

bool IsEventName(const std::string& name) {
  return name.size() > 5 && name.compare(name.size() - 5, 5, "Event") == 0;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "none" : out;
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
}

class CollectErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message*, ErrorLocation,
                const std::string& message) override {
    if (!errors.empty()) errors += "; ";
    errors += StrCat(filename, ": ", element_name, ": ", message);
  }
  std::string errors;
};

class CollectFileErrors : public pb::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& filename, int line, int column,
                const std::string& message) override {
    if (!errors.empty()) errors += "; ";
    if (line < 0) {
      errors += StrCat(filename, ": ", message);
    } else {
      errors += StrCat(filename, ":", line + 1, ":", column + 1, ": ", message);
    }
  }
  std::string errors;
};

// The file's "...Event" messages, nested ones included, in declaration
// order (pre-order). Iterative: nesting is bounded only by protobuf's parse
// recursion limit (100), and nothing here relies on it.
void CollectEvents(
    const pb::FileDescriptor* file,
    std::map<std::string, const pb::Descriptor*, std::less<>>* events,
    std::vector<std::string>* names) {
  std::vector<const pb::Descriptor*> stack;
  for (int i = file->message_type_count() - 1; i >= 0; --i) {
    stack.push_back(file->message_type(i));
  }
  while (!stack.empty()) {
    const pb::Descriptor* d = stack.back();
    stack.pop_back();
    if (IsEventName(d->name()) && events->emplace(d->name(), d).second) {
      names->push_back(d->name());
    }
    for (int i = d->nested_type_count() - 1; i >= 0; --i) {
      stack.push_back(d->nested_type(i));
    }
  }
}

// Refuses a message two of whose fields answer to the same JSON key (a
// field's name or its json_name, which a descriptor set may set freely in
// proto2): the JSON mapping would then read one field's value into the
// other. protoc refuses such files; a hand-made set must be refused too.
// Iterative, as CollectEvents.
absl::Status CheckJsonNames(const pb::FileDescriptor* file) {
  std::vector<const pb::Descriptor*> stack;
  for (int i = 0; i < file->message_type_count(); ++i) {
    stack.push_back(file->message_type(i));
  }
  while (!stack.empty()) {
    const pb::Descriptor* d = stack.back();
    stack.pop_back();
    std::map<std::string, const pb::FieldDescriptor*, std::less<>> keys;
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      for (const std::string& key : {f->name(), f->json_name()}) {
        auto [it, added] = keys.emplace(key, f);
        if (!added && it->second != f) {
          return absl::InvalidArgumentError(
              StrCat("interface: message '", d->full_name(), "': fields '",
                     it->second->name(), "' and '", f->name(),
                     "' share the JSON name '", key, "'"));
        }
      }
    }
    for (int i = 0; i < d->nested_type_count(); ++i) {
      stack.push_back(d->nested_type(i));
    }
  }
  return absl::OkStatus();
}

}  // namespace

struct ContractInterface::Rep {
  std::string descriptor_set;
  pb::DescriptorPool pool;
  // GetPrototype is thread-safe but not const.
  mutable pb::DynamicMessageFactory factory{&pool};
  const pb::ServiceDescriptor* service = nullptr;
  std::vector<std::string> methods;
  std::vector<std::string> events;
  std::map<std::string, const pb::Descriptor*, std::less<>> event_types;

  absl::StatusOr<const pb::MethodDescriptor*> Method(
      std::string_view name) const {
    const pb::MethodDescriptor* m =
        service->FindMethodByName(std::string(name));
    if (m == nullptr) {
      return absl::NotFoundError(
          StrCat("no method '", name, "' (methods: ", Join(methods), ")"));
    }
    return m;
  }

  absl::StatusOr<const pb::Descriptor*> Event(std::string_view name) const {
    auto it = event_types.find(name);
    if (it == event_types.end()) {
      return absl::NotFoundError(
          StrCat("no event '", name, "' (events: ", Join(events), ")"));
    }
    return it->second;
  }

  absl::StatusOr<std::string> Encode(const pb::Descriptor* type,
                                     std::string_view json,
                                     std::string_view what) const {
    nlohmann::json j = nlohmann::json::object();
    if (!IsBlank(json)) {
      auto parsed = ParseJson(json);
      if (!parsed.ok()) return Annotate(parsed.status(), what);
      j = *std::move(parsed);
    }
    std::unique_ptr<pb::Message> msg(factory.GetPrototype(type)->New());
    absl::Status s = JsonToProto(j, msg.get());
    if (!s.ok()) return Annotate(s, what);
    std::string out;
    if (!msg->SerializeToString(&out)) {
      return absl::InvalidArgumentError(
          StrCat(what, ": ", type->full_name(), " does not serialize"));
    }
    return out;
  }

  absl::StatusOr<std::string> Decode(const pb::Descriptor* type,
                                     std::string_view bytes,
                                     std::string_view what) const {
    std::unique_ptr<pb::Message> msg(factory.GetPrototype(type)->New());
    if (!msg->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::InvalidArgumentError(StrCat(what, ": ", bytes.size(),
                                               " bytes do not parse as ",
                                               type->full_name()));
    }
    auto j = ProtoToJson(*msg);
    if (!j.ok()) return Annotate(j.status(), what);
    return DumpJson(*j);
  }
};

ContractInterface::ContractInterface(std::shared_ptr<const Rep> rep)
    : rep_(std::move(rep)) {}

absl::StatusOr<ContractInterface> ContractInterface::FromDescriptorSet(
    std::string_view descriptor_set) {
  pb::FileDescriptorSet set;
  if (!set.ParseFromArray(descriptor_set.data(),
                          static_cast<int>(descriptor_set.size()))) {
    return absl::InvalidArgumentError(
        "interface: not a serialized google.protobuf.FileDescriptorSet");
  }
  if (set.file_size() == 0) {
    return absl::InvalidArgumentError("interface: the descriptor set is empty");
  }
  auto rep = std::make_shared<Rep>();
  rep->descriptor_set = std::string(descriptor_set);

  if (set.file_size() > kMaxInterfaceFiles) {
    return absl::InvalidArgumentError(StrCat(
        "interface: ", set.file_size(),
        " files in the descriptor set (at most ", kMaxInterfaceFiles, ")"));
  }

  // Build each file after its dependencies, whatever the order in the set:
  // an iterative depth-first walk of the imports (an explicit stack, so a
  // long import chain costs heap, never native stack).
  std::map<std::string, const pb::FileDescriptorProto*> by_name;
  for (const pb::FileDescriptorProto& f : set.file()) by_name[f.name()] = &f;
  struct Frame {
    const pb::FileDescriptorProto* file;
    int next_dep;  // index of the next import to visit
  };
  std::set<std::string> visiting;  // the files on the stack
  for (const pb::FileDescriptorProto& root : set.file()) {
    if (rep->pool.FindFileByName(root.name()) != nullptr) continue;
    std::vector<Frame> stack{{&root, 0}};
    visiting.insert(root.name());
    while (!stack.empty()) {
      Frame& top = stack.back();
      const pb::FileDescriptorProto& f = *top.file;
      if (top.next_dep < f.dependency_size()) {
        const std::string& dep = f.dependency(top.next_dep++);
        if (rep->pool.FindFileByName(dep) != nullptr) continue;
        auto it = by_name.find(dep);
        if (it == by_name.end()) {
          return absl::InvalidArgumentError(
              StrCat("interface: ", f.name(), " imports ", dep,
                     ", which the descriptor set lacks (use protoc "
                     "--include_imports)"));
        }
        if (!visiting.insert(dep).second) {
          return absl::InvalidArgumentError(
              StrCat("interface: import cycle through ", dep));
        }
        stack.push_back({it->second, 0});  // invalidates `top`
        continue;
      }
      CollectErrors errors;
      const pb::FileDescriptor* built =
          rep->pool.BuildFileCollectingErrors(f, &errors);
      if (built == nullptr) {
        return absl::InvalidArgumentError(StrCat("interface: ", errors.errors));
      }
      RETURN_IF_ERROR(CheckJsonNames(built));
      visiting.erase(f.name());
      stack.pop_back();
    }
  }

  const pb::FileDescriptor* main =
      rep->pool.FindFileByName(set.file(set.file_size() - 1).name());
  if (main->service_count() != 1) {
    return absl::InvalidArgumentError(
        StrCat("interface: ", main->name(), " declares ", main->service_count(),
               " services; a contract has exactly one"));
  }
  rep->service = main->service(0);
  for (int i = 0; i < rep->service->method_count(); ++i) {
    const pb::MethodDescriptor* m = rep->service->method(i);
    if (m->client_streaming() || m->server_streaming()) {
      return absl::InvalidArgumentError(
          StrCat("interface: method '", m->name(), "' streams"));
    }
    rep->methods.push_back(m->name());
  }
  CollectEvents(main, &rep->event_types, &rep->events);
  return ContractInterface(std::move(rep));
}

const std::string& ContractInterface::ServiceName() const {
  return rep_->service->full_name();
}
const std::vector<std::string>& ContractInterface::Methods() const {
  return rep_->methods;
}
const std::vector<std::string>& ContractInterface::Events() const {
  return rep_->events;
}
const std::string& ContractInterface::descriptor_set() const {
  return rep_->descriptor_set;
}

bool ContractInterface::HasMethod(std::string_view method) const {
  return rep_->Method(method).ok();
}
bool ContractInterface::HasEvent(std::string_view name) const {
  return rep_->event_types.count(name) > 0;
}

absl::StatusOr<const pb::Descriptor*> ContractInterface::RequestType(
    std::string_view method) const {
  ASSIGN_OR_RETURN(const pb::MethodDescriptor* m, rep_->Method(method));
  return m->input_type();
}
absl::StatusOr<const pb::Descriptor*> ContractInterface::ResponseType(
    std::string_view method) const {
  ASSIGN_OR_RETURN(const pb::MethodDescriptor* m, rep_->Method(method));
  return m->output_type();
}
absl::StatusOr<const pb::Descriptor*> ContractInterface::EventType(
    std::string_view name) const {
  return rep_->Event(name);
}

absl::StatusOr<std::string> ContractInterface::EncodeRequest(
    std::string_view method, std::string_view json) const {
  ASSIGN_OR_RETURN(const pb::Descriptor* type, RequestType(method));
  return rep_->Encode(type, json, StrCat(method, " request"));
}
absl::StatusOr<std::string> ContractInterface::EncodeResponse(
    std::string_view method, std::string_view json) const {
  ASSIGN_OR_RETURN(const pb::Descriptor* type, ResponseType(method));
  return rep_->Encode(type, json, StrCat(method, " response"));
}
absl::StatusOr<std::string> ContractInterface::EncodeEvent(
    std::string_view name, std::string_view json) const {
  ASSIGN_OR_RETURN(const pb::Descriptor* type, EventType(name));
  return rep_->Encode(type, json, name);
}

absl::StatusOr<std::string> ContractInterface::DecodeRequest(
    std::string_view method, std::string_view bytes) const {
  ASSIGN_OR_RETURN(const pb::Descriptor* type, RequestType(method));
  return rep_->Decode(type, bytes, StrCat(method, " request"));
}
absl::StatusOr<std::string> ContractInterface::DecodeResponse(
    std::string_view method, std::string_view bytes) const {
  ASSIGN_OR_RETURN(const pb::Descriptor* type, ResponseType(method));
  return rep_->Decode(type, bytes, StrCat(method, " response"));
}
absl::StatusOr<std::string> ContractInterface::DecodeEvent(
    std::string_view name, std::string_view bytes) const {
  ASSIGN_OR_RETURN(const pb::Descriptor* type, EventType(name));
  return rep_->Decode(type, bytes, name);
}

absl::StatusOr<std::string> CompileInterface(
    const std::string& proto_path,
    const std::vector<std::string>& include_dirs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(proto_path, ec)) {
    return absl::NotFoundError(
        StrCat("interface ", proto_path, ": no such file"));
  }
  pb::compiler::DiskSourceTree tree;
  for (const std::string& dir : include_dirs) tree.MapPath("", dir);
  fs::path parent = fs::path(proto_path).parent_path();
  tree.MapPath("", parent.empty() ? "." : parent.string());

  std::string virtual_file, shadowing;
  switch (tree.DiskFileToVirtualFile(proto_path, &virtual_file, &shadowing)) {
    case pb::compiler::DiskSourceTree::SUCCESS:
      break;
    case pb::compiler::DiskSourceTree::SHADOWED:
      return absl::InvalidArgumentError(
          StrCat("interface ", proto_path, ": shadowed by ", shadowing,
                 " (both are '", virtual_file, "' on the include path)"));
    case pb::compiler::DiskSourceTree::CANNOT_OPEN:
      return absl::NotFoundError(
          StrCat("interface ", proto_path, ": ", tree.GetLastErrorMessage()));
    case pb::compiler::DiskSourceTree::NO_MAPPING:
      return absl::InvalidArgumentError(StrCat(
          "interface ", proto_path, ": not under any include directory"));
  }

  CollectFileErrors errors;
  pb::compiler::Importer importer(&tree, &errors);
  const pb::FileDescriptor* file = importer.Import(virtual_file);
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("interface ", proto_path, ": ",
               errors.errors.empty() ? "does not compile" : errors.errors));
  }

  // Imports first (depth-first, in import order), as protoc writes them;
  // iterative, like the builder in FromDescriptorSet.
  pb::FileDescriptorSet set;
  std::set<std::string> added{file->name()};
  std::vector<std::pair<const pb::FileDescriptor*, int>> stack{{file, 0}};
  while (!stack.empty()) {
    auto& [f, next_dep] = stack.back();
    if (next_dep < f->dependency_count()) {
      const pb::FileDescriptor* dep = f->dependency(next_dep++);
      if (added.insert(dep->name()).second) stack.push_back({dep, 0});
      continue;
    }
    pb::FileDescriptorProto* proto = set.add_file();
    f->CopyTo(proto);
    f->CopyJsonNameTo(proto);
    stack.pop_back();
  }
  std::string out;
  set.SerializeToString(&out);
  auto check = ContractInterface::FromDescriptorSet(out);
  if (!check.ok()) return Annotate(check.status(), proto_path);
  return out;
}

}  // namespace ballast::api
