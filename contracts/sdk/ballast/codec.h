// Proto3 wire format for contracts: a Writer that appends encodings to a
// std::string and a Reader that walks an encoded message. Generated structs
// (<name>.ballast.h, see contracts/README.md) are written on top of this; a
// contract author rarely calls it directly.
//
// Portable C++20 with no dependency beyond the standard library, so the same
// header compiles with em++ (contracts) and g++ (host tests). No exceptions,
// no RTTI, no floating point.
//
// Encoding follows libprotobuf exactly, so equal field values give identical
// bytes: fields in field-number order (the generated code's job), proto3
// defaults omitted, repeated numeric fields packed unless [packed = false],
// negative int32/int64/enum values as 10-byte varints.
//
// Decoding follows libprotobuf's acceptance rules: unknown fields (including
// groups) are skipped, a known field with an unexpected wire type is treated
// as unknown, repeated numeric fields accept packed and unpacked forms, a
// repeated occurrence of a singular field replaces it (messages merge), and
// string fields must be valid UTF-8. Malformed input (truncated data, bad
// tags, overlong varints, lengths past the end, unbalanced groups, invalid
// UTF-8 in a string) makes Decode return false; contracts turn that into an
// abort.

#ifndef BALLAST_CONTRACTS_SDK_BALLAST_CODEC_H_
#define BALLAST_CONTRACTS_SDK_BALLAST_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::codec {

enum class WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// True if `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing
// above U+10FFFF): the rule libprotobuf applies to proto3 string fields.
inline bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p++;
    if (c < 0x80) continue;
    int extra;
    uint32_t min, cp;
    if ((c & 0xE0) == 0xC0) {
      extra = 1, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < extra) return false;
    for (int i = 0; i < extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    p += extra;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
  }
  return true;
}

// Scalar field kinds. Each maps a C++ value type T to its wire form: `Raw` is
// uint64_t for varints, uint32_t for fixed32 and uint64_t for fixed64.
template <class V, WireType W, class R>
struct ScalarKind {
  using T = V;
  using Raw = R;
  static constexpr WireType kWire = W;
};
struct UInt64 : ScalarKind<uint64_t, WireType::kVarint, uint64_t> {
  static Raw ToRaw(T v) { return v; }
  static T FromRaw(Raw r) { return r; }
};
struct UInt32 : ScalarKind<uint32_t, WireType::kVarint, uint64_t> {
  static Raw ToRaw(T v) { return v; }
  static T FromRaw(Raw r) { return static_cast<T>(r); }
};
struct Int64 : ScalarKind<int64_t, WireType::kVarint, uint64_t> {
  static Raw ToRaw(T v) { return static_cast<Raw>(v); }
  static T FromRaw(Raw r) { return static_cast<T>(r); }
};
struct Int32 : ScalarKind<int32_t, WireType::kVarint, uint64_t> {
  // Negative values are sign-extended to 64 bits, as libprotobuf does.
  static Raw ToRaw(T v) { return static_cast<Raw>(static_cast<int64_t>(v)); }
  static T FromRaw(Raw r) { return static_cast<T>(static_cast<uint32_t>(r)); }
};
struct SInt64 : ScalarKind<int64_t, WireType::kVarint, uint64_t> {
  static Raw ToRaw(T v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }
  static T FromRaw(Raw r) { return static_cast<T>((r >> 1) ^ (0 - (r & 1))); }
};
struct SInt32 : ScalarKind<int32_t, WireType::kVarint, uint64_t> {
  static Raw ToRaw(T v) {
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  }
  static T FromRaw(Raw r) {
    uint32_t u = static_cast<uint32_t>(r);
    return static_cast<T>((u >> 1) ^ (0u - (u & 1)));
  }
};
struct Bool : ScalarKind<bool, WireType::kVarint, uint64_t> {
  static Raw ToRaw(T v) { return v ? 1 : 0; }
  static T FromRaw(Raw r) { return r != 0; }
};
template <class E>
struct Enum : ScalarKind<E, WireType::kVarint, uint64_t> {
  static uint64_t ToRaw(E v) {
    return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v)));
  }
  static E FromRaw(uint64_t r) {
    return static_cast<E>(static_cast<int32_t>(static_cast<uint32_t>(r)));
  }
};
struct Fixed32 : ScalarKind<uint32_t, WireType::kFixed32, uint32_t> {
  static Raw ToRaw(T v) { return v; }
  static T FromRaw(Raw r) { return r; }
};
struct SFixed32 : ScalarKind<int32_t, WireType::kFixed32, uint32_t> {
  static Raw ToRaw(T v) { return static_cast<Raw>(v); }
  static T FromRaw(Raw r) { return static_cast<T>(r); }
};
struct Fixed64 : ScalarKind<uint64_t, WireType::kFixed64, uint64_t> {
  static Raw ToRaw(T v) { return v; }
  static T FromRaw(Raw r) { return r; }
};
struct SFixed64 : ScalarKind<int64_t, WireType::kFixed64, uint64_t> {
  static Raw ToRaw(T v) { return static_cast<Raw>(v); }
  static T FromRaw(Raw r) { return static_cast<T>(r); }
};

// Appends encodings to a string it does not own. Field helpers omit proto3
// default values unless `always` is set (used for fields with presence).
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void Tag(uint32_t field, WireType type) {
    Varint((static_cast<uint64_t>(field) << 3) | static_cast<uint32_t>(type));
  }
  void Fixed32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      out_->push_back(static_cast<char>(v >> (8 * i)));
  }
  void Fixed64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      out_->push_back(static_cast<char>(v >> (8 * i)));
  }

  template <class K>
  void Scalar(uint32_t field, typename K::T v, bool always = false) {
    if (!always && v == typename K::T{}) return;
    Tag(field, K::kWire);
    Raw<K>(v);
  }
  // string and bytes fields.
  void Bytes(uint32_t field, std::string_view v, bool always = false) {
    if (!always && v.empty()) return;
    Tag(field, WireType::kLen);
    Varint(v.size());
    out_->append(v.data(), v.size());
  }
  template <class K>
  void Repeated(uint32_t field, const std::vector<typename K::T>& v,
                bool packed) {
    if (v.empty()) return;
    if (!packed) {
      for (typename K::T x : v) Scalar<K>(field, x, true);
      return;
    }
    size_t mark = BeginLen(field);
    for (typename K::T x : v) Raw<K>(x);
    EndLen(mark);
  }
  void RepeatedBytes(uint32_t field, const std::vector<std::string>& v) {
    for (const std::string& x : v) Bytes(field, x, true);
  }
  // M is a generated message (has EncodeTo(Writer&)).
  template <class M>
  void Message(uint32_t field, const M& m) {
    size_t mark = BeginLen(field);
    m.EncodeTo(*this);
    EndLen(mark);
  }
  template <class M>
  void Message(uint32_t field, const std::optional<M>& m) {
    if (m) Message(field, *m);
  }
  template <class M>
  void Message(uint32_t field, const std::vector<M>& v) {
    for (const M& m : v) Message(field, m);
  }

  // Length-delimited field whose length is patched in by EndLen: writes the
  // tag and a one-byte placeholder, returns its position.
  size_t BeginLen(uint32_t field) {
    Tag(field, WireType::kLen);
    out_->push_back(0);
    return out_->size() - 1;
  }
  void EndLen(size_t mark) {
    uint64_t len = out_->size() - mark - 1;
    char buf[10];
    size_t n = 0;
    for (uint64_t v = len;; v >>= 7) {
      buf[n++] = static_cast<char>(v >= 0x80 ? (v | 0x80) : v);
      if (v < 0x80) break;
    }
    if (n > 1) out_->insert(mark + 1, n - 1, '\0');
    for (size_t i = 0; i < n; ++i) (*out_)[mark + i] = buf[i];
  }

 private:
  template <class K>
  void Raw(typename K::T v) {
    if constexpr (K::kWire == WireType::kFixed32) {
      Fixed32(K::ToRaw(v));
    } else if constexpr (K::kWire == WireType::kFixed64) {
      Fixed64(K::ToRaw(v));
    } else {
      Varint(K::ToRaw(v));
    }
  }

  std::string* out_;
};

// Reads an encoded message. Field readers take the wire type found in the tag:
// on a mismatch they skip the field (libprotobuf treats it as unknown). Every
// reader returns false on malformed input, after which the Reader stays
// failed.
class Reader {
 public:
  explicit Reader(std::string_view in)
      : p_(reinterpret_cast<const uint8_t*>(in.data())), end_(p_ + in.size()) {}
  // The Reader keeps pointers into its input: a temporary would dangle.
  explicit Reader(std::string&&) = delete;

  // Reads the next tag. Returns false at the end of the input or on a
  // malformed tag; ok() tells the two apart.
  bool Next(uint32_t* field, WireType* type) {
    if (p_ == end_) return false;
    uint32_t tag;
    if (!Tag(&tag) || (tag & 7) == 4) return Fail();
    *field = tag >> 3;
    *type = static_cast<WireType>(tag & 7);
    return true;
  }
  bool ok() const { return ok_; }

  // A varint of at most 10 bytes; bits beyond 64 are dropped (as libprotobuf).
  bool Varint(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) return Fail();
      uint8_t b = *p_++;
      r |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) {
        *v = r;
        return true;
      }
    }
    return Fail();
  }
  bool Fixed32(uint32_t* v) {
    if (end_ - p_ < 4) return Fail();
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i) r |= static_cast<uint32_t>(p_[i]) << (8 * i);
    p_ += 4;
    *v = r;
    return true;
  }
  bool Fixed64(uint64_t* v) {
    if (end_ - p_ < 8) return Fail();
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    *v = r;
    return true;
  }
  // A length prefix (at most 5 bytes, below 2 GiB) and the bytes it covers.
  bool Len(std::string_view* v) {
    uint64_t n = 0;
    for (int i = 0;; ++i) {
      if (p_ == end_ || i == 5) return Fail();
      uint8_t b = *p_++;
      n |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) break;
    }
    if (n > 0x7FFFFFFF || n > static_cast<uint64_t>(end_ - p_)) return Fail();
    *v = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  // Skips a field's value (a whole group for kStartGroup).
  bool Skip(uint32_t field, WireType type) { return SkipValue(field, type, 0); }

  template <class K>
  bool Scalar(uint32_t field, WireType type, typename K::T* v) {
    if (type != K::kWire) return Skip(field, type);
    typename K::Raw r;
    if (!Raw<K>(&r)) return false;
    *v = K::FromRaw(r);
    return true;
  }
  template <class K>
  bool Scalar(uint32_t field, WireType type, std::optional<typename K::T>* v) {
    if (type != K::kWire) return Skip(field, type);
    return Scalar<K>(field, type, &v->emplace());
  }
  template <class K>
  bool Repeated(uint32_t field, WireType type, std::vector<typename K::T>* v) {
    if (type == K::kWire) {
      typename K::Raw r;
      if (!Raw<K>(&r)) return false;
      v->push_back(K::FromRaw(r));
      return true;
    }
    if (type != WireType::kLen) return Skip(field, type);
    std::string_view packed;
    if (!Len(&packed)) return false;
    Reader sub(packed);
    while (sub.p_ != sub.end_) {
      typename K::Raw r;
      if (!sub.Raw<K>(&r)) return Fail();
      v->push_back(K::FromRaw(r));
    }
    return true;
  }
  // bytes fields; T is std::string, std::optional<std::string> or
  // std::vector<std::string> (repeated).
  template <class T>
  bool Bytes(uint32_t field, WireType type, T* v) {
    return Str(field, type, v, false);
  }
  // string fields: as Bytes, and the value must be valid UTF-8.
  template <class T>
  bool String(uint32_t field, WireType type, T* v) {
    return Str(field, type, v, true);
  }
  // M is a generated message (has MergeFrom(std::string_view)). A singular
  // message seen twice is merged, as in libprotobuf.
  template <class M>
  bool Message(uint32_t field, WireType type, std::optional<M>* m) {
    if (type != WireType::kLen) return Skip(field, type);
    std::string_view s;
    if (!Len(&s)) return false;
    if (!*m) m->emplace();
    return (*m)->MergeFrom(s) || Fail();
  }
  template <class M>
  bool Message(uint32_t field, WireType type, std::vector<M>* v) {
    if (type != WireType::kLen) return Skip(field, type);
    std::string_view s;
    if (!Len(&s)) return false;
    return v->emplace_back().MergeFrom(s) || Fail();
  }

 private:
  // libprotobuf's nesting limit, applied here to unknown groups.
  static constexpr int kMaxGroupDepth = 100;

  bool Fail() {
    ok_ = false;
    p_ = end_;
    return false;
  }
  // A tag: at most 5 bytes, truncated to 32 bits, field number not 0, wire
  // type 0..5 (libprotobuf's ReadTag and field checks).
  bool Tag(uint32_t* tag) {
    uint32_t r = 0;
    for (int i = 0;; ++i) {
      if (p_ == end_ || i == 5) return Fail();
      uint8_t b = *p_++;
      r |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) break;
    }
    if ((r >> 3) == 0 || (r & 7) > 5) return Fail();
    *tag = r;
    return true;
  }
  template <class K>
  bool Raw(typename K::Raw* r) {
    if constexpr (K::kWire == WireType::kFixed32) {
      return Fixed32(r);
    } else if constexpr (K::kWire == WireType::kFixed64) {
      return Fixed64(r);
    } else {
      return Varint(r);
    }
  }
  static void Put(std::string_view s, std::string* v) {
    v->assign(s.data(), s.size());
  }
  static void Put(std::string_view s, std::optional<std::string>* v) {
    v->emplace(s.data(), s.size());
  }
  static void Put(std::string_view s, std::vector<std::string>* v) {
    v->emplace_back(s.data(), s.size());
  }
  template <class T>
  bool Str(uint32_t field, WireType type, T* v, bool utf8) {
    if (type != WireType::kLen) return Skip(field, type);
    std::string_view s;
    if (!Len(&s)) return false;
    if (utf8 && !IsValidUtf8(s)) return Fail();
    Put(s, v);
    return true;
  }
  bool SkipValue(uint32_t field, WireType type, int depth) {
    uint64_t u64;
    uint32_t u32;
    std::string_view s;
    switch (type) {
      case WireType::kVarint:
        return Varint(&u64);
      case WireType::kFixed64:
        return Fixed64(&u64);
      case WireType::kFixed32:
        return Fixed32(&u32);
      case WireType::kLen:
        return Len(&s);
      case WireType::kStartGroup:
        if (depth >= kMaxGroupDepth) return Fail();
        for (;;) {
          uint32_t tag;
          if (p_ == end_ || !Tag(&tag)) return Fail();
          if ((tag & 7) == 4) return (tag >> 3) == field || Fail();
          if (!SkipValue(tag >> 3, static_cast<WireType>(tag & 7), depth + 1)) {
            return false;
          }
        }
      case WireType::kEndGroup:
        break;
    }
    return Fail();
  }

  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace ballast::codec

#endif  // BALLAST_CONTRACTS_SDK_BALLAST_CODEC_H_
