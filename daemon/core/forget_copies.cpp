#include "core/forget_copies.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace sealbridge {
namespace {

// Called through a volatile pointer, so the compiler cannot see the copy is of zeros into a
// buffer nobody reads and drop it.
void* (*volatile copy_bytes)(void*, const void*, std::size_t) = std::memcpy;

constexpr std::size_t kChunk = 4096;

}  // namespace

void forget_recent_copies(std::size_t copied_bytes) noexcept {
  static const std::array<unsigned char, kChunk> zeros{};
  std::array<unsigned char, kChunk> scratch;
  // memcpy picks its registers by size; the same sizes again overwrite the same registers.
  for (std::size_t size : {copied_bytes % kChunk, std::min(copied_bytes, kChunk), kChunk})
    copy_bytes(scratch.data(), zeros.data(), size);
#if defined(__x86_64__) && !defined(_WIN32)
  // In the System V ABI every XMM register is the caller's to lose: clearing them here costs
  // nothing the compiler has to restore (on Windows xmm6-15 are callee-saved, and restoring
  // them would bring the bytes back).
  asm volatile(
      "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\t"
      "pxor %%xmm3, %%xmm3\n\tpxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
      "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\tpxor %%xmm8, %%xmm8\n\t"
      "pxor %%xmm9, %%xmm9\n\tpxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
      "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\tpxor %%xmm14, %%xmm14\n\t"
      "pxor %%xmm15, %%xmm15" ::
          : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
            "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#endif
}

}  // namespace sealbridge
