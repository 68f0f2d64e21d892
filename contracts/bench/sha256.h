// SHA-256 (FIPS 180-4), written once and compiled twice: by em++ into the
// bench contract and by g++ into the native side of tools/bench, so the two
// measurements run the same source. Header-only, no allocation, no libc
// beyond memcpy.

#ifndef BALLAST_CONTRACTS_BENCH_SHA256_H_
#define BALLAST_CONTRACTS_BENCH_SHA256_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ballast::bench {

class Sha256 {
 public:
  Sha256() { Reset(); }

  void Reset() {
    static constexpr uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                          0xa54ff53a, 0x510e527f, 0x9b05688c,
                                          0x1f83d9ab, 0x5be0cd19};
    std::memcpy(h_, kInit, sizeof(h_));
    length_ = 0;
    used_ = 0;
  }

  void Update(const uint8_t* data, size_t n) {
    length_ += n;
    if (used_ > 0) {
      size_t take = n < 64 - used_ ? n : 64 - used_;
      std::memcpy(block_ + used_, data, take);
      used_ += take;
      data += take;
      n -= take;
      if (used_ < 64) return;
      Compress(block_);
      used_ = 0;
    }
    for (; n >= 64; data += 64, n -= 64) Compress(data);
    std::memcpy(block_, data, n);
    used_ = n;
  }

  void Finish(uint8_t out[32]) {
    uint64_t bits = length_ * 8;
    uint8_t pad[72] = {0x80};
    size_t pad_len = (used_ < 56 ? 56 : 120) - used_;
    for (int i = 0; i < 8; ++i) {
      pad[pad_len + i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
    }
    Update(pad, pad_len + 8);
    for (int i = 0; i < 8; ++i) {
      out[4 * i] = static_cast<uint8_t>(h_[i] >> 24);
      out[4 * i + 1] = static_cast<uint8_t>(h_[i] >> 16);
      out[4 * i + 2] = static_cast<uint8_t>(h_[i] >> 8);
      out[4 * i + 3] = static_cast<uint8_t>(h_[i]);
    }
  }

 private:
  static uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void Compress(const uint8_t* p) {
    static constexpr uint32_t kK[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
        0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
        0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
        0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = uint32_t{p[4 * i]} << 24 | uint32_t{p[4 * i + 1]} << 16 |
             uint32_t{p[4 * i + 2]} << 8 | uint32_t{p[4 * i + 3]};
    }
    for (int i = 16; i < 64; ++i) {
      uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3];
    uint32_t e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; ++i) {
      uint32_t s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
      uint32_t ch = (e & f) ^ (~e & g);
      uint32_t t1 = h + s1 + ch + kK[i] + w[i];
      uint32_t s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
      uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      uint32_t t2 = s0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
    h_[5] += f;
    h_[6] += g;
    h_[7] += h;
  }

  uint32_t h_[8];
  uint64_t length_;
  uint8_t block_[64];
  size_t used_;
};

// The benchmark's workload: fills `buf` (64 KiB) with a fixed pattern and
// hashes it `rounds` times, feeding each digest back into the buffer.
inline void HashRounds(uint8_t* buf, size_t size, uint32_t rounds,
                       uint8_t out[32]) {
  for (size_t i = 0; i < size; ++i) buf[i] = static_cast<uint8_t>(i * 31 + 7);
  Sha256 h;
  for (uint32_t r = 0; r < rounds; ++r) {
    h.Reset();
    h.Update(buf, size);
    h.Finish(out);
    std::memcpy(buf, out, 32);
  }
}

}  // namespace ballast::bench

#endif  // BALLAST_CONTRACTS_BENCH_SHA256_H_
