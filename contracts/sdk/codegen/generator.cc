#include "contracts/sdk/codegen/generator.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/printer.h>
#include <google/protobuf/io/zero_copy_stream.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ballast::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;
using google::protobuf::compiler::GeneratorContext;
using google::protobuf::io::Printer;
using Vars = std::map<std::string, std::string>;

const std::set<std::string>& CppKeywords() {
  static const auto* const kKeywords = new std::set<std::string>{
      "alignas",       "alignof",     "and",
      "and_eq",        "asm",         "auto",
      "bitand",        "bitor",       "bool",
      "break",         "case",        "catch",
      "char",          "char8_t",     "char16_t",
      "char32_t",      "class",       "compl",
      "concept",       "const",       "consteval",
      "constexpr",     "constinit",   "const_cast",
      "continue",      "co_await",    "co_return",
      "co_yield",      "decltype",    "default",
      "delete",        "do",          "double",
      "dynamic_cast",  "else",        "enum",
      "explicit",      "export",      "extern",
      "false",         "float",       "for",
      "friend",        "goto",        "if",
      "inline",        "int",         "long",
      "mutable",       "namespace",   "new",
      "noexcept",      "not",         "not_eq",
      "nullptr",       "operator",    "or",
      "or_eq",         "private",     "protected",
      "public",        "register",    "reinterpret_cast",
      "requires",      "return",      "short",
      "signed",        "sizeof",      "static",
      "static_assert", "static_cast", "struct",
      "switch",        "template",    "this",
      "thread_local",  "throw",       "true",
      "try",           "typedef",     "typeid",
      "typename",      "union",       "unsigned",
      "using",         "virtual",     "void",
      "volatile",      "wchar_t",     "while",
      "xor",           "xor_eq",      "NULL",
      "assert",        "errno"};
  return *kKeywords;
}

// Members every generated struct has; a field may not take their names.
const std::set<std::string>& ReservedMembers() {
  static const auto* const kReserved =
      new std::set<std::string>{"Encode", "EncodeTo",  "Decode",  "MergeFrom",
                                "kName",  "kFullName", "kIsEvent"};
  return *kReserved;
}

std::string StripProto(const std::string& path) {
  const std::string ext = ".proto";
  if (path.size() > ext.size() &&
      path.compare(path.size() - ext.size(), ext.size(), ext) == 0) {
    return path.substr(0, path.size() - ext.size());
  }
  return path;
}

std::string HeaderName(const FileDescriptor* file) {
  return StripProto(file->name()) + ".ballast.h";
}

std::string Guard(const FileDescriptor* file) {
  std::string g = "BALLAST_GENERATED_" + HeaderName(file) + "_";
  for (char& c : g) {
    c = std::isalnum(static_cast<unsigned char>(c))
            ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
            : '_';
  }
  return g;
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos;
       p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

struct Options {
  bool headers_only = false;
  std::string ns;  // empty: derived from the package
  bool ns_set = false;
};

bool ParseOptions(const std::string& parameter, Options* options,
                  std::string* error) {
  size_t start = 0;
  while (start <= parameter.size() && !parameter.empty()) {
    size_t end = parameter.find(',', start);
    if (end == std::string::npos) end = parameter.size();
    std::string item = parameter.substr(start, end - start);
    if (item == "headers_only") {
      options->headers_only = true;
    } else if (item.rfind("namespace=", 0) == 0) {
      options->ns = item.substr(10);
      options->ns_set = true;
    } else if (!item.empty()) {
      *error = "unknown parameter '" + item + "'";
      return false;
    }
    start = end + 1;
  }
  return true;
}

class FileGenerator {
 public:
  FileGenerator(const FileDescriptor* file, const Options& options)
      : file_(file), options_(options) {}

  bool Run(GeneratorContext* context, std::string* error);

 private:
  bool Fail(const std::string& what) {
    error_ = file_->name() + ": " + what;
    return false;
  }

  // C++ namespace of a file's types, without leading "::".
  std::string Namespace(const FileDescriptor* file) const {
    if (options_.ns_set) return options_.ns;
    return Replace(file->package(), ".", "::");
  }
  // Name of a message or enum relative to its package, nesting joined by '_'.
  template <class D>
  static std::string FlatName(const D* d) {
    std::string name = d->full_name();
    const std::string& pkg = d->file()->package();
    if (!pkg.empty()) name = name.substr(pkg.size() + 1);
    return Replace(name, ".", "_");
  }
  // Name usable anywhere in the generated header.
  template <class D>
  std::string QualifiedName(const D* d) const {
    if (d->file() == file_) return FlatName(d);
    std::string ns = Namespace(d->file());
    return (ns.empty() ? "::" : "::" + ns + "::") + FlatName(d);
  }
  static std::string MemberName(const FieldDescriptor* f) {
    std::string name = f->name();
    if (CppKeywords().count(name)) name += "_";
    return name;
  }

  bool CheckFile();
  bool CheckField(const FieldDescriptor* f);
  bool OrderMessages();
  bool Visit(const Descriptor* d, std::vector<const Descriptor*>* stack);
  std::string ValueType(const FieldDescriptor* f) const;
  std::string Kind(const FieldDescriptor* f) const;
  std::string MemberType(const FieldDescriptor* f) const;
  std::string Initializer(const FieldDescriptor* f) const;

  void PrintHeader(Printer* p) const;
  void PrintEnum(Printer* p, const EnumDescriptor* e) const;
  void PrintStruct(Printer* p, const Descriptor* d) const;
  void PrintMethods(Printer* p, const Descriptor* d) const;
  void PrintService(Printer* p, const ServiceDescriptor* s) const;
  void PrintExports(Printer* p, const ServiceDescriptor* s) const;

  const FileDescriptor* file_;
  Options options_;
  std::string error_;
  std::vector<const Descriptor*> all_messages_;  // declaration order
  std::vector<const EnumDescriptor*> all_enums_;
  std::vector<const Descriptor*> ordered_;  // dependencies first
  std::set<const Descriptor*> done_;
};

void CollectTypes(const Descriptor* d, std::vector<const Descriptor*>* messages,
                  std::vector<const EnumDescriptor*>* enums) {
  messages->push_back(d);
  for (int i = 0; i < d->enum_type_count(); ++i) {
    enums->push_back(d->enum_type(i));
  }
  for (int i = 0; i < d->nested_type_count(); ++i) {
    CollectTypes(d->nested_type(i), messages, enums);
  }
}

bool FileGenerator::CheckField(const FieldDescriptor* f) {
  const std::string where = "field " + f->full_name() + ": ";
  if (f->type() == FieldDescriptor::TYPE_FLOAT ||
      f->type() == FieldDescriptor::TYPE_DOUBLE) {
    return Fail(where +
                "float and double are not allowed (contracts have no "
                "floating point)");
  }
  if (f->type() == FieldDescriptor::TYPE_GROUP) {
    return Fail(where + "groups are not supported");
  }
  if (f->is_map()) {
    return Fail(where + "map fields are not supported; use a repeated message");
  }
  if (f->real_containing_oneof() != nullptr) {
    return Fail(where + "oneof is not supported");
  }
  if (ReservedMembers().count(f->name())) {
    return Fail(where + "the name is reserved by the generated struct");
  }
  return true;
}

bool FileGenerator::CheckFile() {
  if (file_->syntax() != FileDescriptor::SYNTAX_PROTO3) {
    return Fail("only proto3 is supported (add: syntax = \"proto3\";)");
  }
  if (file_->service_count() > 1) {
    return Fail("a contract interface has at most one service");
  }
  for (const Descriptor* d : all_messages_) {
    if (d->extension_range_count() > 0 || d->extension_count() > 0) {
      return Fail("message " + d->full_name() + ": extensions not supported");
    }
    for (int i = 0; i < d->field_count(); ++i) {
      if (!CheckField(d->field(i))) return false;
    }
  }
  for (int s = 0; s < file_->service_count(); ++s) {
    const ServiceDescriptor* service = file_->service(s);
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* m = service->method(i);
      const std::string where = "rpc " + m->full_name() + ": ";
      const std::string& name = m->name();
      if (m->client_streaming() || m->server_streaming()) {
        return Fail(where + "streaming is not supported");
      }
      bool snake = !name.empty() && name[0] >= 'a' && name[0] <= 'z';
      for (char c : name) {
        snake = snake &&
                ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
      }
      if (!snake) {
        return Fail(where +
                    "rpc names are lower_snake_case (the name is the wasm "
                    "export)");
      }
      if (name.rfind("ballast_", 0) == 0 || name.rfind("emscripten_", 0) == 0 ||
          name.rfind("stack", 0) == 0 || name == "memory") {
        return Fail(where +
                    "the name is reserved by the host ABI (prefixes _, "
                    "ballast_, emscripten_, stack; and memory)");
      }
      if (CppKeywords().count(name)) {
        return Fail(where + "the name is a C++ keyword");
      }
    }
  }
  return true;
}

bool FileGenerator::Visit(const Descriptor* d,
                          std::vector<const Descriptor*>* stack) {
  if (done_.count(d)) return true;
  if (std::find(stack->begin(), stack->end(), d) != stack->end()) {
    std::string cycle;
    for (const Descriptor* s : *stack) cycle += s->full_name() + " -> ";
    return Fail("recursive messages are not supported: " + cycle +
                d->full_name());
  }
  stack->push_back(d);
  for (int i = 0; i < d->field_count(); ++i) {
    const Descriptor* dep = d->field(i)->message_type();
    if (dep != nullptr && dep->file() == file_ && !Visit(dep, stack)) {
      return false;
    }
  }
  stack->pop_back();
  done_.insert(d);
  ordered_.push_back(d);
  return true;
}

bool FileGenerator::OrderMessages() {
  for (const Descriptor* d : all_messages_) {
    std::vector<const Descriptor*> stack;
    if (!Visit(d, &stack)) return false;
  }
  return true;
}

std::string FileGenerator::ValueType(const FieldDescriptor* f) const {
  switch (f->type()) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SFIXED32:
      return "int32_t";
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32:
      return "uint32_t";
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_SFIXED64:
      return "int64_t";
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED64:
      return "uint64_t";
    case FieldDescriptor::TYPE_BOOL:
      return "bool";
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
      return "std::string";
    case FieldDescriptor::TYPE_ENUM:
      return QualifiedName(f->enum_type());
    case FieldDescriptor::TYPE_MESSAGE:
      return QualifiedName(f->message_type());
    default:
      return "<unsupported>";
  }
}

std::string FileGenerator::Kind(const FieldDescriptor* f) const {
  const std::string c = "::ballast::codec::";
  switch (f->type()) {
    case FieldDescriptor::TYPE_INT32:
      return c + "Int32";
    case FieldDescriptor::TYPE_SINT32:
      return c + "SInt32";
    case FieldDescriptor::TYPE_SFIXED32:
      return c + "SFixed32";
    case FieldDescriptor::TYPE_UINT32:
      return c + "UInt32";
    case FieldDescriptor::TYPE_FIXED32:
      return c + "Fixed32";
    case FieldDescriptor::TYPE_INT64:
      return c + "Int64";
    case FieldDescriptor::TYPE_SINT64:
      return c + "SInt64";
    case FieldDescriptor::TYPE_SFIXED64:
      return c + "SFixed64";
    case FieldDescriptor::TYPE_UINT64:
      return c + "UInt64";
    case FieldDescriptor::TYPE_FIXED64:
      return c + "Fixed64";
    case FieldDescriptor::TYPE_BOOL:
      return c + "Bool";
    case FieldDescriptor::TYPE_ENUM:
      return c + "Enum<" + QualifiedName(f->enum_type()) + ">";
    default:
      return "";
  }
}

std::string FileGenerator::MemberType(const FieldDescriptor* f) const {
  const std::string value = ValueType(f);
  if (f->is_repeated()) return "std::vector<" + value + ">";
  if (f->has_optional_keyword() || f->message_type() != nullptr) {
    return "std::optional<" + value + ">";
  }
  return value;
}

// Every member has an initializer, so that designated initializers that
// leave some out (Msg{.a = 1}) compile without -Wmissing-field-initializers.
std::string FileGenerator::Initializer(const FieldDescriptor* f) const {
  if (f->is_repeated() || f->has_optional_keyword()) return " = {}";
  switch (f->type()) {
    case FieldDescriptor::TYPE_BOOL:
      return " = false";
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return " = {}";
    case FieldDescriptor::TYPE_ENUM:
      return " = " + ValueType(f) + "{}";
    default:
      return " = 0";
  }
}

void FileGenerator::PrintEnum(Printer* p, const EnumDescriptor* e) const {
  p->Print("// enum $full$\nenum class $name$ : int32_t {\n", "full",
           e->full_name(), "name", FlatName(e));
  p->Indent();
  for (int i = 0; i < e->value_count(); ++i) {
    p->Print("$v$ = $n$,\n", "v", e->value(i)->name(), "n",
             e->value(i)->number() == INT32_MIN
                 ? "INT32_MIN"
                 : std::to_string(e->value(i)->number()));
  }
  p->Outdent();
  p->Print("};\n\n");
}

void FileGenerator::PrintStruct(Printer* p, const Descriptor* d) const {
  const bool event = d->name().size() > 5 &&
                     d->name().compare(d->name().size() - 5, 5, "Event") == 0;
  Vars v{{"name", FlatName(d)},
         {"short", d->name()},
         {"full", d->full_name()},
         {"event", event ? "true" : "false"}};
  p->Print(v, "// message $full$\nstruct $name$ {\n");
  p->Indent();
  p->Print(v,
           "static constexpr std::string_view kName = \"$short$\";\n"
           "static constexpr std::string_view kFullName = \"$full$\";\n"
           "// Events are the messages whose names end in \"Event\".\n"
           "static constexpr bool kIsEvent = $event$;\n");
  for (int i = 0; i < d->nested_type_count(); ++i) {
    p->Print("using $a$ = $t$;\n", "a", d->nested_type(i)->name(), "t",
             FlatName(d->nested_type(i)));
  }
  for (int i = 0; i < d->enum_type_count(); ++i) {
    p->Print("using $a$ = $t$;\n", "a", d->enum_type(i)->name(), "t",
             FlatName(d->enum_type(i)));
  }
  p->Print("\n");
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    p->Print("$type$ $member$$init$;  // $n$\n", "type", MemberType(f),
             "member", MemberName(f), "init", Initializer(f), "n",
             std::to_string(f->number()));
  }
  if (d->field_count() > 0) p->Print("\n");
  p->Print(v,
           "// Replaces *out with the encoding (proto3, as libprotobuf).\n"
           "void Encode(std::string* out) const;\n"
           "std::string Encode() const;\n"
           "// Appends the encoding.\n"
           "void EncodeTo(::ballast::codec::Writer& w) const;\n"
           "// Replaces *this with the decoded message. False if `in` is\n"
           "// malformed; *this is then unspecified.\n"
           "bool Decode(std::string_view in);\n"
           "// Decodes `in` on top of *this, with protobuf's merge rules.\n"
           "bool MergeFrom(std::string_view in);\n"
           "bool operator==(const $name$&) const = default;\n");
  p->Outdent();
  p->Print("};\n\n");
}

void FileGenerator::PrintMethods(Printer* p, const Descriptor* d) const {
  Vars v{{"name", FlatName(d)}};
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < d->field_count(); ++i) fields.push_back(d->field(i));
  std::sort(fields.begin(), fields.end(),
            [](const FieldDescriptor* a, const FieldDescriptor* b) {
              return a->number() < b->number();
            });

  p->Print(
      v, "inline void $name$::EncodeTo(::ballast::codec::Writer& w) const {\n");
  p->Indent();
  if (fields.empty()) p->Print("(void)w;\n");
  for (const FieldDescriptor* f : fields) {
    Vars fv{{"n", std::to_string(f->number())},
            {"m", MemberName(f)},
            {"kind", Kind(f)},
            {"packed", f->is_packed() ? "true" : "false"}};
    const bool bytes = f->type() == FieldDescriptor::TYPE_STRING ||
                       f->type() == FieldDescriptor::TYPE_BYTES;
    if (f->message_type() != nullptr) {
      p->Print(fv, "w.Message($n$, $m$);\n");
    } else if (f->is_repeated()) {
      p->Print(fv, bytes ? "w.RepeatedBytes($n$, $m$);\n"
                         : "w.Repeated<$kind$>($n$, $m$, $packed$);\n");
    } else if (f->has_optional_keyword()) {
      p->Print(fv, bytes ? "if ($m$) w.Bytes($n$, *$m$, true);\n"
                         : "if ($m$) w.Scalar<$kind$>($n$, *$m$, true);\n");
    } else {
      p->Print(
          fv, bytes ? "w.Bytes($n$, $m$);\n" : "w.Scalar<$kind$>($n$, $m$);\n");
    }
  }
  p->Outdent();
  p->Print("}\n");
  p->Print(v,
           "inline void $name$::Encode(std::string* out) const {\n"
           "  out->clear();\n"
           "  ::ballast::codec::Writer w(out);\n"
           "  EncodeTo(w);\n"
           "}\n"
           "inline std::string $name$::Encode() const {\n"
           "  std::string out;\n"
           "  Encode(&out);\n"
           "  return out;\n"
           "}\n"
           "inline bool $name$::Decode(std::string_view in) {\n"
           "  *this = $name$();\n"
           "  return MergeFrom(in);\n"
           "}\n"
           "inline bool $name$::MergeFrom(std::string_view in) {\n"
           "  ::ballast::codec::Reader r(in);\n"
           "  uint32_t field;\n"
           "  ::ballast::codec::WireType wt;\n"
           "  while (r.Next(&field, &wt)) {\n"
           "    bool ok;\n"
           "    switch (field) {\n");
  p->Indent();
  p->Indent();
  p->Indent();
  for (const FieldDescriptor* f : fields) {
    Vars fv{{"n", std::to_string(f->number())},
            {"m", MemberName(f)},
            {"kind", Kind(f)}};
    p->Print(fv, "case $n$:\n");
    if (f->message_type() != nullptr) {
      p->Print(fv, "  ok = r.Message($n$, wt, &$m$);\n");
    } else if (f->type() == FieldDescriptor::TYPE_STRING) {
      p->Print(fv, "  ok = r.String($n$, wt, &$m$);\n");
    } else if (f->type() == FieldDescriptor::TYPE_BYTES) {
      p->Print(fv, "  ok = r.Bytes($n$, wt, &$m$);\n");
    } else if (f->is_repeated()) {
      p->Print(fv, "  ok = r.Repeated<$kind$>($n$, wt, &$m$);\n");
    } else {
      p->Print(fv, "  ok = r.Scalar<$kind$>($n$, wt, &$m$);\n");
    }
    p->Print("  break;\n");
  }
  p->Print("default:\n  ok = r.Skip(field, wt);\n");
  p->Outdent();
  p->Outdent();
  p->Outdent();
  p->Print(
      "    }\n"
      "    if (!ok) return false;\n"
      "  }\n"
      "  return r.ok();\n"
      "}\n\n");
}

void FileGenerator::PrintService(Printer* p, const ServiceDescriptor* s) const {
  Vars v{{"service", s->name()}, {"full", s->full_name()}};
  p->Print(v,
           "// service $full$: the contract's methods. The contract's .cc "
           "defines\n"
           "// each handler; the generated .ballast.cc exports each as a "
           "wasm\n"
           "// method named exactly as the rpc (\"init\" runs once, at "
           "deploy).\n"
           "struct $service$ {\n");
  p->Indent();
  for (int i = 0; i < s->method_count(); ++i) {
    const MethodDescriptor* m = s->method(i);
    p->Print("static $resp$ $name$(const $req$& request);\n", "resp",
             QualifiedName(m->output_type()), "name", m->name(), "req",
             QualifiedName(m->input_type()));
  }
  p->Outdent();
  p->Print(
      v,
      "};\n\n"
      "// Calls the methods of a deployed $service$ contract from another\n"
      "// contract (init is not callable). See ballast::Call.\n"
      "class $service$Client {\n"
      " public:\n"
      "  explicit $service$Client(const ::ballast::Address& address)\n"
      "      : address_(address) {}\n");
  p->Indent();
  for (int i = 0; i < s->method_count(); ++i) {
    const MethodDescriptor* m = s->method(i);
    if (m->name() == "init") continue;
    p->Print(
        "::ballast::CallResult<$resp$> $name$(const $req$& request) const {\n"
        "  return ::ballast::Call<$resp$>(address_, \"$name$\", request);\n"
        "}\n",
        "resp", QualifiedName(m->output_type()), "name", m->name(), "req",
        QualifiedName(m->input_type()));
  }
  p->Outdent();
  p->Print(
      "\n"
      " private:\n"
      "  ::ballast::Address address_;\n"
      "};\n\n");
}

void FileGenerator::PrintHeader(Printer* p) const {
  Vars v{{"file", file_->name()}, {"guard", Guard(file_)}};
  p->Print(v,
           "// Generated by protoc-gen-ballast from $file$. DO NOT EDIT.\n"
           "#ifndef $guard$\n"
           "#define $guard$\n\n"
           "#include <cstdint>\n"
           "#include <optional>\n"
           "#include <string>\n"
           "#include <string_view>\n"
           "#include <vector>\n\n"
           "#include \"ballast/codec.h\"\n");
  if (file_->service_count() > 0) p->Print("#include \"ballast/contract.h\"\n");
  for (int i = 0; i < file_->dependency_count(); ++i) {
    p->Print("#include \"$h$\"\n", "h", HeaderName(file_->dependency(i)));
  }
  p->Print("\n");
  const std::string ns = Namespace(file_);
  if (!ns.empty()) p->Print("namespace $ns$ {\n\n", "ns", ns);
  for (const Descriptor* d : all_messages_) {
    p->Print("struct $n$;\n", "n", FlatName(d));
  }
  if (!all_messages_.empty()) p->Print("\n");
  for (const EnumDescriptor* e : all_enums_) PrintEnum(p, e);
  for (const Descriptor* d : ordered_) PrintStruct(p, d);
  for (const Descriptor* d : ordered_) PrintMethods(p, d);
  for (int i = 0; i < file_->service_count(); ++i) {
    PrintService(p, file_->service(i));
  }
  if (!ns.empty()) p->Print("}  // namespace $ns$\n\n", "ns", ns);
  p->Print(v, "#endif  // $guard$\n");
}

void FileGenerator::PrintExports(Printer* p, const ServiceDescriptor* s) const {
  const std::string ns = Namespace(file_);
  const std::string prefix = ns.empty() ? "::" : "::" + ns + "::";
  p->Print(
      "// Generated by protoc-gen-ballast from $file$. DO NOT EDIT.\n"
      "// The wasm exports of service $full$: one per rpc, named as the rpc.\n"
      "#include \"$h$\"\n\n",
      "file", file_->name(), "full", s->full_name(), "h", HeaderName(file_));
  for (int i = 0; i < s->method_count(); ++i) {
    const MethodDescriptor* m = s->method(i);
    p->Print(
        "BALLAST_METHOD($name$) {\n"
        "  ::ballast::internal::Serve(&$svc$::$name$,\n"
        "                             \"method $name$: malformed input\");\n"
        "}\n",
        "name", m->name(), "svc", prefix + s->name());
  }
}

bool FileGenerator::Run(GeneratorContext* context, std::string* error) {
  for (int i = 0; i < file_->message_type_count(); ++i) {
    CollectTypes(file_->message_type(i), &all_messages_, &all_enums_);
  }
  std::vector<const EnumDescriptor*> nested = std::move(all_enums_);
  all_enums_.clear();
  for (int i = 0; i < file_->enum_type_count(); ++i) {
    all_enums_.push_back(file_->enum_type(i));
  }
  all_enums_.insert(all_enums_.end(), nested.begin(), nested.end());

  if (!CheckFile() || !OrderMessages()) {
    *error = error_;
    return false;
  }
  {
    std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> out(
        context->Open(HeaderName(file_)));
    Printer p(out.get(), '$');
    PrintHeader(&p);
  }
  if (file_->service_count() > 0 && !options_.headers_only) {
    std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> out(
        context->Open(StripProto(file_->name()) + ".ballast.cc"));
    Printer p(out.get(), '$');
    PrintExports(&p, file_->service(0));
  }
  return true;
}

}  // namespace

bool Generator::Generate(const FileDescriptor* file,
                         const std::string& parameter,
                         GeneratorContext* context, std::string* error) const {
  Options options;
  if (!ParseOptions(parameter, &options, error)) return false;
  FileGenerator generator(file, options);
  return generator.Run(context, error);
}

}  // namespace ballast::codegen
